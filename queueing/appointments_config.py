"""Typed configuration of appointments (`[queueing.appointments]` in config/default.toml).

Kept apart from `queueing.config` (which only holds it as one field) so the booking rules live
next to the code that applies them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from common.config import resolve_path
from common.outbox_retry import RetryConfig


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AppointmentSmsConfig(RetryConfig):
    """The booking's SMS: confirmation, reminders, the gateway and the outbox's retries
    (`queueing.appointment_sms`; the retry keys are `common.outbox_retry.RetryConfig`'s)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    # "simulated": one text file per message in outbox_dir; "http": POST {"to", "text"} to url.
    type: Literal["simulated", "http"] = "simulated"
    url: str = ""
    token_file: str = ""
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    # Empty: `sms/` in the queueing data directory.
    outbox_dir: str = ""
    # Key sealing each booking's phone number and manage link until the appointment ends (AES-256-GCM;
    # created 0600 when missing). Empty: `appointment-contact.key` in the data directory.
    contact_key_file: str = ""
    # The center's name in the texts (a short form keeps them in one SMS). Empty: [center] name_vi.
    center_name: str = ""
    # The day-before reminder goes out at this local time (HH:MM) on the day before the slot ...
    remind_day_before_at: str = Field(default="17:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    # ... and the second one this many minutes before the slot's start.
    remind_before_min: int = Field(default=60, ge=5, le=720)
    # The texts: {center} {service} {time} {date} {code} {link}, folded to GSM-7, checked at start
    # to fit one SMS (`queueing.appointment_sms.check_templates`).
    confirm_template: str = "{center}: da dat lich {service} {time} ngay {date}, ma {code}. Doi/huy: {link}"
    moved_template: str = (
        "{center}: lich hen {service} doi sang {time} ngay {date}, ma {code}. Doi/huy: {link}"
    )
    remind_day_template: str = (
        "{center}: nhac lich hen {service} {time} ngay mai {date}, ma {code}. Doi/huy: {link}"
    )
    remind_hour_template: str = (
        "{center}: nhac lich hen {service} luc {time} hom nay, ma {code}. Doi/huy: {link}"
    )

    def key_path(self, data_dir: Path) -> Path:
        """The key file sealing contacts: `contact_key_file`, or appointment-contact.key in `data_dir`."""
        if self.contact_key_file:
            return resolve_path(self.contact_key_file)
        return data_dir / "appointment-contact.key"


class SlotConfig(_Strict):
    """Bookable time slots of one service (a service without one takes no appointments)."""

    code: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    # Length of one slot; slots start at each opening period's start, back to back, and a slot
    # that would run past the period's end is not offered.
    slot_length_min: int = Field(default=15, ge=5, le=240)
    # Most bookings one slot takes.
    capacity_per_slot: int = Field(default=2, ge=1, le=100)
    # Share of the counters' time kept for appointments; the rest stays for walk-ins, who are
    # never starved: a slot takes at most
    # floor(counters serving the service x slot_length_min x counter_share_pct/100 / service_min).
    counter_share_pct: float = Field(default=30, gt=0, le=100)
    # Minutes one booked citizen takes at a counter (only for the share above).
    service_min: float = Field(default=10, gt=0, le=240)


class AppointmentsConfig(_Strict):
    """Booking, check-in and limits of appointments."""

    enabled: bool = True
    # How many days ahead a slot may be booked (today counts as day 0).
    book_days_ahead: int = Field(default=14, ge=0, le=90)
    # A slot starting sooner than this many minutes from now can no longer be booked.
    book_lead_min: int = Field(default=30, ge=0, le=1440)
    # Check-in window at the kiosk: from this many minutes before the slot's start ...
    checkin_before_min: int = Field(default=30, ge=0, le=240)
    # ... to this many minutes after it (later: 409 too_late, take a normal ticket).
    checkin_after_min: int = Field(default=10, ge=0, le=240)
    # Reports: an appointment called within this many minutes of its slot's start is punctual.
    punctual_within_min: int = Field(default=10, ge=0, le=240)
    # Live (booked, not yet past) appointments one phone number may hold at once.
    bookings_per_phone: int = Field(default=2, ge=1, le=20)
    # A phone number with this many no-shows (booked, never checked in) among its slots of the
    # last no_show_block_days days cannot book (403 booking_blocked). 0: never blocked.
    no_shows_before_block: int = Field(default=2, ge=0, le=100)
    no_show_block_days: int = Field(default=30, ge=1, le=365)
    # A booking may be moved this many times (each move sends an SMS); then 409 cannot_move.
    moves_per_booking: int = Field(default=3, ge=0, le=100)
    # Booking and move SMS to one phone number within 24 hours, whoever books with it (a number is
    # not verified at booking): past this the booking still holds, its SMS is not sent.
    sms_per_phone_per_day: int = Field(default=6, ge=1, le=1000)
    # Booking requests per phone number, and per client address (phones behind the center's
    # Wi-Fi share one), within booking_rate_window_s.
    booking_max_per_window: int = Field(default=5, ge=1, le=1000)
    booking_max_per_address: int = Field(default=30, ge=1, le=100_000)
    booking_rate_window_s: float = Field(default=600, gt=0, le=86_400)
    # Key of the keyed hash of ID numbers (HMAC-SHA256, hex; created 0600 when missing): the
    # same file as the kiosks' [camera] hash_key_file, so an ID card shown at the kiosk finds its
    # booking. Relative to the repository root unless absolute.
    id_hash_key_file: str = "var/camera/id-hash.key"
    services: list[SlotConfig] = []
    sms: AppointmentSmsConfig = AppointmentSmsConfig()

    def slots_of(self, code: str) -> SlotConfig | None:
        """The slot settings of a service, or None when it takes no appointments."""
        return next((s for s in self.services if s.code == code), None)

    def check(self, service_codes: list[str]) -> None:
        """ValueError naming the entry when a slot config names an unknown service or repeats one."""
        seen: set[str] = set()
        for s in self.services:
            if s.code not in service_codes:
                raise ValueError(f"appointments.services: unknown service {s.code!r}")
            if s.code in seen:
                raise ValueError(f"appointments.services: service {s.code!r} is listed twice")
            seen.add(s.code)
        if self.checkin_before_min + self.checkin_after_min == 0:
            raise ValueError("appointments: checkin_before_min and checkin_after_min cannot both be 0")
