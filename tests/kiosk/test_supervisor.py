"""Supervised child services: a child that dies is restarted and logged; stop() ends them all."""

from __future__ import annotations

import logging
import sys

from kiosk.supervisor import ChildSpec, Supervisor
from tests.harness import wait_until


def test_dead_child_is_restarted_and_logged(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="kiosk.supervisor")
    dying = ChildSpec(
        "dying",
        [sys.executable, "-c", "import sys; print('bye'); sys.exit(3)"],
        "http://127.0.0.1:9/api/v1/health",
        tmp_path / "dying.log",
    )
    steady = ChildSpec(
        "steady",
        [sys.executable, "-c", "import time; time.sleep(60)"],
        "http://127.0.0.1:9/api/v1/health",
        tmp_path / "steady.log",
    )
    sup = Supervisor([dying, steady], restart_delay_s=0.1)
    sup.start()
    try:
        wait_until(lambda: sup.restarts("dying") >= 2, 20, "the dying child to be restarted", interval_s=0.05)
        assert sup.restarts("steady") == 0
        steady_pid = sup.pid("steady")
        assert steady_pid is not None
    finally:
        sup.stop(grace_s=5)
    assert sup.pid("steady") is None
    assert any("dying died (exit code 3" in r.getMessage() for r in caplog.records)
    assert "bye" in (tmp_path / "dying.log").read_text()


def test_backoff_doubles_while_a_child_keeps_dying(tmp_path):
    clock = [0.0]
    spec = ChildSpec("x", [sys.executable, "-c", "pass"], "http://127.0.0.1:9/", tmp_path / "x.log")
    sup = Supervisor([spec], restart_delay_s=1.0, monotonic=lambda: clock[0])
    child = sup._children[0]
    delays = []
    for _ in range(8):
        sup._schedule_restart(child)
        delays.append(child.delay_s)
    assert delays[:4] == [1.0, 2.0, 4.0, 8.0]
    assert max(delays) == 60.0
