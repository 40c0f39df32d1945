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
