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
