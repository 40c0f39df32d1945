"""The periodic sweep: unconfirmed kiosk tickets voided (the ghost-ticket rule), yesterday's
leftovers closed, counters whose staff session ran out closed with the tickets left there, and
old idempotency keys, events and sessions forgotten. `queueing.app.Sweeper` runs it."""

from __future__ import annotations

import logging
import sqlite3

from common import outbox
from queueing import counters_repo, events_repo, sessions_repo, tickets_repo
from queueing.core import TicketStates
from queueing.domain import TicketState
from queueing.estimates import WaitEstimates
from queueing.wiring import Part, Wiring

log = logging.getLogger(__name__)

#: tickets.void_reason of a ticket closed by the sweep because its counter was left (see sweep)
LEFT_AT_CLOSED_COUNTER = "counter_closed"
KEEP_DAYS = 2  # idempotency keys and board events older than this are deleted
PRUNE_EVERY_S = 3600.0


class Sweep(Part):
    """One sweep round (`sweep`) and the hourly pruning (`prune`)."""

    def __init__(self, wiring: Wiring, states: TicketStates, estimates: WaitEstimates) -> None:
        super().__init__(wiring)
        self.states = states
        self.estimates = estimates
        self._last_prune = float("-inf")

    def sweep(self) -> int:
        """Void pending tickets past `pending_timeout_s` and yesterday's leftovers; returns how many."""
        now = self.w.now_ts()
        today = self.w.today()
        cutoff = now - self.config.pending_timeout_s
        with self.store.tx() as conn:
            stale = tickets_repo.stale(conn, cutoff, today)
            for row in stale:
                reason = (
                    "not_confirmed" if row["state"] == "pending" and row["day"] == today else "day_closed"
                )
                self.states.set_state(conn, row, TicketState.VOID, void_reason=reason, finished_at=now)
            if any(r["state"] == "waiting" for r in stale):
                events_repo.append(conn, now, "waiting", {"waiting": self.states.waiting_counts(conn)})
            # a counter whose staff session ran out is closed: it no longer counts for estimates
            orphans = counters_repo.without_live_session(conn, now)
            for number in orphans:
                counters_repo.close_unheld(conn, number)
                events_repo.append(conn, now, "counter", {"counter": number, "status": "closed"})
                log.info("counter %s closed: its staff session expired", number)
            self._release_left_tickets(conn, now, today)
        for number in orphans:
            self.estimates.set_counter_open(number, False)
        if stale:
            log.info("swept %d stale tickets", len(stale))
        mono = self.w.clock.monotonic()
        if mono - self._last_prune >= PRUNE_EVERY_S:
            self._last_prune = mono
            self.prune(now)
        return len(stale)

    def _release_left_tickets(self, conn: sqlite3.Connection, now: float, today: str) -> None:
        """Tickets left at a counter nobody is signed in to any more (staff session expired, staff
        moved to another counter) or from an earlier day.

        A called citizen who never reached the counter today goes back to the place they had in
        the queue (same waiting_since and rank; the next counter calls them first). One called on
        an earlier day is a no-show. One being served is closed as done; its length is unknown, so
        it is kept out of the service-time average and the reports' service times. Every change is
        an event (`"reason": "counter_closed"`) and a warning in the log.
        """
        for row in tickets_repo.left_at_counters(conn, today, now):
            if row["state"] == TicketState.CALLED.value and row["day"] == today:
                new = TicketState.WAITING
                self.states.set_state(conn, row, new, counter=None, staff_id=None, called_at=None)
            elif row["state"] == TicketState.CALLED.value:
                new = TicketState.NO_SHOW
                self.states.set_state(conn, row, new, finished_at=now, void_reason=LEFT_AT_CLOSED_COUNTER)
            else:
                new = TicketState.DONE
                self.states.set_state(conn, row, new, finished_at=now, void_reason=LEFT_AT_CLOSED_COUNTER)
            counters_repo.clear_ticket(conn, row["ticket_id"])
            events_repo.append(
                conn,
                now,
                "state",
                {
                    "number": row["number"],
                    "state": new.value,
                    "counter": row["counter"],
                    "service": row["service"],
                    "reason": LEFT_AT_CLOSED_COUNTER,
                    "waiting": self.states.waiting_of(conn, row["service"]),
                },
            )
            log.warning(
                "ticket %s was %s at counter %s with nobody signed in: now %s",
                row["number"],
                row["state"],
                row["counter"],
                new.value,
            )

    def prune(self, now: float) -> None:
        """Forget idempotency keys and events older than KEEP_DAYS (tickets stay for reports)."""
        cutoff = now - KEEP_DAYS * 86400
        with self.store.tx() as conn:
            keys = tickets_repo.forget_keys(conn, cutoff)
            events = events_repo.delete_before(conn, cutoff)
            sessions_repo.delete_expired(conn, now)
            outbox.prune_acked(conn, self.store.path.parent, "queueing", now)  # what the hub holds
        if keys or events:
            log.info("pruned %d idempotency keys and %d events older than %d days", keys, events, KEEP_DAYS)
