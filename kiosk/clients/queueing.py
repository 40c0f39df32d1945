"""Client of the queueing service (tickets, services, priorities) for the kiosk.

Taking, confirming and voiding a kiosk ticket carry the kiosk token read from
`[queueing] kiosk_token_file` (else kiosk.token in `[queueing] data_dir`): the service writes it
at its first start, so the file is read lazily, and re-read once when the service answers 401
(the token was rotated with `python -m queueing kiosk-token rotate`).

Answers are parsed with the service's own contract (`contracts.queueing`): an answer that does
not match it is `ServiceUnavailable("bad_response")`. The dataclasses below are what the screens
hold.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from common.config import resolve_path
from contracts.queueing import KIOSK_TOKEN_REFUSED, QueueHealth
from contracts.queueing_appointments import CheckedInTicket
from contracts.queueing_counter import KioskHelpAnswer
from contracts.queueing_tickets import (
    IssuedTicket,
    PriorityClass,
    ServiceOverview,
    TicketConfirmed,
    TicketVoided,
)
from kiosk.clients.base import ApiError, KioskClient, ServiceError, ServiceUnavailable
from kiosk.config import AppConfig

log = logging.getLogger(__name__)

__all__ = [
    "ApiError",
    "CheckedIn",
    "QueueingClient",
    "ServiceError",
    "ServiceInfo",
    "ServiceUnavailable",
    "Ticket",
    "PriorityInfo",
    "from_config",
    "token_path",
]


def in_language(lang: str, vi: str, en: str) -> str:
    """The English text for "en", else the Vietnamese one (the services send both)."""
    return en if lang == "en" else vi


@dataclass(frozen=True)
class ServiceInfo:
    """One service a citizen can take a number for."""

    code: str
    name_vi: str
    name_en: str
    prefix: str
    open: bool
    opens_at: str | None
    waiting: int
    reason_closed: str | None
    opens_next_at: str | None = None  # ISO 8601 with the center's offset, while closed
    open_all_hours: bool = False  # the simulated center

    def name(self, lang: str) -> str:
        """The service name in `lang`."""
        return in_language(lang, self.name_vi, self.name_en)


@dataclass(frozen=True)
class PriorityInfo:
    """A priority class (elderly, disabled, pregnant, …)."""

    code: str
    name_vi: str
    name_en: str

    def name(self, lang: str) -> str:
        """The class name in `lang`."""
        return in_language(lang, self.name_vi, self.name_en)


@dataclass(frozen=True)
class Ticket:
    """An issued ticket as the kiosk shows and prints it."""

    ticket_id: str
    number: str
    service: str
    service_name_vi: str
    service_name_en: str
    priority: str | None
    ahead: int
    wait_min: int | None
    wait_max: int | None
    status_url: str
    issued_at: str
    state: str

    def service_name(self, lang: str) -> str:
        """The service name in `lang`."""
        return in_language(lang, self.service_name_vi, self.service_name_en)


@dataclass(frozen=True)
class CheckedIn:
    """A booking checked in at the kiosk: its ticket and the slot it was booked for."""

    ticket: Ticket
    appointment_id: str
    appointment_start: str  # ISO 8601 with the center's offset


class QueueingClient(KioskClient):
    """Blocking calls: run them with `run_in_worker`."""

    service = "queueing"
    token_refused = KIOSK_TOKEN_REFUSED
    token_config_key = "[queueing] kiosk_token_file"

    def health(self) -> dict[str, Any]:
        """GET /api/v1/health, and the kiosk token must be readable: without it no ticket can be
        taken, so the queueing service counts as down for this kiosk (out-of-service)."""
        self._read_token()
        body = super().health()
        self._parse(QueueHealth, body, "health")
        return body

    def services(self) -> list[ServiceInfo]:
        """GET /api/v1/services."""
        body = self._request("GET", "/api/v1/services")
        return [
            ServiceInfo(
                code=s.code,
                name_vi=s.name_vi,
                name_en=s.name_en,
                prefix=s.prefix,
                open=s.open,
                opens_at=s.opens_at,
                waiting=s.waiting,
                reason_closed=s.reason_closed,
                opens_next_at=s.opens_next_at,
                open_all_hours=s.open_all_hours,
            )
            for s in self._parse_list(ServiceOverview, body, "services")
        ]

    def priorities(self) -> list[PriorityInfo]:
        """GET /api/v1/priorities."""
        body = self._request("GET", "/api/v1/priorities")
        rows = self._parse_list(PriorityClass, body, "priorities")
        return [PriorityInfo(p.code, p.name_vi, p.name_en) for p in rows]

    def take_ticket(
        self,
        service: str,
        *,
        priority: str | None = None,
        id_hash: str | None = None,
        birth_date: date | None = None,
        idempotency_key: str | None = None,
    ) -> Ticket:
        """POST /api/v1/tickets (channel kiosk). The ticket is `pending` until `confirm()`."""
        payload: dict[str, Any] = {"service": service, "channel": "kiosk"}
        if priority:
            payload["priority"] = priority
        if id_hash:
            payload["id_hash"] = id_hash
        if birth_date:
            payload["birth_date"] = birth_date.isoformat()
        key = idempotency_key or uuid.uuid4().hex
        body = self._kiosk("POST", "/api/v1/tickets", json=payload, headers={"Idempotency-Key": key})
        return _ticket(self._parse(IssuedTicket, body, "tickets"))

    def check_in(self, *, code: str | None = None, id_hash: str | None = None) -> CheckedIn:
        """POST /api/v1/appointments/check-in by the booking's code (or its QR text) or the ID
        card's hash: a `pending` ticket to print and `confirm()` like any other. Refusals come as
        ApiError: too_early (`come_back_at`), too_late, unknown_appointment."""
        payload = {"code": code} if code else {"id_hash": id_hash}
        # the service answers a repeated check-in with the same ticket: safe to send again
        body = self._kiosk(
            "POST",
            "/api/v1/appointments/check-in",
            json=payload,
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        t = self._parse(CheckedInTicket, body, "check-in")
        return CheckedIn(_ticket(t), t.appointment_id, t.appointment_start)

    def confirm(self, ticket_id: str, delivery: str) -> str:
        """POST /api/v1/tickets/{id}/confirm with delivery "printed" or "screen"; returns the new state."""
        body = self._kiosk("POST", f"/api/v1/tickets/{ticket_id}/confirm", json={"delivery": delivery})
        return self._parse(TicketConfirmed, body, "confirm").state.value

    def void(self, ticket_id: str) -> None:
        """POST /api/v1/tickets/{id}/void: the citizen never saw the ticket."""
        self._parse(TicketVoided, self._kiosk("POST", f"/api/v1/tickets/{ticket_id}/void", json={}), "void")

    def help(self, screen: str, state: str) -> bool:
        """POST /api/v1/kiosk/help: a citizen called staff (`requested`) or cancelled (`ok`); the
        counter consoles show it. Whether the call is now open there."""
        body = self._kiosk("POST", "/api/v1/kiosk/help", json={"screen": screen[:40], "state": state})
        return self._parse(KioskHelpAnswer, body, "kiosk help").open


def _ticket(t: IssuedTicket) -> Ticket:
    """The screens' ticket from the service's answer."""
    return Ticket(
        ticket_id=t.ticket_id,
        number=t.number,
        service=t.service,
        service_name_vi=t.service_name_vi,
        service_name_en=t.service_name_en,
        priority=t.priority,
        ahead=t.ahead or 0,
        wait_min=t.wait_min,
        wait_max=t.wait_max,
        status_url=t.status_url,
        issued_at=t.issued_at or "",
        state=t.state.value,
    )


def token_path(config: AppConfig) -> Path:
    """Where the kiosk token lives, resolved like the service does: `[queueing] kiosk_token_file`,
    else kiosk.token in `[queueing] data_dir`."""
    section = config.raw.get("queueing", {})
    section = section if isinstance(section, dict) else {}
    explicit = section.get("kiosk_token_file") or ""
    if explicit:
        return resolve_path(str(explicit))
    return resolve_path(str(section.get("data_dir") or "var/queueing")) / "kiosk.token"


def from_config(config: AppConfig) -> QueueingClient:
    """The queueing client for `open_services()`: `[kiosk] queueing_url` and the token file."""
    k = config.kiosk
    return QueueingClient(
        k.queueing_url,
        token_file=token_path(config),
        timeout_s=k.request_timeout_s,
        client_id=k.kiosk_id,
        ca_file=k.ca_bundle(),
    )
