"""run_kiosk.py as a user runs it: --help, a bad config, and a headless start that draws home."""

from __future__ import annotations

import os
import subprocess
import sys

from common.config import REPO_ROOT

RUN = [sys.executable, str(REPO_ROOT / "run_kiosk.py")]


def _env():
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("SDL_VIDEODRIVER", None)
    return env


def test_help_lists_the_options():
    out = subprocess.run([*RUN, "--help"], capture_output=True, text=True, timeout=60, check=True).stdout
    for opt in ("--config", "--fullscreen", "--no-services", "--offscreen", "--language"):
        assert opt in out


def test_bad_config_names_the_key(tmp_path):
    site = tmp_path / "site.toml"
    site.write_text("[kiosk]\nidle_timeout_s = 1\n")
    res = subprocess.run(
        [*RUN, "--config", str(site), "--no-services"], capture_output=True, text=True, timeout=60, env=_env()
    )
    assert res.returncode == 2
    assert "kiosk.idle_timeout_s" in res.stderr


def test_headless_start_says_so_and_saves_the_screen(tmp_path):
    shot = tmp_path / "screen.png"
    res = subprocess.run(
        [*RUN, "--exit-after-first-frame", "--screenshot", str(shot), "--log-level", "WARNING"],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(),
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert "OFFSCREEN" in res.stdout
    assert "/counter" in res.stdout and "/display" in res.stdout
    assert "KIOSK_READY" in res.stdout
    assert shot.is_file() and shot.stat().st_size > 10_000


def test_relative_config_path_is_taken_from_the_callers_directory(tmp_path):
    (tmp_path / "site.toml").write_text("[kiosk]\nidle_timeout_s = 1\n")
    res = subprocess.run(
        [*RUN, "--config", "site.toml", "--no-services"],
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(),
        cwd=tmp_path,
    )
    assert res.returncode == 2
    assert "kiosk.idle_timeout_s" in res.stderr  # the file was found and read
