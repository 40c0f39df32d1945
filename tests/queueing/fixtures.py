"""Fixtures of the queueing tests, imported by the test modules that use them.

(No conftest.py and no __init__.py here on purpose: as a package this folder would be imported
as `queueing` and could shadow, or be shadowed by, the real `queueing` package.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from common.clock import ManualClock
from tests.harness import MONDAY_9AM, QueueingServer, free_port
from tests.queueing.helpers import make_config


@pytest.fixture(name="clock")
def clock_fixture() -> ManualClock:
    """Monday 09:00 local time."""
    return ManualClock(MONDAY_9AM)


@pytest.fixture(name="server")
def server_fixture(tmp_path: Path, clock: ManualClock) -> Iterator[QueueingServer]:
    """A queueing server on a free loopback port with the shipped services, open all day."""
    with QueueingServer(make_config(), tmp_path, free_port(), clock) as srv:
        yield srv


@pytest.fixture(name="http")
def http_fixture() -> Iterator[requests.Session]:
    """A requests session."""
    with requests.Session() as s:
        yield s
