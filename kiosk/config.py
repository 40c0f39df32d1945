"""Typed configuration of the kiosk app: the `[kiosk]` and `[center]` sections.

Every key has a default (mirrored and commented in config/default.toml); units are in the names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from common.config import load_raw, resolve_path, section, validate

Language = Literal["vi", "en"]


class CenterConfig(BaseModel):
    """The `[center]` section: what is shown and printed about the center (a mistyped key, e.g.
    `hotlin`, stops the start naming it: citizens would be told the default's hotline)."""

    model_config = ConfigDict(extra="forbid")

    name_vi: str = Field("Trung tâm Phục vụ hành chính công", min_length=1)
    name_en: str = Field("Public Administrative Service Center", min_length=1)
    hotline: str = "1900 0000"
    timezone: str = "Asia/Ho_Chi_Minh"
    data_dir: str = "var"

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}: use an IANA name such as Asia/Ho_Chi_Minh"
            ) from None
        return value

    def name(self, lang: str) -> str:
        """The center's name in `lang`."""
        return self.name_en if lang == "en" else self.name_vi


class KioskConfig(BaseModel):
    """The `[kiosk]` section."""

    model_config = ConfigDict(extra="forbid")

    kiosk_id: str = Field("kiosk-1", min_length=1, description="sent as the X-Kiosk-Id header; in logs")
    queueing_url: str = "http://127.0.0.1:8720"
    locker_url: str = "http://127.0.0.1:8710"
    request_timeout_s: float = Field(5.0, gt=0, le=60)
    health_poll_s: float = Field(5.0, gt=0, le=300)
    idle_timeout_s: float = Field(60.0, ge=10, le=3600)
    # With speech or large text on, time-outs are this many times longer; each warns first.
    assist_time_factor: float = Field(2.0, ge=1, le=10)
    idle_warning_s: float = Field(15.0, ge=3, le=120)
    # After a call for staff, the button calls again only after this long (the locker limits too).
    help_cooldown_s: float = Field(60.0, ge=5, le=3600)
    ticket_home_after_s: float = Field(15.0, ge=3, le=300)
    message_home_after_s: float = Field(20.0, ge=3, le=300)
    default_language: Language = "vi"
    fullscreen: bool = False
    window_width_px: int = Field(1280, ge=480, le=7680)
    window_height_px: int = Field(800, ge=480, le=4320)
    # The physical screen the window fills: touch targets are 15 mm on it (not at Kivy's guess).
    screen_width_mm: float = Field(345.0, ge=50, le=3000)
    screen_height_mm: float = Field(216.0, ge=50, le=3000)
    screenshot_path: str = "var/kiosk-screen.png"
    screenshot_every_s: float = Field(2.0, ge=0, le=600)
    search_min_services: int = Field(9, ge=1, le=1000)
    scan_id_enabled: bool = True
    scan_id_timeout_s: float = Field(30.0, ge=5, le=300)
    elderly_age_years: int | None = Field(None, ge=40, le=120)
    voice_enabled: bool = False
    voice_dir: str = "assets/sounds/kiosk"
    beep_enabled: bool = True
    printer_enabled: bool = True
    camera_enabled: bool = True
    staff_longpress_s: float = Field(3.0, ge=1, le=30)
    # Watch for a staff QR card while home is shown (the camera then runs on home, no preview).
    staff_card_on_home: bool = True
    start_services: bool = True
    service_restart_delay_s: float = Field(2.0, ge=0.1, le=300)
    service_start_timeout_s: float = Field(20.0, ge=1, le=300)
    # A service that was answering counts as down after this many failed health polls in a row
    # and this long without a good answer (a citizen's failed call counts at once).
    health_down_after_failures: int = Field(3, ge=1, le=100)
    health_down_after_s: float = Field(15.0, ge=0, le=3600)
    # How often the printer's status and the camera's state are checked and reported to staff.
    device_poll_s: float = Field(15.0, ge=1, le=30)
    # PEM file of the CA that signed the services' HTTPS certificates (the center's own CA or a
    # self-signed pair), relative to the repository unless absolute; empty: the system's CAs.
    ca_file: str = ""

    def elderly_age(self, raw: dict[str, Any]) -> int:
        """The age that gets the elderly priority: this key, else [queueing] elderly_age_years, else 60.

        60 is the Law on the Elderly's threshold, the queueing service's default too.
        """
        if self.elderly_age_years is not None:
            return self.elderly_age_years
        value = raw.get("queueing", {}).get("elderly_age_years", 60)
        return int(value) if isinstance(value, int) else 60

    def path(self, value: str) -> Path:
        """A config path resolved against the repository root."""
        return resolve_path(value)

    @field_validator("ca_file")
    @classmethod
    def _ca_exists(cls, value: str) -> str:
        if value and not resolve_path(value).is_file():
            raise ValueError(
                f"no file {resolve_path(value)}; give the PEM file of the CA that signed the services' "
                "certificates, or leave it empty for the system's CAs"
            )
        return value

    def ca_bundle(self) -> str | None:
        """`ca_file` as the service clients take it (None: the system's CAs)."""
        return str(resolve_path(self.ca_file)) if self.ca_file else None


class AppConfig(BaseModel):
    """Everything the kiosk reads, plus the raw file for the device drivers' own sections."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    center: CenterConfig
    kiosk: KioskConfig
    raw: dict[str, Any]
    source: str | None = None


def load_app_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> AppConfig:
    """Load default.toml (+ site file), apply `overrides` to `[kiosk]`, validate. Raises ConfigError."""
    raw = load_raw(path)
    kiosk_raw = dict(section(raw, "kiosk"))
    kiosk_raw.update(overrides or {})
    return AppConfig(
        center=validate(CenterConfig, section(raw, "center"), "center"),
        kiosk=validate(KioskConfig, kiosk_raw, "kiosk"),
        raw=raw,
        source=str(path) if path else None,
    )
