"""The shared config loader: merging, errors that name the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from common.config import ConfigError, load_raw, section, validate


class _Center(BaseModel):
    name_vi: str
    hotline: str = Field(min_length=3)


def test_default_config_parses_and_has_center() -> None:
    data = load_raw()
    center = validate(_Center, section(data, "center"), "center")
    assert center.name_vi


def test_site_file_overrides_default(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text('[center]\nhotline = "028 1234 5678"\n')
    data = load_raw(site)
    assert data["center"]["hotline"] == "028 1234 5678"
    assert data["center"]["name_vi"]  # kept from the default


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    site = tmp_path / "broken.toml"
    site.write_text("[center\nname = 1\n")
    with pytest.raises(ConfigError, match="broken.toml"):
        load_raw(site)


def test_invalid_value_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"center\.hotline"):
        validate(_Center, {"name_vi": "x", "hotline": ""}, "center")


def test_missing_site_file_is_clear(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_raw(tmp_path / "nope.toml")


def test_the_centers_time_zone_and_id_key_reach_every_service(tmp_path: Path) -> None:
    """A site sets `[center] timezone` once and `[camera] hash_key_file` once: the locker, the
    queue and the printer keep the center's time, and the bookings' ID hash uses the camera's key
    (a site that sets a service's own value keeps it)."""
    from locker.config import load_locker_config
    from queueing.config import load_config

    site = tmp_path / "site.toml"
    site.write_text(
        '[center]\ntimezone = "Asia/Bangkok"\n[printer]\ntimezone = "Asia/Tokyo"\n'
        f'[camera]\nhash_key_file = "{tmp_path / "keys" / "id-hash.key"}"\n',
        encoding="utf-8",
    )
    data = load_raw(site)
    assert data["locker"]["timezone"] == data["queueing"]["timezone"] == "Asia/Bangkok"
    assert data["printer"]["timezone"] == "Asia/Tokyo"
    assert load_locker_config(site).timezone == load_config(site).timezone == "Asia/Bangkok"
    assert load_config(site).appointments.id_hash_key_file == str(tmp_path / "keys" / "id-hash.key")
    assert load_raw()["queueing"]["appointments"]["id_hash_key_file"] == "var/camera/id-hash.key"


def test_a_mistyped_center_key_or_zone_stops_the_kiosk(tmp_path: Path) -> None:
    from kiosk.config import load_app_config

    for text, named in (('hotlin = "1900 1234"', "center.hotlin"), ('timezone = "Asia/Hanoi"', "Asia/Hanoi")):
        site = tmp_path / "site.toml"
        site.write_text(f"[center]\n{text}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=named):
            load_app_config(str(site))
