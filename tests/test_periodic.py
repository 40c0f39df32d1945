"""common/periodic.py: rounds on their own thread until stopped; a failed round is not the last."""

from __future__ import annotations

import threading

import pytest

from common.periodic import AGAIN, Periodic, Wait
from tests.harness import wait_until


def test_rounds_run_until_stopped_and_a_failed_one_is_logged_not_the_end(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rounds: list[str] = []

    def step() -> None:
        rounds.append(threading.current_thread().name)
        if len(rounds) == 2:
            raise RuntimeError("the sensor board did not answer")

    job = Periodic("test-sweep", 0.005, step)
    job.start()
    wait_until(lambda: len(rounds) >= 4, 10, "four rounds, one of them failed")
    job.stop()
    done = len(rounds)
    assert set(rounds) == {"test-sweep"}
    assert "test-sweep: a round failed" in caplog.text and "the sensor board did not answer" in caplog.text
    stopped = threading.Event()
    assert not stopped.wait(0.05)  # several intervals: no round after stop()
    assert len(rounds) == done


def test_stop_without_waiting_leaves_a_stuck_round_behind() -> None:
    entered, release = threading.Event(), threading.Event()

    def stuck() -> None:
        entered.set()
        release.wait(10)

    job = Periodic("test-probe", 0.005, stuck, join_s=None)
    job.start()
    assert entered.wait(10)
    job.stop()  # returns although the round is still running
    release.set()
    Periodic("never-started", 1.0, stuck).stop()  # nothing to stop: fine


def test_a_kick_runs_the_next_round_without_waiting_out_the_interval() -> None:
    rounds: list[int] = []
    job = Periodic("test-outbox", 3600.0, lambda: rounds.append(1))
    job.start()
    try:
        assert job.alive and rounds == []  # the first round is an hour away
        job.kick()
        wait_until(lambda: len(rounds) == 1, 10, "the kicked round")
        job.kick()
        wait_until(lambda: len(rounds) == 2, 10, "a second kicked round")
    finally:
        job.stop()
    assert not job.alive


def test_a_round_with_more_to_do_goes_again_at_once_and_the_first_may_run_at_start() -> None:
    answers = [AGAIN, AGAIN, Wait(3600.0)]  # two rounds with more to send, then nothing for an hour
    rounds: list[int] = []

    def step() -> Wait:
        rounds.append(1)
        return answers[len(rounds) - 1]

    job = Periodic("test-sms", 3600.0, step, first_at_once=True, gather_s=0.001)
    job.start()
    try:
        wait_until(lambda: len(rounds) == 3, 10, "the first round at start and two more at once")
        answers.append(Wait(3600.0))
        job.kick()  # a kick ends a wait a round asked for too (after the gather)
        wait_until(lambda: len(rounds) == 4, 10, "the kicked round")
    finally:
        job.stop()
