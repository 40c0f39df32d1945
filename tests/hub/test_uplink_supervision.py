"""run_kiosk.py starts `python -m uplink` under a supervisor only when `[hub] url` is set, and
restarts it when it dies."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import run_kiosk
from tests.conftest import REPO_ROOT
from tests.harness import wait_until


def config(tmp_path: Path, url: str) -> SimpleNamespace:
    return SimpleNamespace(
        raw={"hub": {"url": url}},
        center=SimpleNamespace(data_dir=str(tmp_path)),
        kiosk=SimpleNamespace(service_restart_delay_s=0.1),
    )


def test_no_hub_no_uplink(tmp_path: Path) -> None:
    assert run_kiosk._start_uplink(config(tmp_path, ""), None) is None


def test_uplink_is_started_and_restarted(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    token = tmp_path / "hub.token"
    token.write_text("t0ken\n", encoding="utf-8")
    # a hub nobody listens on: the uplink runs and retries, it does not exit
    site.write_text(
        f'[queueing]\ndata_dir = "{tmp_path / "q"}"\n[hub]\nurl = "http://127.0.0.1:9"\n'
        f'center_id = "C1"\ntoken_file = "{token}"\n',
        encoding="utf-8",
    )
    sup = run_kiosk._start_uplink(config(tmp_path, "http://127.0.0.1:9"), str(site))
    assert sup is not None
    try:
        first = wait_until(lambda: sup.pid("uplink"), 10, "uplink running")
        import os

        os.kill(first, signal.SIGKILL)
        wait_until(lambda: sup.pid("uplink") not in (None, first), 20, "uplink restarted")
        assert sup.restarts("uplink") == 1
        assert (tmp_path / "log" / "uplink.log").exists()
    finally:
        sup.stop()


def uplink_cli(site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "uplink", "--config", str(site)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_uplink_refuses_an_incomplete_hub_section_and_says_what_to_set(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text("[hub]\n", encoding="utf-8")
    no_url = uplink_cli(site)
    assert no_url.returncode == 2 and "[hub] url is empty" in no_url.stderr
    site.write_text('[hub]\nurl = "https://hub.example"\n', encoding="utf-8")
    no_center = uplink_cli(site)
    assert no_center.returncode == 2 and "center_id must be set" in no_center.stderr
    site.write_text(
        f'[hub]\nurl = "https://hub.example"\ncenter_id = "C1"\ntoken_file = "{tmp_path / "none"}"\n',
        encoding="utf-8",
    )
    no_token = uplink_cli(site)
    assert no_token.returncode == 2 and "python -m hub center add" in no_token.stderr
