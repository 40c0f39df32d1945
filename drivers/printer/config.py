"""The `[printer]` config section, typed (units in the key names)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from common.config import resolve_path, section, validate
from drivers.printer.encode import CutMode
from drivers.printer.url import PrinterUrlError, parse_url


class PrinterConfig(BaseModel):
    """Receipt printer settings; see config/default.toml for what each key means."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = "png://var/printer"
    paper_width_mm: Literal[58, 80] = 80
    print_timeout_s: float = Field(default=20.0, gt=0, le=300)
    status_timeout_s: float = Field(default=1.0, gt=0, le=30)
    status_poll_s: float = Field(default=30.0, gt=0, le=3600)
    require_status: bool = True
    confirm_printed: bool = False
    qr_native: bool = True
    cut: CutMode = CutMode.PARTIAL
    logo_path: str = ""
    font_dir: str = "assets/fonts"
    timezone: str = "Asia/Ho_Chi_Minh"

    @field_validator("timezone")
    @classmethod
    def _tz_ok(cls, value: str) -> str:
        if value:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as err:
                raise ValueError(
                    f"unknown time zone {value!r}; use an IANA name such as Asia/Ho_Chi_Minh"
                ) from err
        return value

    @field_validator("url")
    @classmethod
    def _url_ok(cls, value: str) -> str:
        try:
            parse_url(value)
        except PrinterUrlError as err:
            raise ValueError(str(err)) from err
        return value

    def logo(self) -> Path | None:
        """The logo file, resolved against the repository root; None when not set."""
        return resolve_path(self.logo_path) if self.logo_path.strip() else None

    def fonts(self) -> Path:
        """The font folder, resolved against the repository root."""
        return resolve_path(self.font_dir)


def load_printer_config(raw: dict[str, Any]) -> PrinterConfig:
    """Validate the [printer] section of a loaded config; ConfigError names the bad key."""
    return validate(PrinterConfig, section(raw, "printer"), "printer")
