"""How booked citizens go through the calling code: a checked-in ticket whose slot has begun is
called before walk-ins (`due_head`, `call_order`, used by `queueing.calling`), the console shows
its slot (`appointment_start_of`), and walk-in wait estimates count the booked load
(`BookedLoad`, plugged into `queueing.estimates.WaitEstimates.booked_load`).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from datetime import datetime, tzinfo
from typing import Any

from queueing import appointments_repo
from queueing.estimates import WaitEstimates
from queueing.store import StoreError
from queueing.wiring import Part, Wiring

log = logging.getLogger(__name__)

#: The booked load for wait estimates is re-read after a commit at most this often.
LOAD_REFRESH_S = 1.0


def due_head(conn: sqlite3.Connection, service: str, now_ts: float) -> Any:
    """The checked-in ticket of `service` whose slot has begun (earliest slot first), or None:
    called before every walk-in (`queueing.calling`)."""
    return appointments_repo.due_head(conn, service, now_ts)


def call_order(head: Any) -> tuple[float, float, int]:
    """Across services: due appointments first (earliest slot), then the longest wait (one minute
    per unit of priority weight)."""
    if "appointment_start" in head.keys():
        return (0.0, float(head["appointment_start"]), int(head["seq"]))
    return (1.0, float(head["waiting_since"]) - 60.0 * float(head["weight"]), int(head["seq"]))


def waiting_list(conn: sqlite3.Connection, service: str, now_ts: float, limit: int = 30) -> list[Any]:
    """The console's waiting line of a service: checked-in appointments whose slot has begun
    first (as they are called), then by rank; each row with `appointment_start` (None: walk-in)."""
    return appointments_repo.waiting_list(conn, service, now_ts, limit)


def hhmm(ts: float | None, tz: tzinfo) -> str | None:
    """An epoch time as local HH:MM (None stays None)."""
    return None if ts is None else datetime.fromtimestamp(float(ts), tz).strftime("%H:%M")


def appointment_start_of(conn: sqlite3.Connection, ticket_id: str, tz: tzinfo) -> str | None:
    """The slot start (local ISO time) of the booking a ticket was issued for; None for a walk-in."""
    value = appointments_repo.slot_of_ticket(conn, ticket_id)
    return None if value is None else datetime.fromtimestamp(value, tz).isoformat(timespec="minutes")


class BookedLoad(Part):
    """Today's booked load per service, kept in memory for the wait estimate (which runs inside
    the issuing transaction, where no query may be added): re-read after the appointments'
    own writes and, at most once a second, after any commit with events (calls, check-ins)."""

    def __init__(self, wiring: Wiring, estimates: WaitEstimates) -> None:
        super().__init__(wiring)
        self._load: dict[str, list[float]] = {}  # service -> slot starts of bookings not checked in
        self._load_at = float("-inf")
        self._load_lock = threading.Lock()
        estimates.booked_load = self.booked_load
        wiring.store.on_commit_events.append(self._after_commit)

    def booked_load(self, service: str, until_ts: float) -> int:
        """Booked citizens of `service` due by `until_ts` who have not checked in yet (and are not
        past their window): they will be called before a walk-in issued now. (Checked-in tickets
        waiting already count among the tickets ahead.)"""
        since = self.w.now_ts() - self.config.appointments.checkin_after_min * 60
        with self._load_lock:
            return sum(1 for at in self._load.get(service, ()) if since <= at <= until_ts)

    def refresh(self) -> None:
        """Read today's booked load (one indexed query). Called after a commit: a database
        problem is logged, never the failure of the request whose change is already saved."""
        now = self.w.now_ts()
        try:
            with self.store.read() as conn:
                rows = appointments_repo.booked_from(
                    conn, self.w.today(), now - self.config.appointments.checkin_after_min * 60
                )
        except StoreError as err:
            log.warning("booked load for wait estimates not refreshed: %s", err)
            return
        load: dict[str, list[float]] = {}
        for r in rows:
            load.setdefault(r["service"], []).append(float(r["slot_start"]))
        with self._load_lock:
            self._load = load
            self._load_at = self.w.clock.monotonic()

    def _after_commit(self, seq: int) -> None:
        """After a commit with events (a call, a check-in, ...): refresh, at most once a second."""
        if self.w.clock.monotonic() - self._load_at < LOAD_REFRESH_S or not self.config.appointments.services:
            return
        self.refresh()
