"""Helpers for the queueing tests: a config open all day, an in-process server on a free port."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn

from common.clock import Clock, ManualClock
from common.config import load_raw, section
from queueing.app import create_app
from queueing.config import QueueingConfig

ALL_DAY = ["00:00-23:59"]
#: 09:00 in Ho Chi Minh City on Monday 5 January 2026.
MONDAY_9AM = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


def make_config(**overrides: Any) -> QueueingConfig:
    """The shipped [queueing] section, open all day every day, with overrides."""
    data = dict(section(load_raw(), "queueing"))
    data["hours"] = {d: ALL_DAY for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    data["services"] = [{**s, "last_ticket_before_close_min": 0} for s in data["services"]]
    data.update(overrides)
    return QueueingConfig.model_validate(data)


def wait_for(predicate: Callable[[], bool], timeout_s: float = 10.0, what: str = "condition") -> None:
    """Poll `predicate` until true or fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


class ServerThread:
    """uvicorn serving the queueing app in a thread of the test process (real HTTP on loopback)."""

    def __init__(self, config: QueueingConfig, data_dir: Path, port: int, clock: Clock | None = None) -> None:
        self.app = create_app(
            config,
            data_dir,
            clock=clock or ManualClock(MONDAY_9AM),
            run_sweeper=False,
            center_name_vi="Trung tâm thử nghiệm",
            center_name_en="Test center",
        )
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(
            uvicorn.Config(
                self.app,
                host="127.0.0.1",
                port=port,
                log_level="warning",
                timeout_graceful_shutdown=1,
                limit_concurrency=200,
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        wait_for(lambda: self.server.started, 20, "server start")
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
