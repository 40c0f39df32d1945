"""The queue's shared core: clock and day, caches (service times, open counters), waiting
counts, "how many ahead", ticket state changes, and the periodic sweep.

`queueing.issuing` and `queueing.service` (citizens, kiosks, displays), `queueing.calling` and
`queueing.counters` (staff) build on it; every change goes through a `Store` transaction and
writes its event in the same transaction.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from common import outbox
from common.clock import Clock
from queueing import domain, texts, tickets_repo
from queueing.config import OrderingPolicy, QueueingConfig, ServiceConfig
from queueing.domain import TicketState
from queueing.errors import QueueError
from queueing.store import Store, Tx

log = logging.getLogger(__name__)

NEW_SEQ = 2**62  # stands for "issued after every ticket in the table" before a row exists
#: tickets.void_reason of a ticket closed by the sweep because its counter was left (see sweep)
LEFT_AT_CLOSED_COUNTER = "counter_closed"
KEEP_DAYS = 2  # idempotency keys and board events older than this are deleted
PRUNE_EVERY_S = 3600.0


def iso_utc(ts: float | None) -> str | None:
    """Epoch seconds -> ISO 8601 UTC (None stays None)."""
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


class QueueCore:
    """State and shared rules of the queue: clock, caches, counts, ordering, state changes."""

    def __init__(self, config: QueueingConfig, store: Store, clock: Clock) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.tz = ZoneInfo(config.timezone)
        self._times_lock = threading.Lock()
        self._service_times: dict[str, deque[float]] = {}
        self._open_counters: set[int] = set()
        self._last_prune = float("-inf")
        #: site-config problems staff must fix ({"code", "message"}), listed by health
        self.warnings: list[dict[str, str]] = []
        #: booked citizens of a service due before an epoch time, who will be called before a
        #: walk-in (set by `queueing.appointment_calls.BookedLoad`; none without appointments)
        self.booked_load: Callable[[str, float], int] = lambda service, until_ts: 0

    # ------------------------------------------------------------------ lifecycle

    def load(self) -> None:
        """Warm the in-memory caches (service times, open counters) from the database."""
        window = self.config.service_time_window
        with self.store.read() as tx:
            for svc in self.config.services:
                rows = tx.all(
                    "SELECT finished_at - COALESCE(started_at, called_at) AS s FROM tickets "
                    "WHERE service = ? AND state = 'done' AND finished_at IS NOT NULL "
                    "AND void_reason IS NULL "
                    "ORDER BY finished_at DESC LIMIT ?",
                    svc.code,
                    window,
                )
                self._service_times[svc.code] = deque(
                    reversed([float(r["s"]) for r in rows if r["s"] is not None]), maxlen=window
                )
            opened = tx.all("SELECT number FROM counters WHERE status = 'open'")
        self._open_counters = {int(r["number"]) for r in opened}

    # ------------------------------------------------------------------ helpers

    def now_ts(self) -> float:
        """Wall time as epoch seconds."""
        return self.clock.now().timestamp()

    def local_now(self) -> datetime:
        """Wall time in the center's time zone."""
        return self.clock.now().astimezone(self.tz)

    def today(self) -> str:
        """The local day (numbers restart every day)."""
        return self.local_now().date().isoformat()

    def service_or_404(self, code: str) -> ServiceConfig:
        """The configured service, or a 404 naming the known ones."""
        svc = self.config.service(code)
        if svc is None:
            known = ", ".join(s.code for s in self.config.services)
            raise QueueError(
                404, "unknown_service", texts.say("unknown_service", code=code, known=known), service=code
            )
        return svc

    def set_counter_open(self, number: int, is_open: bool) -> None:
        """Called by the counter desk when a counter opens, pauses or closes."""
        with self._times_lock:
            if is_open:
                self._open_counters.add(number)
            else:
                self._open_counters.discard(number)

    def record_service_time(self, service: str, seconds: float) -> None:
        """Feed one finished service's duration into the moving average."""
        with self._times_lock:
            self._service_times.setdefault(service, deque(maxlen=self.config.service_time_window)).append(
                max(0.0, seconds)
            )

    def open_counters_for(self, service: str) -> int:
        """How many counters serving `service` are open and not paused."""
        with self._times_lock:
            opened = set(self._open_counters)
        return sum(1 for c in self.config.counters if c.number in opened and service in c.services)

    def estimate(self, service: str, ahead: int) -> domain.WaitEstimate | None:
        """Wait range for a ticket with `ahead` tickets before it, or None when unknown."""
        with self._times_lock:
            times = list(self._service_times.get(service, ()))
        counters = self.open_counters_for(service)
        est = domain.estimate_wait(
            ahead,
            times,
            counters,
            min_samples=self.config.wait_min_samples,
            spread_pct=self.config.wait_spread_pct,
        )
        # booked citizens whose slot comes before this ticket's turn are called first
        booked = self.booked_load(service, self.now_ts() + est.max_minutes * 60) if est is not None else 0
        if booked:
            est = domain.estimate_wait(
                ahead + booked,
                times,
                counters,
                min_samples=self.config.wait_min_samples,
                spread_pct=self.config.wait_spread_pct,
            )
        return est

    def opening(self, svc: ServiceConfig) -> domain.Opening:
        """Open now? (always, with `open_all_hours`: the simulated center)"""
        if self.config.open_all_hours:
            return domain.Opening(True, None)
        hours = svc.hours or self.config.hours
        return domain.opening_at(
            hours, self.local_now(), svc.last_ticket_before_close_min, frozenset(self.config.holidays)
        )

    def next_opening_at(self, svc: ServiceConfig) -> datetime | None:
        """When the service next opens (aware, in the center's time zone), or None (no hours)."""
        nxt = domain.next_opening(
            svc.hours or self.config.hours, self.local_now(), frozenset(self.config.holidays)
        )
        return nxt.replace(tzinfo=self.tz) if nxt else None

    def next_opening(self, svc: ServiceConfig) -> str | None:
        """When the service next opens, as local 'YYYY-MM-DDTHH:MM', or None."""
        nxt = self.next_opening_at(svc)
        return nxt.strftime("%Y-%m-%dT%H:%M") if nxt else None

    @staticmethod
    def waiting_of(tx: Tx, *services: str) -> dict[str, int]:
        """Waiting tickets of some services (an index range count each: cheap for events)."""
        return {s: tickets_repo.waiting_count(tx, s) for s in services}

    def waiting_counts(self, tx: Tx) -> dict[str, int]:
        """Waiting tickets per service (every configured service, zeros included)."""
        rows = tx.all("SELECT service, COUNT(*) AS n FROM tickets WHERE state = 'waiting' GROUP BY service")
        counts = {s.code: 0 for s in self.config.services}
        counts.update({r["service"]: int(r["n"]) for r in rows})
        return counts

    def ahead_of(self, tx: Tx, row: Any) -> int:
        """Waiting tickets that will be called before this one (its own service)."""
        svc = self.config.service(row["service"])
        if svc is None:
            return 0
        if svc.policy is OrderingPolicy.ONE_PER_N:
            streak = self.normal_streak(tx, svc.code)
            normal_ahead = int(
                tx.scalar(
                    "SELECT COUNT(*) FROM tickets WHERE service = ? AND state = 'waiting' AND weight <= 0 "
                    "AND (waiting_since < ? OR (waiting_since = ? AND seq < ?))",
                    svc.code,
                    row["waiting_since"],
                    row["waiting_since"],
                    row["seq"],
                )
                if row["weight"] <= 0
                else tx.scalar(
                    "SELECT COUNT(*) FROM tickets WHERE service = ? AND state = 'waiting' AND weight <= 0",
                    svc.code,
                )
            )
            if row["weight"] > 0:
                prio_ahead = int(
                    tx.scalar(
                        "SELECT COUNT(*) FROM tickets WHERE service = ? AND state = 'waiting' AND weight > 0 "
                        "AND seq <> ? AND (weight > ? OR (weight = ? AND (waiting_since < ? "
                        "OR (waiting_since = ? AND seq < ?))))",
                        svc.code,
                        row["seq"],
                        row["weight"],
                        row["weight"],
                        row["waiting_since"],
                        row["waiting_since"],
                        row["seq"],
                    )
                )
            else:
                prio_ahead = int(
                    tx.scalar(
                        "SELECT COUNT(*) FROM tickets WHERE service = ? AND state = 'waiting' AND weight > 0",
                        svc.code,
                    )
                )
            return domain.ahead_one_per_n(
                normal_ahead, prio_ahead, row["weight"] > 0, svc.one_per_n_normal, streak
            )
        if row["seq"] >= NEW_SEQ:
            # a ticket being issued sorts after every equal one: one range count on the index
            return int(
                tx.scalar(
                    "SELECT COUNT(*) FROM tickets WHERE service = ? AND state = 'waiting' AND rank_key >= ?",
                    svc.code,
                    row["rank_key"],
                )
            )
        # Two range counts on the (service, state, rank_key) index: an OR would scan the queue.
        higher = tx.scalar(
            "SELECT COUNT(*) FROM tickets WHERE service = ? AND state = 'waiting' AND rank_key > ?",
            svc.code,
            row["rank_key"],
        )
        tied = tx.scalar(
            "SELECT COUNT(*) FROM tickets WHERE service = ? AND state = 'waiting' "
            "AND rank_key = ? AND seq < ?",
            svc.code,
            row["rank_key"],
            row["seq"],
        )
        return int(higher) + int(tied)

    def normal_streak(self, tx: Tx, service: str) -> int:
        """Normal tickets called since the last priority one today (ONE_PER_N)."""
        return tickets_repo.normal_streak(tx, self.today(), service)

    def set_state(self, tx: Tx, row: Any, new: TicketState, **fields: Any) -> None:
        """Change a ticket's state along an allowed edge (logged `old -> new`)."""
        old = TicketState(row["state"])
        if not domain.can_move(old, new):
            raise QueueError(
                409,
                "wrong_state",
                f"Ticket {row['number']} is {old.value}; it cannot become {new.value}.",
                state=old.value,
            )
        cols = ", ".join(f"{k} = ?" for k in fields)
        sql = f"UPDATE tickets SET state = ?{', ' + cols if cols else ''} WHERE ticket_id = ?"  # noqa: S608
        tx.run(sql, new.value, *fields.values(), row["ticket_id"])
        outbox.ticket(tx.conn, self.now_ts(), {**dict(row), **fields}, new.value)  # for the province hub
        log.debug("ticket %s (%s): %s -> %s", row["number"], row["ticket_id"][:4], old.value, new.value)

    def ticket_row(self, tx: Tx, ticket_id: str) -> Any:
        """The ticket row, or a 404."""
        row = tickets_repo.by_id(tx, ticket_id)
        if row is None:
            raise QueueError(404, "unknown_ticket", texts.say("unknown_ticket"))
        return row

    def sweep(self) -> int:
        """Void pending tickets past `pending_timeout_s` and yesterday's leftovers; returns how many."""
        now = self.now_ts()
        today = self.today()
        cutoff = now - self.config.pending_timeout_s
        with self.store.tx() as tx:
            stale = tx.all(
                "SELECT * FROM tickets WHERE state IN ('pending', 'waiting') "
                "AND ((state = 'pending' AND issued_at < ?) OR day < ?)",
                cutoff,
                today,
            )
            for row in stale:
                reason = (
                    "not_confirmed" if row["state"] == "pending" and row["day"] == today else "day_closed"
                )
                self.set_state(tx, row, TicketState.VOID, void_reason=reason, finished_at=now)
            if any(r["state"] == "waiting" for r in stale):
                tx.event(now, "waiting", {"waiting": self.waiting_counts(tx)})
            # a counter whose staff session ran out is closed: it no longer counts for estimates
            orphans = tx.all(
                "SELECT number FROM counters WHERE status <> 'closed' AND number NOT IN "
                "(SELECT counter FROM sessions WHERE counter IS NOT NULL AND expires_at >= ?)",
                now,
            )
            for r in orphans:
                tx.run("UPDATE counters SET status = 'closed', staff_id = NULL WHERE number = ?", r["number"])
                tx.event(now, "counter", {"counter": r["number"], "status": "closed"})
                log.info("counter %s closed: its staff session expired", r["number"])
            self._release_left_tickets(tx, now, today)
        for r in orphans:
            self.set_counter_open(int(r["number"]), False)
        if stale:
            log.info("swept %d stale tickets", len(stale))
        mono = self.clock.monotonic()
        if mono - self._last_prune >= PRUNE_EVERY_S:
            self._last_prune = mono
            self.prune(now)
        return len(stale)

    def _release_left_tickets(self, tx: Tx, now: float, today: str) -> None:
        """Tickets left at a counter nobody is signed in to any more (staff session expired, staff
        moved to another counter) or from an earlier day.

        A called citizen who never reached the counter today goes back to the place they had in
        the queue (same waiting_since and rank; the next counter calls them first). One called on
        an earlier day is a no-show. One being served is closed as done; its length is unknown, so
        it is kept out of the service-time average and the reports' service times. Every change is
        an event (`"reason": "counter_closed"`) and a warning in the log.
        """
        rows = tx.all(
            "SELECT * FROM tickets WHERE state IN ('called', 'serving') AND (day < ? OR counter IS NULL "
            "OR counter NOT IN (SELECT counter FROM sessions WHERE counter IS NOT NULL AND expires_at >= ?))",
            today,
            now,
        )
        for row in rows:
            if row["state"] == TicketState.CALLED.value and row["day"] == today:
                new = TicketState.WAITING
                self.set_state(tx, row, new, counter=None, staff_id=None, called_at=None)
            elif row["state"] == TicketState.CALLED.value:
                new = TicketState.NO_SHOW
                self.set_state(tx, row, new, finished_at=now, void_reason=LEFT_AT_CLOSED_COUNTER)
            else:
                new = TicketState.DONE
                self.set_state(tx, row, new, finished_at=now, void_reason=LEFT_AT_CLOSED_COUNTER)
            tx.run("UPDATE counters SET current_ticket = NULL WHERE current_ticket = ?", row["ticket_id"])
            tx.event(
                now,
                "state",
                {
                    "number": row["number"],
                    "state": new.value,
                    "counter": row["counter"],
                    "service": row["service"],
                    "reason": LEFT_AT_CLOSED_COUNTER,
                    "waiting": self.waiting_of(tx, row["service"]),
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
        with self.store.tx() as tx:
            keys = tx.run("DELETE FROM idempotency WHERE created_at < ?", cutoff).rowcount
            events = tx.run("DELETE FROM events WHERE at < ?", cutoff).rowcount
            tx.run("DELETE FROM sessions WHERE expires_at < ?", now)
            outbox.prune_acked(tx.conn, self.store.path.parent, "queueing", now)  # what the hub holds
        if keys or events:
            log.info("pruned %d idempotency keys and %d events older than %d days", keys, events, KEEP_DAYS)

    @staticmethod
    def ticket_at_counter(tx: Tx, counter: int) -> Any:
        """The ticket called to or being served at a counter, or None."""
        return tx.one(
            "SELECT * FROM tickets WHERE counter = ? AND state IN ('called', 'serving') "
            "ORDER BY called_at DESC LIMIT 1",
            counter,
        )
