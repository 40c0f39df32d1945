"""Kiosk defaults that must agree with the other services' config."""

from __future__ import annotations

from pathlib import Path

from common.config import REPO_ROOT
from kiosk.config import load_app_config
from kiosk.launch import banner


def test_elderly_age_follows_queueing_and_defaults_to_60() -> None:
    config = load_app_config()
    assert config.kiosk.elderly_age({"queueing": {"elderly_age_years": 65}}) == 65
    assert config.kiosk.elderly_age({}) == 60


def test_banner_names_the_locker_sms_folder(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text('[locker.sms]\noutbox_dir = "var/demo-sms"\n')
    text = banner(load_app_config(site), offscreen=True, started_services=True)
    assert str(REPO_ROOT / "var" / "demo-sms") in text


def test_banner_says_whether_the_center_keeps_opening_hours(tmp_path: Path) -> None:
    demo = banner(load_app_config(), offscreen=True, started_services=True)
    assert "Opening hours   : any hour: simulated center" in demo
    site = tmp_path / "site.toml"
    site.write_text('[center]\nname_en = "Example"\n')
    real = banner(load_app_config(site), offscreen=True, started_services=True)
    assert "Opening hours   : [queueing.hours] and holidays" in real


def test_ca_file_must_exist_and_reaches_both_clients(tmp_path: Path) -> None:
    import pytest

    from common.config import ConfigError
    from kiosk.clients.locker import from_config
    from kiosk.services import open_services

    with pytest.raises(ConfigError, match="kiosk.ca_file"):
        load_app_config(None, overrides={"ca_file": str(tmp_path / "missing.pem")})
    ca = tmp_path / "center-ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n", encoding="ascii")
    cfg = load_app_config(
        None, overrides={"ca_file": str(ca), "printer_enabled": False, "camera_enabled": False}
    )
    services = open_services(cfg)
    try:
        assert services.queueing is not None and services.queueing._verify == str(ca)
        assert from_config(cfg)._verify == str(ca)
    finally:
        services.close()
    plain = load_app_config(None, overrides={"printer_enabled": False, "camera_enabled": False})
    assert plain.kiosk.ca_bundle() is None  # empty: the system's CAs
