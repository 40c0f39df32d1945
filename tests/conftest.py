"""Test set-up shared by the whole suite.

Environment for Kivy (offscreen, no argv parsing, a private home) and python-escpos (its
capabilities cache) is set here, before any test module imports them.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Iterator
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


@pytest.fixture
def port() -> int:
    """A free loopback port."""
    from tests.harness import free_port  # after the environment above is set

    return free_port()


def _require_chromium() -> Path:
    """Debian's Chromium, or the test fails saying how to install it (`make test` does it first)."""
    from common.chromium import CHROMIUM

    if not CHROMIUM.exists():
        pytest.fail(f"Debian chromium is not installed at {CHROMIUM}: run `make sysdeps` (`make test` does).")
    return CHROMIUM


@pytest.fixture
def chromium() -> Path:
    """The path of Debian's Chromium (for tests that run the screenshot scripts)."""
    return _require_chromium()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium under Playwright, headless, one per test module (never a downloaded
    browser); the flags are the screenshot scripts' (autoplay on, for the board's voice)."""
    from playwright.sync_api import sync_playwright

    from queueing.screenshots import CHROMIUM_ARGS

    path = _require_chromium()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(path), args=CHROMIUM_ARGS)
        yield b
        b.close()


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
