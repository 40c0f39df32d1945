"""Fixtures for the kiosk tests: an offscreen app harness."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kivy.config import Config

# The offscreen window is created at the kiosk's size (the app would only resize it, leaving
# Window.screenshot() reading an 800x600 framebuffer into a 1280x800 picture).
Config.set("graphics", "width", "1280")
Config.set("graphics", "height", "800")

from tests.kiosk.harness import Harness, make_config  # noqa: E402 - after the window size is set


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


@pytest.fixture(scope="module")
def queueing_service(tmp_path_factory):
    """The real queueing service on a free 127.0.0.1 port (one per test module)."""
    from tests.harness import QueueingProcess, free_port
    from tests.kiosk.live import SITE_TOML

    svc = QueueingProcess(SITE_TOML, tmp_path_factory.mktemp("queueing"), free_port())
    svc.start()
    yield svc
    svc.stop()
