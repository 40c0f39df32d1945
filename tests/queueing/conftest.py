"""Fixtures of the queueing tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from common.clock import ManualClock
from tests.conftest import free_port
from tests.queueing.helpers import MONDAY_9AM, ServerThread, make_config


@pytest.fixture
def clock() -> ManualClock:
    """Monday 09:00 local time."""
    return ManualClock(MONDAY_9AM)


@pytest.fixture
def server(tmp_path: Path, clock: ManualClock) -> Iterator[ServerThread]:
    """A queueing server on a free loopback port with the shipped services, open all day."""
    with ServerThread(make_config(), tmp_path, free_port(), clock) as srv:
        yield srv


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """A requests session."""
    with requests.Session() as s:
        yield s
