"""Typed configuration of the locker daemon: the `[locker]` section of the TOML config.

Every key has a default and a unit in its name. The cabinet map (`[[locker.compartments]]`) is
checked at start: duplicate labels, unknown buses, boards not on the bus, locks past the board's
size and two compartments on one channel all fail with the key named.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from common.config import REPO_ROOT, ConfigError, load_raw, resolve_path, section, validate
from common.outbox_retry import RetryConfig
from common.serving import HttpServing
from contracts.locker import SecondFactor as SecondFactor  # the wire's vocabulary, defined once
from contracts.locker import Size as Size


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CodesConfig(_Strict):
    """One-time pickup codes and the limits on guessing them."""

    length_digits: int = Field(default=6, ge=6, le=10)
    valid_days: int = Field(default=7, ge=1, le=90)
    working_days: bool = False
    holidays: list[date] = Field(default_factory=list)
    second_factor: SecondFactor = SecondFactor.NONE
    max_wrong_per_deposit: int = Field(default=5, ge=1, le=50)
    kiosk_free_failures: int = Field(default=3, ge=0)
    kiosk_first_delay_s: float = Field(default=2.0, ge=0)
    kiosk_max_delay_s: float = Field(default=300.0, ge=0)
    kiosk_alarm_failures: int = Field(default=10, ge=1)
    kiosk_failures_forget_h: float = Field(default=24.0, gt=0)
    burst_failures: int = Field(default=20, ge=1)
    burst_window_min: float = Field(default=10.0, gt=0)
    cabinet_delay_after_burst_s: float = Field(default=60.0, ge=0)
    reminder_before_expiry_h: float = Field(default=24.0, ge=0)


class StaffConfig(_Strict):
    """Staff sign-in and sessions."""

    session_idle_min: float = Field(default=10.0, gt=0)
    session_max_h: float = Field(default=10.0, gt=0)
    max_failed_signins: int = Field(default=5, ge=1)
    signin_lockout_min: float = Field(default=15.0, ge=0)
    pin_min_digits: int = Field(default=6, ge=4, le=12)


class DoorsConfig(_Strict):
    """How long to watch doors and when to raise door alarms."""

    watch_s: float = Field(default=3.0, gt=0, le=30)
    left_open_alarm_min: float = Field(default=2.0, gt=0)
    loading_open_alarm_min: float = Field(default=10.0, gt=0)
    auto_confirm_on_close: bool = True


class OutboxConfig(RetryConfig):
    """Retries of the durable outbox (SMS and back-office calls): `common.outbox_retry`."""


class SmsConfig(_Strict):
    """SMS gateway: `simulated` writes files under `outbox_dir`; `http` posts JSON.

    Texts are folded to GSM-7 when rendered (`common.sms_text`) and must fit one SMS: checked at
    start with the longest values the configuration allows."""

    type: Literal["simulated", "http"] = "simulated"
    url: str = ""
    token_file: str = ""
    timeout_s: float = Field(default=10.0, gt=0)
    outbox_dir: str = "var/sms"
    center_name: str = ""  # empty: [locker] center_name
    dossier_max_chars: int = Field(default=30, ge=10, le=64)
    template: str = (
        "{center}: ho so {dossier} o tu {compartment}. Ma nhan: {code}, han {expires}. Hotline {hotline}"
    )
    reminder_template: str = (
        "{center}: ho so {dossier} o tu {compartment} se het han nhan luc {expires}. Hotline {hotline}"
    )
    expired_template: str = (
        "{center}: ho so {dossier} da het han nhan tai tu. Vui long den quay tra ket qua. Hotline {hotline}"
    )
    withdrawn_template: str = (
        "{center}: ho so {dossier} da chuyen tu tu ve quay tra ket qua. Moi den nhan. Hotline {hotline}"
    )
    counter_template: str = (
        "{center}: ket qua ho so {dossier} da co. Vui long nhan tai quay tra ket qua. Hotline {hotline}"
    )


class CapacityConfig(_Strict):
    """A full cabinet (locker.capacity): when to raise "locker nearly full"."""

    nearly_full_alarm_pct: int = Field(default=90, ge=0, le=100)  # 0 = never


class BackOfficeConfig(_Strict):
    """One-stop back office: `simulated` reads a JSON file; `http` calls a REST service."""

    type: Literal["simulated", "http", "none"] = "simulated"
    url: str = ""
    token_file: str = ""
    timeout_s: float = Field(default=10.0, gt=0)
    status_timeout_s: float = Field(default=3.0, gt=0, le=30)  # a citizen waits at the kiosk for it
    dossiers_file: str = "var/backoffice/dossiers.json"
    returned_file: str = "var/backoffice/returned.jsonl"


class HandoverPhotoConfig(_Strict):
    """Evidence of handover (off by default): one still frame of the pickup, sealed at rest."""

    enabled: bool = False
    retention_days: int = Field(default=30, ge=1, le=3650)
    key_file: str = ""  # empty: photo.key next to code_key_file
    max_jpeg_bytes: int = Field(default=45_000, ge=4_000, le=10_000_000)
    upload_window_s: float = Field(default=120.0, gt=0, le=3600)

    def body_bytes(self) -> int:
        """The largest request body one photo makes (base64 of the JPEG in a small JSON object)."""
        return 4 * ((self.max_jpeg_bytes + 2) // 3) + 64


class DossiersConfig(_Strict):
    """The citizen's dossier lookup at the kiosk and "send the code again"."""

    lookups_per_min_per_kiosk: int = Field(default=20, ge=1, le=10_000)
    resend_period_h: float = Field(default=24.0, gt=0)
    resend_max_per_deposit: int = Field(default=3, ge=1, le=100)


