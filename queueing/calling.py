"""Calling: which waiting ticket a counter gets next (each service's ordering policy, then the
longest wait across services) and what a call writes (state, one-per-N streak, the "called"
event with the announcement the boards speak).

`queueing.counters.CounterDesk` decides when to call (sessions, counter state, the ticket
already at the counter); this module decides whom, and records it.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from contracts.queueing_counter import CounterTicket
from queueing import appointment_calls, counters_repo, events_repo, speech, tickets_repo
from queueing.config import OrderingPolicy
from queueing.core import TicketStates
from queueing.domain import TicketState
from queueing.wiring import Part, Wiring

log = logging.getLogger(__name__)


class Calls(Part):
    """Selection of the next ticket and the record of a call, inside the caller's transaction."""

    def __init__(self, wiring: Wiring, states: TicketStates) -> None:
        super().__init__(wiring)
        self.states = states

    def next_for(self, conn: sqlite3.Connection, services: list[str]) -> Any:
        """The ticket a counter serving `services` calls next, or None when nobody waits.

        Each service's own policy picks its head; across services the ticket waiting longest
        goes first (priority weight counts as a minute per unit, seq breaks ties).
        """
        heads = [h for h in (self.head(conn, s) for s in services) if h is not None]
        if not heads:
            return None
        return min(heads, key=appointment_calls.call_order)

    def head(self, conn: sqlite3.Connection, service: str) -> Any:
        """The next waiting ticket of one service by its ordering policy, or None."""
        svc = self.config.service(service)
        if svc is None:
            return None
        due = appointment_calls.due_head(conn, service, self.w.now_ts())  # booked citizens at their slot
        if due is not None:
            return due
        if svc.policy is OrderingPolicy.ONE_PER_N:
            streak = self.states.normal_streak(conn, service)
            prioritised_first = streak >= svc.one_per_n_normal
            return tickets_repo.head_by_weight(
                conn, service, prioritised_first
            ) or tickets_repo.head_by_weight(conn, service, not prioritised_first)
        return tickets_repo.head_by_rank(conn, service)

    def mark_called(
        self, conn: sqlite3.Connection, row: Any, staff_id: str, counter: int, recall: bool = False
    ) -> CounterTicket:
        """Record a call (or a recall) of `row` to `counter` and its announcement event."""
        now = self.w.now_ts()
        if not recall:
            self.states.set_state(
                conn,
                row,
                TicketState.CALLED,
                counter=counter,
                staff_id=staff_id,
                called_at=now,
                call_count=row["call_count"] + 1,
            )
            counters_repo.set_current(conn, counter, row["ticket_id"])
            svc = self.config.service(row["service"])
            if svc is not None and svc.policy is OrderingPolicy.ONE_PER_N:
                day = self.w.today()
                streak = 0 if row["weight"] > 0 else self.states.normal_streak(conn, svc.code) + 1
                tickets_repo.set_normal_streak(conn, day, svc.code, streak)
        else:
            tickets_repo.bump_call_count(conn, row["ticket_id"])
            counters_repo.set_last_recall(conn, counter, now)
        number = row["number"]
        data = {
            "number": number,
            "counter": counter,
            "service": row["service"],
            "recall": recall,
            "voice": speech.announcement(number, counter),
            "voice_en": speech.announcement_en(number, counter),
            "text_vi": speech.announcement_text(number, counter),
            "text_en": speech.announcement_text_en(number, counter),
            "waiting": self.states.waiting_of(conn, row["service"]),
        }
        events_repo.append(conn, now, "called", data)
        return self.ticket_view(conn, row["ticket_id"])

    def ticket_view(self, conn: sqlite3.Connection, ticket_id: str) -> CounterTicket:
        """A ticket as the counter console shows it."""
        r = tickets_repo.by_id(conn, ticket_id)
        assert r is not None
        svc = self.config.service(r["service"])
        return CounterTicket(
            ticket_id=r["ticket_id"],
            number=r["number"],
            state=r["state"],
            service=r["service"],
            service_name_vi=svc.name_vi if svc else r["service"],
            priority=r["priority"],
            priority_name_vi=self.priority_name(r["priority"]),
            counter=r["counter"],
            called_at=r["called_at"],
            started_at=r["started_at"],
            issued_at=r["issued_at"],
            call_count=r["call_count"],
            appointment_start=appointment_calls.appointment_start_of(conn, r["ticket_id"], self.tz),
            waited_s=(r["called_at"] - r["waiting_since"]) if r["called_at"] else None,
        )

    def priority_name(self, code: str | None) -> str | None:
        """The Vietnamese name of a priority class (the code when unknown)."""
        pc = self.config.priority(code) if code else None
        return pc.name_vi if pc else code
