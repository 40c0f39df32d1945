"""Start the real queueing service (python -m queueing) on a free loopback port for kiosk tests."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import requests

from common.config import REPO_ROOT

ALL_DAY = '["00:00-23:59"]'


def week(hours: str) -> str:
    """The seven `day = hours` lines of a [..hours] table."""
    return "".join(f"{day} = {hours}\n" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))


SITE_TOML = f"""
[queueing.hours]
{week(ALL_DAY)}
[[queueing.services]]
code = "ho_tich"
name_vi = "Hộ tịch"
name_en = "Civil status registration"
prefix = "A"
last_ticket_before_close_min = 0

[[queueing.services]]
code = "dat_dai"
name_vi = "Đất đai"
name_en = "Land"
prefix = "B"
daily_cap_tickets = 1
last_ticket_before_close_min = 0

[[queueing.services]]
code = "kinh_doanh"
name_vi = "Đăng ký kinh doanh"
name_en = "Business registration"
prefix = "C"
last_ticket_before_close_min = 0
[queueing.services.hours]
{week("[]")}
[[queueing.counters]]
number = 1
name = "Quầy 1"
services = ["ho_tich", "dat_dai", "kinh_doanh"]
"""


class LiveQueueing:
    """A `python -m queueing` child process with its own data directory."""

    def __init__(self, tmp: Path, port: int, site_toml: str = SITE_TOML) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.site = tmp / "site.toml"
        self.site.write_text(site_toml, encoding="utf-8")
        self.data_dir = tmp / "queueing"
        self.token_file = self.data_dir / "kiosk.token"  # the service creates it (with --data-dir)
        self.log_path = tmp / "queueing.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 30.0) -> None:
        """Start and wait for /api/v1/health."""
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "queueing",
                "--config",
                str(self.site),
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
            ],
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"queueing exited: {self.log_path.read_text()[-2000:]}")
            try:
                if requests.get(self.url + "/api/v1/health", timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)  # polling a child's readiness with a deadline
        raise RuntimeError(f"queueing did not answer in {timeout_s} s: {self.log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        """Terminate the child and wait for it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


CLOSED_TOML = f"""
[queueing.hours]
{week("[]")}"""
