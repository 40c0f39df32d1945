"""FrameFirst: work that follows a pulse waits while other pulses are being prepared."""

from __future__ import annotations

import threading

from locker.doors import FrameFirst


def _waiter(gate: FrameFirst) -> threading.Event:
    done = threading.Event()

    def run() -> None:
        gate.wait_turn()
        done.set()

    threading.Thread(target=run, daemon=True).start()
    return done


def test_nothing_being_prepared_means_no_wait() -> None:
    gate = FrameFirst(max_wait_s=60)
    assert _waiter(gate).wait(10)


def test_bookkeeping_waits_until_every_pulse_in_preparation_has_left() -> None:
    gate = FrameFirst(max_wait_s=60)
    first, second = gate.preparing(), gate.preparing()
    done = _waiter(gate)
    first.release()
    assert not done.wait(0.1)  # one pulse is still being prepared
    second.release()
    assert done.wait(10)


def test_release_is_idempotent_and_the_wait_is_bounded() -> None:
    gate = FrameFirst(max_wait_s=60)
    ticket = gate.preparing()
    ticket.release()
    ticket.release()  # a second release must not hide another pulse in preparation
    held = gate.preparing()
    done = _waiter(gate)
    assert not done.wait(0.1)
    held.release()
    assert done.wait(10)
    bounded = FrameFirst(max_wait_s=0.05)
    bounded.preparing()  # never released (a bug elsewhere): followers still go on
    assert _waiter(bounded).wait(10)