class BusEntry(BaseModel):
    """One `[[locker.buses]]` table: the lock-board bus keys plus how to start it."""

    model_config = ConfigDict(extra="allow")

    name: str = "bank1"
    simulate: bool = False
    sim_auto_close_s: float = Field(default=0.0, ge=0)
    sim_items: bool = True

    def bus_keys(self) -> dict[str, Any]:
        """The keys handed to drivers.lockboard.config.BusConfig."""
        data = self.model_dump()
        for key in ("simulate", "sim_auto_close_s", "sim_items"):
            data.pop(key, None)
        return data


class CompartmentConfig(_Strict):
    """One door of the cabinet: where its lock is wired and where it sits in the picture."""

    label: str = Field(min_length=1, max_length=8)
    bus: str = "bank1"
    board: int = Field(default=0, ge=0)
    lock: int = Field(default=1, ge=1)
    size: Size = Size.MEDIUM
    column: int = Field(default=0, ge=0)
    row: int = Field(default=0, ge=0)
    height_units: int = Field(default=1, ge=1, le=8)
    disabled: bool = False
    has_item_sensor: bool = False


_SMS_WITHOUT: dict[str, frozenset[str]] = {
    "template": frozenset(),
    "reminder_template": frozenset({"code"}),
    "expired_template": frozenset({"code"}),
    "withdrawn_template": frozenset({"code"}),
    "counter_template": frozenset({"code", "compartment", "expires"}),  # no compartment at all
}
"""The SMS templates checked at start, each with the placeholders it cannot have (only the code
SMS carries the code; a result kept at the counter has no compartment or deadline)."""


