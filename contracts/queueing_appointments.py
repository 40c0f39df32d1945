"""Appointments on the wire: slots, booking, checking in at the kiosk, the manage link and the
appointments report (docs/queueing.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from contracts.queueing import Answer, Body
from contracts.queueing_tickets import IssuedTicket


class BookingRequest(Body):
    """POST /api/v1/appointments. `id_number` (optional) is kept only as a keyed hash."""

    service: str = Field(min_length=1, max_length=32)
    start: datetime
    phone: str = Field(min_length=1, max_length=32)
    id_number: str | None = Field(default=None, max_length=12)


class CheckInRequest(Body):
    """POST /api/v1/appointments/check-in: the code (typed, or the booking QR's text) or the ID
    card's keyed hash (`id_hash`, as the kiosk's scanner makes it)."""

    code: str | None = Field(default=None, min_length=1, max_length=32)
    id_hash: str | None = Field(default=None, min_length=16, max_length=128)


class Slot(Answer):
    """GET /api/v1/services/{service}/slots (one row): local times with the center's offset."""

    start: str
    end: str
    free: int


class Booking(Answer):
    """POST /api/v1/appointments (201): the code checks in at the kiosk, the link cancels."""

    appointment_id: str
    code: str
    start: str
    service: str
    manage_url: str


class CheckedInTicket(IssuedTicket):
    """POST /api/v1/appointments/check-in: a pending kiosk ticket (201; 200 again while live)
    carrying the booking it came from."""

    appointment_id: str
    appointment_start: str


class AppointmentView(Answer):
    """GET /api/v1/appointments/manage/{token}: the booking behind a manage link."""

    appointment_id: str
    code: str
    qr: str
    service: str
    service_name_vi: str
    service_name_en: str
    start: str
    end: str
    phone: str  # masked
    state: Literal["booked", "checked_in", "cancelled", "no_show"]
    checkin_from: str
    checkin_until: str


class AppointmentCancelled(Answer):
    """POST /api/v1/appointments/manage/{token}/cancel."""

    appointment_id: str
    state: Literal["cancelled"]


class AppointmentReportRow(Answer):
    """One service's (or `all`) appointments of a day."""

    service: str
    label: str
    booked: int
    cancelled: int
    checked_in: int
    no_show: int
    upcoming: int
    checkin_rate_pct: float | None
    called: int
    punctual_pct: float | None
    late_mean_min: float | None


class AppointmentReport(Answer):
    """GET /api/v1/reports/appointments (JSON; `format=csv` gives the same rows as CSV)."""

    day: str
    punctual_within_min: int
    rows: list[AppointmentReportRow]
