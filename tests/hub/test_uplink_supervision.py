"""run_kiosk.py starts `python -m uplink` under a supervisor only when `[hub] url` is set, and
restarts it when it dies."""

from __future__ import annotations

import signal
from pathlib import Path
from types import SimpleNamespace

import run_kiosk
from tests.conftest import wait_until


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
