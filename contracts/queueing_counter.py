"""The counter console on the wire: signing in, the ticket at the counter, calling, transferring,
the waiting lines, kiosks' calls for staff and the list of counters (docs/queueing.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from contracts.queueing import Answer, Body, CounterStatus, ServiceName, TicketState


class SignInRequest(Body):
    """POST /api/v1/counter/sessions."""

    staff_id: str = Field(min_length=1, max_length=32)
    pin: str = Field(min_length=1, max_length=32)
    counter: int | None = Field(default=None, ge=1, le=99)
    take_over: bool = False  # a supervisor takes over a counter someone else is signed in to


class TransferRequest(Body):
    """POST /api/v1/counter/transfer."""

    service: str = Field(min_length=1, max_length=32)


class CallNumberRequest(Body):
    """POST /api/v1/counter/call."""

    number: str = Field(min_length=2, max_length=8)


class KioskHelpRequest(Body):
    """POST /api/v1/kiosk/help: a citizen pressed "Call staff" (`requested`) or cancelled (`ok`)."""

    screen: str = Field(min_length=1, max_length=40)
    state: Literal["requested", "ok"]


class CounterSignedIn(Answer):
    """POST /api/v1/counter/sessions (also sets the session cookie)."""

    token: str = Field(repr=False)
    staff_id: str
    name: str
    counter: int | None
    expires_at: str
    supervisor: bool


class SignedOut(Answer):
    """DELETE /api/v1/counter/sessions/current."""

    signed_out: bool


class CounterTicket(Answer):
    """A ticket as the counter console shows it (times in epoch seconds)."""

    ticket_id: str
    number: str
    state: TicketState
    service: str
    service_name_vi: str
    priority: str | None
    priority_name_vi: str | None
    counter: int | None
    called_at: float | None
    started_at: float | None
    issued_at: float
    call_count: int
    waited_s: float | None
    # a checked-in appointment's slot start (local ISO time) for the console's badge; null for a
    # walk-in, and from a service that does not send it yet
    appointment_start: str | None = None


class TransferredTicket(CounterTicket):
    """POST /api/v1/counter/transfer: the old ticket, the new one's id and service."""

    transferred_to: str
    to_service: str


class NextTicket(Answer):
    """One waiting ticket in a counter's line."""

    number: str
    priority: str | None
    waited_min: int
    appointment: str | None = None  # a checked-in booking's slot time "HH:MM" (console badge)


class WaitingLine(Answer):
    """One service's waiting line at a counter (the next 30)."""

    service: str
    name_vi: str
    name_en: str
    count: int
    next: list[NextTicket]


class HelpRequest(Answer):
    """An open call for staff from a kiosk (`since` in epoch seconds)."""

    kiosk: str
    screen: str
    since: float


class KioskHelpAnswer(Answer):
    """POST /api/v1/kiosk/help and /counter/help/{kiosk}/ack: the kiosk's call is now open or not."""

    kiosk: str
    open: bool


class CounterView(Answer):
    """GET /api/v1/counter: what the counter console shows."""

    counter: int
    counter_name: str
    status: CounterStatus
    staff_id: str
    staff_name: str
    current: CounterTicket | None
    waiting: list[WaitingLine]
    services: list[ServiceName]
    # kiosks whose citizen asked for staff, oldest first (empty from a service that has none)
    help_requests: list[HelpRequest] = []


class CounterRow(Answer):
    """GET /api/v1/counters (one row)."""

    number: int
    name: str
    services: list[str]
    status: CounterStatus
