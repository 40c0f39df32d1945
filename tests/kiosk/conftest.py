"""Fixtures for the kiosk tests: an offscreen app harness."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kiosk.harness import Harness, make_config


@pytest.fixture
def make_harness(tmp_path: Path) -> Iterator:
    """Factory: `make_harness(services, **kiosk_overrides)` -> a running Harness (closed after)."""
    made: list[Harness] = []

    def factory(services, clock=None, **kiosk):  # type: ignore[no-untyped-def]
        h = Harness(make_config(tmp_path, **kiosk), services, clock=clock)
        made.append(h)
        return h

    yield factory
    for h in made:
        h.close()
