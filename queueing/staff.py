"""Counter staff sign-in: PIN check with lock-out, sessions stored in the database (they
survive a restart), one person per counter."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from datetime import UTC, datetime
from typing import Any

from queueing.config import CounterConfig, StaffConfig
from queueing.domain import CounterStatus
from queueing.errors import QueueError
from queueing.service import QueueService

log = logging.getLogger(__name__)

MAX_PIN_FAILURES = 5
PIN_LOCK_S = 300.0


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Session:
    """A signed-in staff member, optionally at a counter."""

    def __init__(self, staff: StaffConfig, counter: int | None, token_hash: str) -> None:
        self.staff = staff
        self.counter = counter
        self.token_hash = token_hash


class StaffSessions:
    """Sign-in, sign-out and session lookup for the counter console and reports."""

    def __init__(self, queue: QueueService) -> None:
        self.q = queue
        self.config = queue.config
        self._fail_lock = threading.Lock()
        self._failures: dict[str, tuple[int, float]] = {}

    def sign_in(self, staff_id: str, pin: str, counter: int | None) -> tuple[str, dict[str, Any]]:
        """Check the PIN; open the counter when one is given. Returns (token, body)."""
        mono = self.q.clock.monotonic()
        with self._fail_lock:
            fails, until = self._failures.get(staff_id, (0, 0.0))
            if fails >= MAX_PIN_FAILURES and mono < until:
                raise QueueError(
                    429,
                    "too_many_attempts",
                    "Too many wrong PINs. Wait 5 minutes or ask a supervisor.",
                    retry_after_s=int(until - mono) + 1,
                )
        staff = next((s for s in self.config.staff if s.staff_id == staff_id), None)
        ok = staff is not None and hmac.compare_digest(staff.pin.encode(), pin.encode())
        if not ok or staff is None:
            with self._fail_lock:
                fails, _ = self._failures.get(staff_id, (0, 0.0))
                self._failures[staff_id] = (fails + 1, mono + PIN_LOCK_S)
            log.warning("counter sign-in refused for staff %r", staff_id)
            raise QueueError(401, "bad_credentials", "Wrong staff ID or PIN. Check both and try again.")
        with self._fail_lock:
            self._failures.pop(staff_id, None)
        if counter is not None:
            self.counter_cfg(counter)
        token = secrets.token_urlsafe(24)
        now = self.q.now_ts()
        expires = now + self.config.session_hours * 3600
        with self.q.store.tx() as tx:
            tx.run("DELETE FROM sessions WHERE expires_at < ?", now)
            if counter is not None:
                # One person per counter: whoever signs in takes the counter over.
                tx.run("DELETE FROM sessions WHERE counter = ?", counter)
                tx.run("DELETE FROM sessions WHERE staff_id = ? AND counter IS NOT NULL", staff_id)
                tx.run(
                    "UPDATE counters SET status = 'closed', staff_id = NULL "
                    "WHERE staff_id = ? AND number <> ?",
                    staff_id,
                    counter,
                )
                tx.run(
                    "INSERT INTO counters(number, status, staff_id, since) VALUES (?, 'open', ?, ?) "
                    "ON CONFLICT(number) DO UPDATE SET status = 'open', staff_id = excluded.staff_id, "
                    "since = excluded.since",
                    counter,
                    staff_id,
                    now,
                )
                tx.event(now, "counter", {"counter": counter, "status": CounterStatus.OPEN.value})
            tx.run(
                "INSERT INTO sessions(token_hash, staff_id, counter, created_at, expires_at) "
                "VALUES (?,?,?,?,?)",
                _hash_token(token),
                staff_id,
                counter,
                now,
                expires,
            )
        self.refresh_open()
        log.info("staff %s signed in%s", staff_id, f" at counter {counter}" if counter else "")
        return token, {
            "staff_id": staff_id,
            "name": staff.name,
            "counter": counter,
            "expires_at": datetime.fromtimestamp(expires, UTC).isoformat(timespec="seconds"),
            "supervisor": staff.supervisor,
        }

    def session(self, token: str | None) -> Session:
        """The session of a token, or 401."""
        if not token:
            raise QueueError(401, "not_signed_in", "Sign in with your staff ID and PIN first.")
        th = _hash_token(token)
        with self.q.store.read() as tx:
            row = tx.one("SELECT * FROM sessions WHERE token_hash = ?", th)
        if row is None or row["expires_at"] < self.q.now_ts():
            raise QueueError(
                401, "not_signed_in", "Your session ended. Sign in again with your staff ID and PIN."
            )
        staff = next((s for s in self.config.staff if s.staff_id == row["staff_id"]), None)
        if staff is None:
            raise QueueError(401, "not_signed_in", "This staff account no longer exists. Ask a supervisor.")
        return Session(staff, row["counter"], th)

    def sign_out(self, session: Session) -> None:
        """End the session and close its counter (nothing may be left at the counter)."""
        now = self.q.now_ts()
        with self.q.store.tx() as tx:
            if session.counter is not None:
                cur = self.q.ticket_at_counter(tx, session.counter)
                if cur is not None:
                    raise QueueError(
                        409,
                        "ticket_in_progress",
                        f"Ticket {cur['number']} is still at this counter. Finish it, transfer it or mark it "
                        "no-show before signing out.",
                        number=cur["number"],
                    )
                tx.run(
                    "UPDATE counters SET status = 'closed', staff_id = NULL, current_ticket = NULL "
                    "WHERE number = ?",
                    session.counter,
                )
                tx.event(now, "counter", {"counter": session.counter, "status": CounterStatus.CLOSED.value})
            tx.run("DELETE FROM sessions WHERE token_hash = ?", session.token_hash)
        self.refresh_open()

    def refresh_open(self) -> None:
        """Tell the queue which counters are open (for wait estimates)."""
        with self.q.store.read() as tx:
            rows = tx.all("SELECT number, status FROM counters")
        for r in rows:
            self.q.set_counter_open(int(r["number"]), r["status"] == CounterStatus.OPEN.value)

    def counter_cfg(self, number: int) -> CounterConfig:
        """The configured counter, or a 404 naming the known ones."""
        cfg = self.config.counter(number)
        if cfg is None:
            known = ", ".join(str(c.number) for c in self.config.counters)
            raise QueueError(404, "unknown_counter", f"No counter {number}. Counters here: {known}.")
        return cfg
