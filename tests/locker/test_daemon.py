"""`python -m locker` as a real process: the embedded default (simulated cabinet) and bad config."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import requests

from tests.conftest import REPO_ROOT
from tests.harness import LockerProcess


def _health(url: str) -> dict | None:
    try:
        r = requests.get(url, timeout=1)
    except requests.RequestException:
        return None
    return r.json() if r.status_code == 200 else None


def test_default_config_runs_a_simulated_cabinet(tmp_path: Path) -> None:
    daemon = LockerProcess(tmp_path, data_dir=tmp_path)
    port = daemon.port
    try:
        daemon.start()
        health = _health(f"http://127.0.0.1:{port}/api/v1/health")
        assert health is not None
        assert health["status"] == "ok" and health["buses"][0]["boards"] == {"0": "ok", "1": "ok"}
        assert health["warnings"] == []  # the shipped simulated center: loopback URLs are expected
        token = (tmp_path / "kiosk.token").read_text().strip()
        assert (tmp_path / "kiosk.token").stat().st_mode & 0o777 == 0o600
        cab = requests.get(
            f"http://127.0.0.1:{port}/api/v1/cabinet", headers={"Authorization": f"Bearer {token}"}, timeout=5
        ).json()
        assert cab["columns"] == 4 and len(cab["compartments"]) == 24
        assert {c["state"] for c in cab["compartments"]} == {"free"}
    finally:
        returncode = daemon.stop()
    out = daemon.log()
    assert returncode == 0, out
    assert "simulated kerong-cu16 cabinet" in out and token not in out
    assert f"simulated SMS (pickup codes) are written to {tmp_path / 'sms'}" in out


def test_bad_cabinet_map_fails_at_start_naming_the_key(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text(
        '[[locker.buses]]\nname = "bank1"\nsimulate = true\nboards = [0]\n'
        '[[locker.compartments]]\nlabel = "1"\nlock = 1\n'
        '[[locker.compartments]]\nlabel = "2"\nlock = 1\n'
    )
    r = subprocess.run(
        [sys.executable, "-m", "locker", "--config", str(site), "--data-dir", str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert "[locker]" in r.stderr and "lock 1 is already compartment '1'" in r.stderr


def test_a_site_config_left_on_loopback_is_warned_about_in_health_and_log(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text('[locker]\ncenter_name = "Trung tâm thử"\n', encoding="utf-8")
    daemon = LockerProcess(tmp_path, data_dir=tmp_path / "data", site_path=site)
    try:
        daemon.start()
        health = _health(f"http://127.0.0.1:{daemon.port}/api/v1/health")
        assert health is not None
    finally:
        returncode = daemon.stop()
    out = daemon.log()
    message = (
        "[locker] verify_base_url is http://127.0.0.1:8710/verify: receipt QR codes open only on this "
        "computer; set it to the address staff phones reach"
    )
    assert health["warnings"] == [{"code": "verify_url_loopback", "message": message}]
    assert returncode == 0, out
    assert message in out


def test_a_site_config_with_a_lan_verify_url_has_no_warning() -> None:
    from locker.config import LockerConfig
    from locker.daemon import config_warnings

    lan = LockerConfig(verify_base_url="http://192.168.1.10:8710/verify")
    assert config_warnings(lan, site=True) == []
    assert config_warnings(LockerConfig(verify_base_url="http://localhost:8710/verify"), site=True) != []
    assert config_warnings(LockerConfig(), site=False) == []


def test_data_dir_flag_moves_simulated_sms_and_back_office_files(tmp_path: Path) -> None:
    from drivers.gateways.sms import read_messages
    from locker.config import LockerConfig
    from locker.daemon import build_gateways, simulated_files_dir

    cfg = LockerConfig()
    sms, bo = build_gateways(cfg, simulated_files_dir(str(tmp_path)))
    sms.send("+84900000001", "Ma nhan: 123456", "deposit-1-code")
    assert [m["to"] for m in read_messages(tmp_path / "sms")] == ["+84900000001"]
    assert (tmp_path / "backoffice" / "dossiers.json").exists()
    assert bo.lookup("HS-2026-000123").phone == "+84900000001"
    # Without the flag, the configured paths stand (var/sms for `make run`).
    default_sms, _ = build_gateways(
        cfg.model_copy(update={"backoffice": cfg.backoffice.model_copy(update={"type": "none"})})
    )
    assert default_sms.directory == REPO_ROOT / "var" / "sms"
