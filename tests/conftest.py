"""Test set-up shared by the whole suite.

Environment for Kivy (offscreen, no argv parsing, a private home) and python-escpos (its
capabilities cache) is set here, before any test module imports them.
"""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

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


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def port() -> int:
    """A free loopback port."""
    return free_port()
