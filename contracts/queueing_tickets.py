"""A citizen's queue ticket on the wire: the services and priorities to choose from, issuing,
confirming, voiding, the ticket's status and its rating (docs/queueing.md)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from contracts.queueing import Answer, Body, Channel, Delivery, TicketState


class TicketRequest(Body):
    """POST /api/v1/tickets. `priority`, `id_hash` and `birth_date` are kiosk-only fields."""

    service: str = Field(min_length=1, max_length=32)
    priority: str | None = Field(default=None, max_length=32)
    id_hash: str | None = Field(default=None, max_length=128)
    birth_date: date | None = None
    channel: Channel = "kiosk"


class ConfirmRequest(Body):
    """POST /api/v1/tickets/{id}/confirm."""

    delivery: Delivery


class VoidRequest(Body):
    """POST /api/v1/tickets/{id}/void (body optional)."""

    reason: str = Field(default="kiosk", max_length=64)


class RatingRequest(Body):
    """POST /api/v1/tickets/{id}/rating."""

    score: int = Field(ge=1, le=5)


class ServiceOverview(Answer):
    """GET /api/v1/services (one row): open or closed, waiting count and wait range."""

    code: str
    name_vi: str
    name_en: str
    prefix: str
    open: bool
    opens_at: str | None  # "HH:MM" today
    opens_next: str | None  # local "YYYY-MM-DDTHH:MM" while closed
    opens_next_at: str | None  # the same with the center's offset (ISO 8601)
    open_all_hours: bool
    waiting: int
    reason_closed: Literal["closed", "cap_reached"] | None
    wait_min: int | None
    wait_max: int | None
    counters_open: int


class PriorityClass(Answer):
    """GET /api/v1/priorities (one row)."""

    code: str
    name_vi: str
    name_en: str


class TicketFacts(Answer):
    """What every answer about one ticket starts with: number, service, place and wait range."""

    ticket_id: str
    number: str
    state: TicketState
    service: str
    service_name_vi: str
    service_name_en: str
    priority: str | None
    ahead: int | None
    wait_min: int | None
    wait_max: int | None
    issued_at: str | None


class IssuedTicket(TicketFacts):
    """POST /api/v1/tickets: 201 new, 200 for a replayed Idempotency-Key."""

    status_url: str
    channel: Channel


class TicketStatus(TicketFacts):
    """GET /api/v1/tickets/{id}: state, place in the queue and wait range."""

    counter: int | None
    called_at: str | None
    transferred_to: str | None
    rating: int | None
    can_rate: bool


class TicketConfirmed(Answer):
    """POST /api/v1/tickets/{id}/confirm: the ticket joined the queue (or its state if it could not)."""

    state: TicketState
    ticket_id: str
    number: str


class TicketVoided(Answer):
    """POST /api/v1/tickets/{id}/void."""

    state: TicketState
    ticket_id: str


class Rated(Answer):
    """POST /api/v1/tickets/{id}/rating (`ticket_id`: the live ticket after transfers)."""

    ticket_id: str
    rating: int
