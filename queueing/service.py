"""Queue use cases for citizens and displays: issue, confirm, void, status, rating, sweep.

Counter operations live in `queueing.counters`; both act on the same `Store` through
transactions so every step is atomic and writes its event in the same transaction.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import deque
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from common.clock import Clock
from queueing import domain
from queueing.config import OrderingPolicy, QueueingConfig, ServiceConfig
from queueing.domain import TicketState
from queueing.errors import QueueError
from queueing.store import Store, Tx

log = logging.getLogger(__name__)

KEEP_DAYS = 2  # idempotency keys and board events older than this are deleted
PRUNE_EVERY_S = 3600.0


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


class QueueService:
    """Tickets and queues of one center."""

    def __init__(self, config: QueueingConfig, store: Store, clock: Clock) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.tz = ZoneInfo(config.timezone)
        self._times_lock = threading.Lock()
        self._service_times: dict[str, deque[float]] = {}
        self._open_counters: set[int] = set()
        self._last_prune = float("-inf")

    # ------------------------------------------------------------------ lifecycle

    def load(self) -> None:
        """Warm the in-memory caches (service times, open counters) from the database."""
        window = self.config.service_time_window
        with self.store.read() as tx:
            for svc in self.config.services:
                rows = tx.all(
                    "SELECT finished_at - COALESCE(started_at, called_at) AS s FROM tickets "
                    "WHERE service = ? AND state = 'done' AND finished_at IS NOT NULL "
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
                404, "unknown_service", f"No service {code!r}. Use one of: {known}.", service=code
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
        return domain.estimate_wait(
            ahead,
            times,
            self.open_counters_for(service),
            min_samples=self.config.wait_min_samples,
            spread_pct=self.config.wait_spread_pct,
        )

    def opening(self, svc: ServiceConfig) -> domain.Opening:
        """Open now?"""
        hours = svc.hours or self.config.hours
        return domain.opening_at(hours, self.local_now(), svc.last_ticket_before_close_min)

    @staticmethod
    def waiting_of(tx: Tx, *services: str) -> dict[str, int]:
        """Waiting tickets of some services (an index range count each: cheap for events)."""
        return {
            s: int(tx.scalar("SELECT COUNT(*) FROM tickets WHERE service = ? AND state = 'waiting'", s))
            for s in services
        }

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
        value = tx.scalar(
            "SELECT normal_streak FROM service_state WHERE day = ? AND service = ?", self.today(), service
        )
        return int(value or 0)

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
        log.debug("ticket %s (%s): %s -> %s", row["number"], row["ticket_id"][:4], old.value, new.value)

    def ticket_row(self, tx: Tx, ticket_id: str) -> Any:
        """The ticket row, or a 404."""
        row = tx.one("SELECT * FROM tickets WHERE ticket_id = ?", ticket_id)
        if row is None:
            raise QueueError(
                404,
                "unknown_ticket",
                "No such ticket. Check the ticket's QR code or take a new ticket.",
            )
        return row

    # ------------------------------------------------------------------ services

    def services_overview(self) -> list[dict[str, Any]]:
        """GET /api/v1/services."""
        today = self.today()
        with self.store.read() as tx:
            waiting = self.waiting_counts(tx)
            issued = {
                r["service"]: int(r["n"])
                for r in tx.all(
                    "SELECT service, COUNT(*) AS n FROM tickets WHERE day = ? AND state <> 'void' "
                    "AND transferred_from IS NULL GROUP BY service",
                    today,
                )
            }
        out = []
        for svc in self.config.services:
            opening = self.opening(svc)
            capped = bool(svc.daily_cap_tickets) and issued.get(svc.code, 0) >= svc.daily_cap_tickets
            reason = "closed" if not opening.open else ("cap_reached" if capped else None)
            n = waiting.get(svc.code, 0)
            est = self.estimate(svc.code, n)
            out.append(
                {
                    "code": svc.code,
                    "name_vi": svc.name_vi,
                    "name_en": svc.name_en,
                    "prefix": svc.prefix,
                    "open": reason is None,
                    "opens_at": opening.opens_at.strftime("%H:%M") if opening.opens_at else None,
                    "waiting": n,
                    "reason_closed": reason,
                    "wait_min": est.min_minutes if est else None,
                    "wait_max": est.max_minutes if est else None,
                    "counters_open": self.open_counters_for(svc.code),
                }
            )
        return out

    def priorities(self) -> list[dict[str, Any]]:
        """GET /api/v1/priorities."""
        return [{"code": p.code, "name_vi": p.name_vi, "name_en": p.name_en} for p in self.config.priorities]

    # ------------------------------------------------------------------ issuing

    def resolve_priority(self, priority: str | None, birth_date: date | None) -> tuple[str | None, float]:
        """The priority class and weight: as asked, or elderly from the birth date."""
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
            today = self.local_now().date()
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
    ) -> dict[str, Any]:
        """Take a number. A retry with the same idempotency key returns the same ticket."""
        svc = self.service_or_404(service)
        prio, weight = self.resolve_priority(priority, birth_date)
        now = self.now_ts()
        today = self.today()
        with self.store.tx() as tx:
            known = tx.one("SELECT ticket_id, service FROM idempotency WHERE key = ?", idempotency_key)
            if known is not None:
                if known["service"] != svc.code:
                    raise QueueError(
                        409,
                        "idempotency_conflict",
                        "This Idempotency-Key was already used for another service; send a new key.",
                    )
                return self._ticket_body(tx, self.ticket_row(tx, known["ticket_id"]), replay=True)
            opening = self.opening(svc)
            if not opening.open:
                opens = opening.opens_at.strftime("%H:%M") if opening.opens_at else None
                hint = f"It opens at {opens} today." if opens else "It does not open again today."
                raise QueueError(
                    409,
                    "service_closed",
                    f"{svc.name_en} is not taking tickets now. {hint}",
                    opens_at=opens,
                    service=svc.code,
                )
            if svc.daily_cap_tickets:
                issued = int(
                    tx.scalar(
                        "SELECT COUNT(*) FROM tickets WHERE day = ? AND service = ? AND state <> 'void' "
                        "AND transferred_from IS NULL",
                        today,
                        svc.code,
                    )
                )
                if issued >= svc.daily_cap_tickets:
                    raise QueueError(
                        409,
                        "cap_reached",
                        f"{svc.name_en} has given all {svc.daily_cap_tickets} tickets for today. "
                        "Please come back on the next working day or use the remote ticket page.",
                        service=svc.code,
                    )
            if channel == "remote" and device:
                taken = int(
                    tx.scalar(
                        "SELECT COUNT(*) FROM tickets WHERE day = ? AND device = ? AND channel = 'remote' "
                        "AND state <> 'void'",
                        today,
                        device,
                    )
                )
                if taken >= self.config.remote_tickets_per_device_per_day:
                    raise QueueError(
                        429,
                        "device_limit",
                        "This phone already has the most remote tickets allowed today. "
                        "Use a ticket you already have, or take one at the kiosk.",
                        retry_after_s=3600,
                    )
            # one statement takes the next serial of the day for this prefix
            serial = int(
                tx.all(
                    "INSERT INTO numbering(day, prefix, last_serial) VALUES (?, ?, 1) "
                    "ON CONFLICT(day, prefix) DO UPDATE SET last_serial = last_serial + 1 "
                    "RETURNING last_serial",
                    today,
                    svc.prefix,
                )[0][0]
            )
            number = domain.format_number(
                svc.prefix,
                domain.number_for_serial(serial, svc.number_min, svc.number_max),
                svc.number_digits,
            )
            ticket_id = secrets.token_urlsafe(9)
            remote = channel == "remote"
            state = TicketState.WAITING if remote else TicketState.PENDING
            key = domain.rank_key(svc.policy, weight, now, svc.aging_weight_per_min)
            cur = tx.run(
                "INSERT INTO tickets(ticket_id, day, service, prefix, serial, number, priority, weight, "
                "channel, "
                "delivery, id_hash, device, state, issued_at, waiting_since, rank_key) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ticket_id,
                today,
                svc.code,
                svc.prefix,
                serial,
                number,
                prio,
                weight,
                channel,
                "remote" if remote else None,
                id_hash,
                device,
                state.value,
                now,
                now,
                key,
            )
            row = tx.one("SELECT * FROM tickets WHERE seq = ?", cur.lastrowid)
            assert row is not None
            ahead = self.ahead_of(tx, row)
            est = self.estimate(svc.code, ahead)
            if est is not None:
                mid = (est.min_minutes + est.max_minutes) / 2 * 60
                tx.run("UPDATE tickets SET est_wait_s = ? WHERE seq = ?", mid, row["seq"])
            tx.run(
                "INSERT INTO idempotency(key, ticket_id, service, created_at) VALUES (?, ?, ?, ?)",
                idempotency_key,
                ticket_id,
                svc.code,
                now,
            )
            if remote:
                tx.event(now, "waiting", {"waiting": self.waiting_of(tx, svc.code)})
            log.debug("issued %s (%s, %s, priority=%s)", number, svc.code, channel, prio)
            return self._ticket_body(tx, row, ahead=ahead, est=est)

    def _ticket_body(
        self,
        tx: Tx,
        row: Any,
        *,
        ahead: int | None = None,
        est: domain.WaitEstimate | None = None,
        replay: bool = False,
    ) -> dict[str, Any]:
        svc = self.config.service(row["service"])
        if ahead is None:
            ahead = self.ahead_of(tx, row)
            est = self.estimate(row["service"], ahead)
        return {
            "ticket_id": row["ticket_id"],
            "number": row["number"],
            "service": row["service"],
            "service_name_vi": svc.name_vi if svc else row["service"],
            "service_name_en": svc.name_en if svc else row["service"],
            "priority": row["priority"],
            "ahead": ahead,
            "wait_min": est.min_minutes if est else None,
            "wait_max": est.max_minutes if est else None,
            "status_url": self.status_url(row["ticket_id"]),
            "issued_at": _iso(row["issued_at"]),
            "state": row["state"],
            "channel": row["channel"],
            "replayed": replay,
        }

    def status_url(self, ticket_id: str) -> str:
        """The phone status page of a ticket (what the ticket's QR code holds)."""
        return f"{self.config.public_base_url.rstrip('/')}/t/{ticket_id}"

    def confirm(self, ticket_id: str, delivery: str) -> dict[str, Any]:
        """The kiosk printed (or showed) the ticket: it joins the queue now."""
        now = self.now_ts()
        with self.store.tx() as tx:
            row = self.ticket_row(tx, ticket_id)
            state = TicketState(row["state"])
            if state is not TicketState.PENDING:
                if state is TicketState.VOID:
                    raise QueueError(
                        409,
                        "ticket_void",
                        f"Ticket {row['number']} was cancelled (not confirmed in time). Take a new ticket.",
                        state=state.value,
                    )
                return {"state": state.value, "ticket_id": ticket_id, "number": row["number"]}
            self.set_state(tx, row, TicketState.WAITING, delivery=delivery)
            tx.event(
                now,
                "issued",
                {
                    "number": row["number"],
                    "service": row["service"],
                    "waiting": self.waiting_of(tx, row["service"]),
                },
            )
        return {"state": TicketState.WAITING.value, "ticket_id": ticket_id, "number": row["number"]}

    def void(self, ticket_id: str, reason: str = "kiosk") -> dict[str, Any]:
        """Cancel a ticket that was never delivered (or that the citizen gives up while waiting)."""
        now = self.now_ts()
        with self.store.tx() as tx:
            row = self.ticket_row(tx, ticket_id)
            state = TicketState(row["state"])
            if state is TicketState.VOID:
                return {"state": state.value, "ticket_id": ticket_id}
            self.set_state(tx, row, TicketState.VOID, void_reason=reason, finished_at=now)
            if state is TicketState.WAITING:
                tx.event(now, "waiting", {"waiting": self.waiting_of(tx, row["service"])})
        return {"state": TicketState.VOID.value, "ticket_id": ticket_id}

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
        for r in orphans:
            self.set_counter_open(int(r["number"]), False)
        if stale:
            log.info("swept %d stale tickets", len(stale))
        mono = self.clock.monotonic()
        if mono - self._last_prune >= PRUNE_EVERY_S:
            self._last_prune = mono
            self.prune(now)
        return len(stale)

    def prune(self, now: float) -> None:
        """Forget idempotency keys and events older than KEEP_DAYS (tickets stay for reports)."""
        cutoff = now - KEEP_DAYS * 86400
        with self.store.tx() as tx:
            keys = tx.run("DELETE FROM idempotency WHERE created_at < ?", cutoff).rowcount
            events = tx.run("DELETE FROM events WHERE at < ?", cutoff).rowcount
            tx.run("DELETE FROM sessions WHERE expires_at < ?", now)
        if keys or events:
            log.info("pruned %d idempotency keys and %d events older than %d days", keys, events, KEEP_DAYS)

    # ------------------------------------------------------------------ status and rating

    def status(self, ticket_id: str) -> dict[str, Any]:
        """GET /api/v1/tickets/{id}."""
        with self.store.read() as tx:
            row = self.ticket_row(tx, ticket_id)
            state = TicketState(row["state"])
            ahead: int | None = None
            est = None
            if state is TicketState.WAITING:
                ahead = self.ahead_of(tx, row)
                est = self.estimate(row["service"], ahead)
            elif state is TicketState.PENDING:
                ahead = self.ahead_of(tx, row)
            svc = self.config.service(row["service"])
            return {
                "ticket_id": row["ticket_id"],
                "number": row["number"],
                "state": state.value,
                "service": row["service"],
                "service_name_vi": svc.name_vi if svc else row["service"],
                "service_name_en": svc.name_en if svc else row["service"],
                "priority": row["priority"],
                "ahead": ahead,
                "wait_min": est.min_minutes if est else None,
                "wait_max": est.max_minutes if est else None,
                "counter": row["counter"],
                "issued_at": _iso(row["issued_at"]),
                "called_at": _iso(row["called_at"]),
                "transferred_to": row["transferred_to"],
                "rating": row["rating"],
                "can_rate": state is TicketState.DONE and row["rating"] is None,
            }

    def follow(self, ticket_id: str) -> str:
        """The live ticket id at the end of a transfer chain."""
        with self.store.read() as tx:
            current = ticket_id
            for _ in range(20):
                nxt = tx.scalar("SELECT transferred_to FROM tickets WHERE ticket_id = ?", current)
                if not nxt:
                    break
                current = str(nxt)
        return current

    def rate(self, ticket_id: str, score: int) -> dict[str, Any]:
        """Record a 1..5 satisfaction score once, after the service is done."""
        live = self.follow(ticket_id)
        with self.store.tx() as tx:
            row = self.ticket_row(tx, live)
            if row["state"] != TicketState.DONE.value:
                raise QueueError(
                    409,
                    "not_served_yet",
                    f"Ticket {row['number']} has not been served yet; rate it afterwards.",
                    state=row["state"],
                )
            if row["rating"] is not None:
                raise QueueError(409, "already_rated", "This service was already rated. Thank you!")
            tx.run("UPDATE tickets SET rating = ? WHERE ticket_id = ?", score, live)
        return {"ticket_id": live, "rating": score}

    # ------------------------------------------------------------------ display

    def display_state(self) -> dict[str, Any]:
        """What a board shows on (re)connect: recent calls, waiting counts, last event seq."""
        since = (self.clock.now() - timedelta(hours=12)).timestamp()
        with self.store.read() as tx:
            last_seq = int(tx.scalar("SELECT COALESCE(MAX(seq), 0) FROM events") or 0)
            rows = tx.all(
                "SELECT number, counter, service, called_at, state FROM tickets "
                "WHERE called_at IS NOT NULL AND called_at > ? ORDER BY called_at DESC, seq DESC LIMIT ?",
                since,
                self.config.display_recent_calls,
            )
            waiting = self.waiting_counts(tx)
        return {
            "seq": last_seq,
            "calls": [
                {
                    "number": r["number"],
                    "counter": r["counter"],
                    "service": r["service"],
                    "called_at": _iso(r["called_at"]),
                    "state": r["state"],
                }
                for r in rows
            ],
            "waiting": waiting,
            "services": [
                {"code": s.code, "name_vi": s.name_vi, "name_en": s.name_en, "prefix": s.prefix}
                for s in self.config.services
            ],
        }
