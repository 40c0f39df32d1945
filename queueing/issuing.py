"""Taking a number: admission (opening hours, daily cap, remote limits), numbering, the
idempotent issue, and a kiosk ticket's confirm or void (the ghost-ticket rule).

A part (`queueing.wiring`) built by `queueing.service.QueueService`, which also builds what
citizens and display boards read (`queueing.ticket_views`); the counter operations are in
`queueing.counters`.
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
from datetime import date
from typing import Any

from pydantic import Field

from common import outbox
from common.timestamps import iso_utc
from contracts.queueing_tickets import IssuedTicket, TicketConfirmed, TicketVoided
from queueing import domain, events_repo, texts, tickets_repo
from queueing.config import ServiceConfig
from queueing.core import NEW_SEQ, TicketStates
from queueing.domain import TicketState
from queueing.errors import QueueError
from queueing.estimates import WaitEstimates
from queueing.wiring import Part, Wiring

log = logging.getLogger(__name__)

#: A birth date older than this many years is a misread or invented one (the oldest people
#: living are under 120): refused rather than turned into an elderly priority.
OLDEST_AGE_YEARS = 120


def refuse_kiosk_only_fields(
    channel: str, priority: str | None, birth_date: date | None, id_hash: str | None
) -> None:
    """422 when a remote (phone) ticket asks for a priority or carries ID-card data."""
    if channel != "remote":
        return
    if priority or birth_date is not None:
        raise QueueError(
            422,
            "remote_priority_refused",
            "Vé lấy từ xa không có ưu tiên: người có quyền ưu tiên xin tại quầy hoặc lấy số ở ki-ốt. "
            "Remote tickets take no priority: a citizen with a priority right asks at the counter "
            "or takes the ticket at the kiosk.",
            field="priority" if priority else "birth_date",
        )
    if id_hash:
        raise QueueError(
            422,
            "invalid_request",
            "id_hash is sent only by kiosks (read from the ID card); leave it out on remote tickets.",
            field="id_hash",
        )


class Issued(IssuedTicket):
    """`TicketIssuing.issue`'s answer: the issued ticket, and whether an Idempotency-Key retry
    found it (`replayed`: 200 instead of 201; not part of the body)."""

    replayed: bool = Field(default=False, exclude=True)


class TicketIssuing(Part):
    """Issue, confirm and void tickets (kiosks and the remote page)."""

    def __init__(self, wiring: Wiring, states: TicketStates, estimates: WaitEstimates) -> None:
        super().__init__(wiring)
        self.states = states
        self.estimates = estimates

    def resolve_priority(self, priority: str | None, birth_date: date | None) -> tuple[str | None, float]:
        """The priority class and weight: as asked, or elderly from the birth date."""
        if birth_date is not None and domain.age_on(birth_date, self.w.local_now().date()) > OLDEST_AGE_YEARS:
            raise QueueError(
                422,
                "invalid_request",
                f"birth_date is more than {OLDEST_AGE_YEARS} years ago; send the date from the ID card.",
                field="birth_date",
            )
        if priority:
            pc = self.config.priority(priority)
            if pc is None:
                known = ", ".join(p.code for p in self.config.priorities) or "none configured"
                raise QueueError(
                    422,
                    "unknown_priority",
                    f"No priority class {priority!r}. Use one of: {known}, or leave it out.",
                    field="priority",
                )
            return pc.code, pc.weight
        if birth_date is not None:
            today = self.w.local_now().date()
            if birth_date > today:
                raise QueueError(
                    422,
                    "invalid_request",
                    "birth_date is in the future; send the date from the ID card.",
                    field="birth_date",
                )
            elderly = self.config.priority(self.config.elderly_priority)
            if elderly is not None and domain.age_on(birth_date, today) >= self.config.elderly_age_years:
                return elderly.code, elderly.weight
        return None, 0.0

    def issue(
        self,
        service: str,
        *,
        channel: str,
        idempotency_key: str,
        priority: str | None = None,
        id_hash: str | None = None,
        birth_date: date | None = None,
        device: str | None = None,
    ) -> Issued:
        """Take a number. A retry with the same idempotency key returns the same ticket (`replayed`)."""
        svc = self.w.service_or_404(service)
        refuse_kiosk_only_fields(channel, priority, birth_date, id_hash)
        prio, weight = self.resolve_priority(priority, birth_date)
        now = self.w.now_ts()
        today = self.w.today()
        with self.store.tx() as conn:
            known = tickets_repo.key_ticket(conn, idempotency_key)
            if known is not None:
                if known["service"] != svc.code:
                    raise QueueError(
                        409,
                        "idempotency_conflict",
                        "This Idempotency-Key was already used for another service; send a new key.",
                    )
                return self._ticket_body(conn, self.states.ticket_row(conn, known["ticket_id"]), replay=True)
            self._admit(conn, svc, channel, device, today)
            serial = tickets_repo.next_serial(conn, today, svc.prefix)
            if serial > svc.number_max - svc.number_min + 1:
                serial = self._skip_live_numbers(conn, svc, today, serial)
            number = domain.format_number(
                svc.prefix,
                domain.number_for_serial(serial, svc.number_min, svc.number_max),
                svc.number_digits,
            )
            ticket_id = secrets.token_urlsafe(9)
            remote = channel == "remote"
            state = TicketState.WAITING if remote else TicketState.PENDING
            key = domain.rank_key(svc.policy, weight, now, svc.aging_weight_per_min)
            # Place in the queue before the insert: every existing ticket was issued earlier, so
            # the new one sorts last among equals (seq above any real one).
            row: dict[str, Any] = {
                "ticket_id": ticket_id,
                "number": number,
                "service": svc.code,
                "priority": prio,
                "weight": weight,
                "waiting_since": now,
                "rank_key": key,
                "seq": NEW_SEQ,
                "issued_at": now,
                "state": state.value,
                "channel": channel,
            }
            ahead = self.states.ahead_of(conn, row)
            est = self.estimates.estimate(svc.code, ahead)
            est_mid_s = (est.min_minutes + est.max_minutes) / 2 * 60 if est is not None else None
            tickets_repo.insert(
                conn,
                ticket_id=ticket_id,
                day=today,
                service=svc.code,
                prefix=svc.prefix,
                serial=serial,
                number=number,
                priority=prio,
                weight=weight,
                channel=channel,
                delivery="remote" if remote else None,
                id_hash=id_hash,
                device=device,
                state=state.value,
                issued_at=now,
                waiting_since=now,
                rank_key=key,
                est_wait_s=est_mid_s,
            )
            tickets_repo.remember_key(conn, idempotency_key, ticket_id, svc.code, now)
            if remote:
                events_repo.append(conn, now, "waiting", {"waiting": self.states.waiting_of(conn, svc.code)})
                outbox.ticket(conn, now, {**row, "day": today}, "issued")  # for the province hub
            log.debug("issued %s (%s, %s, priority=%s)", number, svc.code, channel, prio)
            return self._ticket_body(conn, row, ahead=ahead, est=est)

    def _skip_live_numbers(
        self, conn: sqlite3.Connection, svc: ServiceConfig, today: str, serial: int
    ) -> int:
        """Numbers wrapped past number_max: the first serial whose number no live ticket of this
        prefix holds today (the numbering row moves on with it), or a 409 when all are live.

        Before the wrap every number of the day is new, so only wrapped serials pay this query
        (an index range over the few live tickets).
        """
        numbers = tickets_repo.live_numbers(conn, today, svc.prefix)
        held = {parsed[1] for n in numbers if (parsed := domain.parse_number(n)) is not None}
        free = domain.free_serial(serial, svc.number_min, svc.number_max, held)
        if free is None:
            log.error(
                "service %s: all %d numbers %s%s..%s are held by live tickets; refusing new tickets",
                svc.code,
                len(held),
                svc.prefix,
                svc.number_min,
                svc.number_max,
            )
            raise QueueError(
                409,
                "numbers_exhausted",
                texts.say("numbers_exhausted", name_vi=svc.name_vi, name_en=svc.name_en),
                service=svc.code,
            )
        if free != serial:
            tickets_repo.move_serial(conn, today, svc.prefix, free)
        return free

    def _admit(
        self, conn: sqlite3.Connection, svc: ServiceConfig, channel: str, device: str | None, today: str
    ) -> None:
        """Refuse a ticket the service cannot give now: closed (409), daily cap (409), a phone
        over its daily remote-ticket limit (429)."""
        opening = self.w.opening(svc)
        if not opening.open:
            opens = opening.opens_at.strftime("%H:%M") if opening.opens_at else None
            later = self.w.next_opening_at(svc)
            names = {"name_vi": svc.name_vi, "name_en": svc.name_en}
            if opens:
                message = texts.say("closed_opens_today", opens=opens, **names)
            elif later:
                message = texts.say("closed_opens_later", **texts.when_fields(later), **names)
            else:
                message = texts.say("closed_no_hours", **names)
            raise QueueError(
                409,
                "service_closed",
                message,
                opens_at=opens,
                opens_next=later.strftime("%Y-%m-%dT%H:%M") if later else None,
                opens_next_at=later.isoformat(timespec="minutes") if later else None,
                service=svc.code,
            )
        if svc.daily_cap_tickets:
            if tickets_repo.issued_today(conn, today, svc.code) >= svc.daily_cap_tickets:
                raise QueueError(
                    409,
                    "cap_reached",
                    texts.say(
                        "cap_reached", name_vi=svc.name_vi, name_en=svc.name_en, cap=svc.daily_cap_tickets
                    ),
                    service=svc.code,
                )
        if channel == "remote" and device:
            if (
                tickets_repo.remote_taken_today(conn, today, device)
                >= self.config.remote_tickets_per_device_per_day
            ):
                raise QueueError(429, "device_limit", texts.say("device_limit"), retry_after_s=3600)

    def ticket_fields(self, row: Any, ahead: int | None, est: domain.WaitEstimate | None) -> dict[str, Any]:
        """What the issue answer and the status answer both say about a ticket."""
        svc = self.config.service(row["service"])
        return {
            "ticket_id": row["ticket_id"],
            "number": row["number"],
            "state": row["state"],
            "service": row["service"],
            "service_name_vi": svc.name_vi if svc else row["service"],
            "service_name_en": svc.name_en if svc else row["service"],
            "priority": row["priority"],
            "ahead": ahead,
            "wait_min": est.min_minutes if est else None,
            "wait_max": est.max_minutes if est else None,
            "issued_at": iso_utc(row["issued_at"]),
        }

    def _ticket_body(
        self,
        conn: sqlite3.Connection,
        row: Any,
        *,
        ahead: int | None = None,
        est: domain.WaitEstimate | None = None,
        replay: bool = False,
    ) -> Issued:
        if ahead is None:
            ahead = self.states.ahead_of(conn, row)
            est = self.estimates.estimate(row["service"], ahead)
        return Issued(
            **self.ticket_fields(row, ahead, est),
            status_url=self.status_url(row["ticket_id"]),
            channel=row["channel"],
            replayed=replay,
        )

    def status_url(self, ticket_id: str) -> str:
        """The phone status page of a ticket (what the ticket's QR code holds)."""
        return f"{self.config.public_base_url.rstrip('/')}/t/{ticket_id}"

    def confirm(self, ticket_id: str, delivery: str) -> TicketConfirmed:
        """The kiosk printed (or showed) the ticket: it joins the queue now."""
        now = self.w.now_ts()
        with self.store.tx() as conn:
            moved = tickets_repo.confirm_pending(conn, ticket_id, delivery)  # the usual case
            row = moved if moved is not None else self.states.ticket_row(conn, ticket_id)
            state = TicketState.PENDING if moved is not None else TicketState(row["state"])
            if state is not TicketState.PENDING:
                if state is TicketState.VOID:
                    raise QueueError(
                        409,
                        "ticket_void",
                        f"Ticket {row['number']} was cancelled (not confirmed in time). Take a new ticket.",
                        state=state.value,
                    )
                return TicketConfirmed(state=state, ticket_id=ticket_id, number=row["number"])
            log.debug("ticket %s (%s): pending -> waiting", row["number"], ticket_id[:4])
            outbox.ticket(conn, now, row, "issued")  # for the province hub
            events_repo.append(
                conn,
                now,
                "issued",
                {
                    "number": row["number"],
                    "service": row["service"],
                    "waiting": self.states.waiting_of(conn, row["service"]),
                },
            )
        return TicketConfirmed(state=TicketState.WAITING, ticket_id=ticket_id, number=row["number"])

    def void(self, ticket_id: str, reason: str = "kiosk") -> TicketVoided:
        """Cancel a ticket that was never delivered (or that the citizen gives up while waiting)."""
        now = self.w.now_ts()
        with self.store.tx() as conn:
            row = self.states.ticket_row(conn, ticket_id)
            state = TicketState(row["state"])
            if state is TicketState.VOID:
                return TicketVoided(state=state, ticket_id=ticket_id)
            self.states.set_state(conn, row, TicketState.VOID, void_reason=reason, finished_at=now)
            if state is TicketState.WAITING:
                events_repo.append(
                    conn, now, "waiting", {"waiting": self.states.waiting_of(conn, row["service"])}
                )
        return TicketVoided(state=TicketState.VOID, ticket_id=ticket_id)
