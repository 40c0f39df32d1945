"""Helpers for the queueing tests: a config open all day (tests/harness.py starts the server)."""

from __future__ import annotations

from typing import Any

from common.config import load_raw, section
from queueing.config import QueueingConfig

ALL_DAY = ["00:00-23:59"]


def make_config(**overrides: Any) -> QueueingConfig:
    """The shipped [queueing] section, open all day every day by its hours, with overrides."""
    data = dict(section(load_raw(), "queueing"))
    data["hours"] = {d: ALL_DAY for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    data["services"] = [{**s, "last_ticket_before_close_min": 0} for s in data["services"]]
    data["open_all_hours"] = False  # the hours above decide (tests that close a service change them)
    data.update(overrides)
    return QueueingConfig.model_validate(data)