class LockerConfig(HttpServing, _Strict):
    """The whole `[locker]` section (with the HTTP keys every service shares: common.serving)."""

    host: str = "127.0.0.1"
    port: int = Field(default=8710, ge=1, le=65535)
    data_dir: str = "var/locker"
    kiosk_token_file: str = "var/locker/kiosk.token"
    code_key_file: str = "var/locker/code.key"
    staff_key_file: str = ""  # empty: staff.key next to code_key_file
    center_name: str = "Trung tâm Phục vụ hành chính công (mô phỏng)"
    hotline: str = "1900 0000"
    timezone: str = "Asia/Ho_Chi_Minh"
    verify_base_url: str = "http://127.0.0.1:8710/verify"
    verify_requests_per_min: int = Field(default=30, ge=1, le=10_000)
    log_level: str = "INFO"
    wire_log_file: str = ""  # RS485 frames to this rotating file (5 MB x 3); empty: off
    personal_data_retention_days: int = Field(default=90, ge=1)
    codes: CodesConfig = CodesConfig()
    staff: StaffConfig = StaffConfig()
    doors: DoorsConfig = DoorsConfig()
    outbox: OutboxConfig = OutboxConfig()
    sms: SmsConfig = SmsConfig()
    backoffice: BackOfficeConfig = BackOfficeConfig()
    handover_photo: HandoverPhotoConfig = HandoverPhotoConfig()
    capacity: CapacityConfig = CapacityConfig()
    dossiers: DossiersConfig = DossiersConfig()
    buses: list[BusEntry] = Field(default_factory=list)
    compartments: list[CompartmentConfig] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(value)
        except Exception as err:  # any lookup failure means a bad name
            raise ValueError(f"unknown time zone {value!r} (use e.g. 'Asia/Ho_Chi_Minh')") from err
        return value

    @model_validator(mode="after")
    def _cabinet(self) -> LockerConfig:
        buses = {b.name: b for b in self.buses}
        if len(buses) != len(self.buses):
            raise ValueError("buses: two buses have the same name")
        seen_labels: set[str] = set()
        seen_channels: dict[tuple[str, int, int], str] = {}
        for i, comp in enumerate(self.compartments):
            where = f"compartments[{i}] (label {comp.label!r})"
            if comp.label in seen_labels:
                raise ValueError(f"{where}: label {comp.label!r} is used twice")
            seen_labels.add(comp.label)
            bus = buses.get(comp.bus)
            if bus is None:
                raise ValueError(f"{where}: bus {comp.bus!r} is not one of {sorted(buses)}")
            extra = bus.model_extra or {}
            boards = extra.get("boards")
            if boards and comp.board not in boards:
                raise ValueError(f"{where}: board {comp.board} is not in bus {comp.bus!r} boards {boards}")
            per_board = int(extra.get("locks_per_board") or 0)
            if per_board and comp.lock > per_board:
                raise ValueError(f"{where}: lock {comp.lock} is past locks_per_board = {per_board}")
            key = (comp.bus, comp.board, comp.lock)
            if key in seen_channels:
                raise ValueError(
                    f"{where}: bus {comp.bus} board {comp.board} lock {comp.lock} is already "
                    f"compartment {seen_channels[key]!r}"
                )
            seen_channels[key] = comp.label
        return self

    @model_validator(mode="after")
    def _photo_fits_a_body(self) -> LockerConfig:
        photo = self.handover_photo
        if photo.enabled and photo.body_bytes() > self.max_body_bytes:
            raise ValueError(
                f"handover_photo.max_jpeg_bytes = {photo.max_jpeg_bytes} needs requests of up to "
                f"{photo.body_bytes()} bytes but max_body_bytes is {self.max_body_bytes}: lower the one "
                "or raise the other"
            )
        return self

    @model_validator(mode="after")
    def _sms_fits_one_segment(self) -> LockerConfig:
        import string

        from common.sms_text import check_template

        for name, absent in _SMS_WITHOUT.items():
            text = getattr(self.sms, name)
            try:
                used = {f for _, f, _, _ in string.Formatter().parse(text) if f}
            except ValueError:
                used = set()  # check_template names the broken brace
            if used & absent:  # the value does not exist when this message is sent
                raise ValueError(
                    f"sms.{name}: {', '.join('{' + f + '}' for f in sorted(used & absent))} cannot be "
                    "used in this message (there is no such value when it is sent); remove it"
                )
            problem = check_template(
                name,
                getattr(self.sms, name),
                center=self.sms_center_name(),
                hotline=self.hotline,
                labels=[c.label for c in self.compartments],
                code_digits=self.codes.length_digits,
                dossier_max_chars=self.sms.dossier_max_chars,
            )
            if problem:
                raise ValueError(problem)
        return self

    def sms_center_name(self) -> str:
        """The center's name in SMS texts: `sms.center_name`, or `center_name`."""
        return self.sms.center_name or self.center_name

    def staff_key_path(self) -> Path:
        """The staff TOTP key file: `staff_key_file`, or `staff.key` next to the code key."""
        if self.staff_key_file:
            return resolve_path(self.staff_key_file)
        return resolve_path(self.code_key_file).with_name("staff.key")

    def photo_key_path(self, code_key: Path) -> Path:
        """The handover photos' key file: `handover_photo.key_file`, or `photo.key` next to the
        code key actually used (`code_key`, which `--data-dir` moves)."""
        if self.handover_photo.key_file:
            return resolve_path(self.handover_photo.key_file)
        return code_key.with_name("photo.key")

    def path(self, value: str, base: Path = REPO_ROOT) -> Path:
        """Resolve a configured path (relative to the repository root)."""
        return resolve_path(value, base)


def load_locker_config(
    path: str | Path | None = None, overrides: dict[str, Any] | None = None
) -> LockerConfig:
    """Read `[locker]` from the default config (with the site file merged over it) and validate it."""
    raw = dict(section(load_raw(path), "locker"))
    raw.update(overrides or {})
    cfg = validate(LockerConfig, raw, "locker")
    # Validate each bus's keys with the lock-board driver's own model, naming the bus.
    from drivers.lockboard.config import BusConfig

    for i, bus in enumerate(cfg.buses):
        validate(BusConfig, bus.bus_keys(), f"locker.buses[{i}]")
    if not cfg.compartments:
        raise ConfigError("invalid configuration in [locker]: no [[locker.compartments]] are defined")
    return cfg
