"""`run_kiosk.py` with its child services, as `make run` starts it: a killed service is restarted
and logged, and SIGINT (Ctrl-C) stops the kiosk and every child."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from common.config import REPO_ROOT
from tests.harness import free_port, wait_until

pytestmark = pytest.mark.slow


def _children(pid: int) -> dict[int, str]:
    out = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            cmd = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        ppid = int(text.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            out[int(stat.parent.name)] = cmd
    return out


def _up(url):
    try:
        return requests.get(url + "/api/v1/health", timeout=1).ok
    except requests.RequestException:
        return False


def test_center_restarts_a_dead_service_and_stops_cleanly(tmp_path):
    qport, lport = free_port(), free_port()
    qurl, lurl = f"http://127.0.0.1:{qport}", f"http://127.0.0.1:{lport}"
    site = tmp_path / "site.toml"
    site.write_text(f"""
[center]
data_dir = "{tmp_path}"
[kiosk]
queueing_url = "{qurl}"
locker_url = "{lurl}"
screenshot_path = "{tmp_path}/screen.png"
service_restart_delay_s = 0.5
[queueing]
data_dir = "{tmp_path}/queueing"
[locker]
data_dir = "{tmp_path}/locker"
kiosk_token_file = "{tmp_path}/locker/kiosk.token"
code_key_file = "{tmp_path}/locker/code.key"
[locker.sms]
outbox_dir = "{tmp_path}/sms"
[printer]
url = "png://{tmp_path}/printer"
[camera]
hash_key_file = "{tmp_path}/camera.key"
""")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")}
    proc = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "run_kiosk.py"), "--config", str(site), "--log-level", "INFO"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: list[str] = []
    out = proc.stdout
    assert out is not None
    reader = threading.Thread(target=lambda: lines.extend(iter(out.readline, "")), daemon=True)
    reader.start()
    try:
        wait_until(lambda: any("KIOSK_READY" in ln for ln in lines), 90, "home screen drawn", interval_s=0.2)
        wait_until(lambda: _up(qurl), 60, "queueing up", interval_s=0.2)
        queueing = [p for p, cmd in _children(proc.pid).items() if "-m queueing" in cmd]
        assert len(queueing) == 1
        os.kill(queueing[0], signal.SIGKILL)
        wait_until(lambda: any("queueing died" in ln for ln in lines), 30, "death logged", interval_s=0.2)
        wait_until(
            lambda: any(p != queueing[0] and "-m queueing" in c for p, c in _children(proc.pid).items()),
            30,
            "queueing restarted",
            interval_s=0.2,
        )
        wait_until(lambda: _up(qurl), 60, "queueing answering again", interval_s=0.2)
        kids = list(_children(proc.pid))
        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 0, "".join(lines)[-4000:]  # how it ended, if not cleanly
        wait_until(
            lambda: not any(Path(f"/proc/{k}").exists() for k in kids), 20, "children gone", interval_s=0.2
        )
        assert not _up(qurl)
        assert (tmp_path / "screen.png").is_file()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    text = "".join(lines)
    assert "Counter console : " + qurl + "/counter" in text
    assert "OFFSCREEN" in text
