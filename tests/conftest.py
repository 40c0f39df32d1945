"""Test set-up shared by the whole suite.

Environment for Kivy (offscreen, no argv parsing, a private home) and python-escpos (its
capabilities cache) is set here, before any test module imports them.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

_TMP_HOME = Path(tempfile.mkdtemp(prefix="kiosk-test-home-"))
os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ["KIVY_HOME"] = str(_TMP_HOME / "kivy")
os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(_TMP_HOME / "escpos"))

# CI runs the same examples every time (a red build must be reproducible); developers' runs
# keep exploring new ones.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
QR_SAMPLES = SHARED / "qr-samples"


def wait_until(pred: Callable[[], Any], timeout_s: float = 5.0, what: str = "condition") -> Any:
    """Poll `pred` until truthy (returned) or the deadline passes, then fail naming `what`.

    Waits on an Event between polls, never a bare sleep; for conditions with no event to wait on.
    """
    deadline = time.monotonic() + timeout_s
    ev = threading.Event()
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        ev.wait(0.02)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def port() -> int:
    """A free loopback port."""
    return free_port()


# Native libraries loaded by the suite (OpenCV's capture backends, SDL) can abort the interpreter
# while it tears down, after every test has finished and the summary is printed ("terminate
# called without an active exception"). The results are final by then, so end the process with
# pytest's own exit status instead of running that teardown. KIOSK_TEST_SOFT_EXIT=1 turns this off
# (to hunt for the teardown crash itself).
_EXIT_STATUS: list[int] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _EXIT_STATUS.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    if _EXIT_STATUS and not os.environ.get("KIOSK_TEST_SOFT_EXIT"):
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT_STATUS[-1])
