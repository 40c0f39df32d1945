"""Pure appointment rules: the slots of a day, a slot's capacity, the check-in window, phone
numbers. No I/O: `queueing.appointments` feeds values in (local wall times, naive) and acts on
what comes out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from datetime import date, datetime, timedelta
from enum import StrEnum

from queueing.appointments_config import SlotConfig
from queueing.config import OpeningHours

#: Vietnamese mobile numbers: 0 + 9 digits (03x, 05x, 07x, 08x, 09x), or +84 / 84 + 9 digits.
_MOBILE = re.compile(r"^(?:\+?84|0)([35789][0-9]{8})$")
_SEPARATORS = re.compile(r"[\s.\-()]")


class AppointmentState(StrEnum):
    """Life of a booking. A `booked` one whose check-in window has passed counts as a no-show."""

    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"


#: States that hold a place in their slot.
HOLDING_STATES = (AppointmentState.BOOKED.value, AppointmentState.CHECKED_IN.value)


class CheckIn(StrEnum):
    """Where a moment falls in a booking's check-in window."""

    OK = "ok"
    TOO_EARLY = "too_early"
    TOO_LATE = "too_late"


def day_slots(
    hours: OpeningHours, day: date, slot_length_min: int, holidays: Collection[date] = ()
) -> list[tuple[datetime, datetime]]:
    """The slots of `day` as (start, end) local wall times: back to back from each opening
    period's start, none running past the period's end; none on a holiday."""
    if day in holidays:
        return []
    step = timedelta(minutes=slot_length_min)
    out = []
    for start, end in hours.periods(day.weekday()):
        at = datetime.combine(day, start)
        stop = datetime.combine(day, end)
        while at + step <= stop:
            out.append((at, at + step))
            at += step
    return out


def slot_capacity(slots: SlotConfig, counters_serving: int) -> int:
    """Bookings one slot takes: `capacity_per_slot`, bounded by the counters' time kept for
    appointments (`counter_share_pct`), so the rest of it stays for walk-ins."""
    share = counters_serving * slots.slot_length_min * slots.counter_share_pct / 100.0 / slots.service_min
    return max(0, min(slots.capacity_per_slot, math.floor(share + 1e-9)))


def check_in_verdict(slot_start: datetime, now: datetime, before_min: int, after_min: int) -> CheckIn:
    """Is `now` inside [slot_start - before_min, slot_start + after_min]?"""
    if now < slot_start - timedelta(minutes=before_min):
        return CheckIn.TOO_EARLY
    if now > slot_start + timedelta(minutes=after_min):
        return CheckIn.TOO_LATE
    return CheckIn.OK


def normalize_phone(text: str) -> str | None:
    """A Vietnamese mobile number as 0xxxxxxxxx (spaces, dots, dashes and +84 accepted), or None."""
    match = _MOBILE.match(_SEPARATORS.sub("", text))
    return f"0{match.group(1)}" if match else None


def mask_phone(phone: str) -> str:
    """0912345678 -> 091****678 (what staff and the booking page show)."""
    return phone[:3] + "*" * (len(phone) - 6) + phone[-3:]
