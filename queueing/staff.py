"""Counter staff sign-in: the PIN check (with its lockout, `queueing.staff_accounts`), sessions
stored in the database (they survive a restart), one person per counter, and a supervisor's
audited take-over of a counter someone else holds."""

from __future__ import annotations

import hashlib
import logging
import secrets
import sqlite3

from common.timestamps import iso_utc
from contracts.queueing_counter import CounterSignedIn
from queueing import counters_repo, events_repo, staff_repo
from queueing.config import CounterConfig
from queueing.core import TicketStates
from queueing.domain import CounterStatus
from queueing.errors import QueueError
from queueing.estimates import WaitEstimates
from queueing.staff_accounts import StaffAccount, StaffAccounts
from queueing.staff_repo import audit
from queueing.wiring import Part, Wiring

log = logging.getLogger(__name__)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Session:
    """A signed-in staff member, optionally at a counter."""

    def __init__(self, staff: StaffAccount, counter: int | None, token_hash: str) -> None:
        self.staff = staff
        self.counter = counter
        self.token_hash = token_hash


class StaffSessions(Part):
    """Sign-in, sign-out and session lookup for the counter console and reports (a part on the
    queue's `Wiring`: a sign-in opens a counter for the wait estimates, a sign-out needs the
    ticket at the counter)."""

    def __init__(
        self,
        wiring: Wiring,
        states: TicketStates,
        estimates: WaitEstimates,
        accounts: StaffAccounts | None = None,
    ) -> None:
        super().__init__(wiring)
        self.states = states
        self.estimates = estimates
        self.accounts = accounts or StaffAccounts(wiring.store, wiring.clock, wiring.config)

    def sign_in(
        self,
        staff_id: str,
        pin: str,
        counter: int | None,
        take_over: bool = False,
        device: str | None = None,
    ) -> tuple[str, CounterSignedIn, str | None]:
        """Check the PIN; open the counter when one is given. Returns (token, body, the browser's
        device cookie to set or None; `device` is the one it sent, see `StaffAccounts.verify`).

        A counter held by someone else (a live session there) answers 409 `counter_taken`,
        unless `take_over` is asked by a supervisor: then the holder's session ends and the
        take-over is written to the staff audit.
        """
        if counter is not None:
            self.counter_cfg(counter)
        staff = self.accounts.verify(staff_id, pin, device)
        token = secrets.token_urlsafe(24)
        now = self.w.now_ts()
        expires = now + self.config.session_hours * 3600
        holder: str | None = None
        with self.store.tx() as conn:
            device = self.accounts.signed_in(conn, staff_id, device)
            staff_repo.delete_expired_sessions(conn, now)
            if counter is not None:
                holder = staff_repo.counter_holder(conn, counter, staff_id, now)
                if holder is not None and take_over and staff.supervisor:
                    audit(conn, now, staff_id, "counter_taken_over", counter=counter, from_staff=holder)
                    log.warning("counter %d taken over by supervisor %s from %s", counter, staff_id, holder)
                    holder = None
            if holder is None:
                self._open_session(conn, token, staff_id, counter, now, expires)
        if holder is not None:
            raise self._taken(counter, holder, staff)
        self.refresh_open()
        log.info("staff %s signed in%s", staff_id, f" at counter {counter}" if counter else "")
        body = CounterSignedIn(
            token=token,
            staff_id=staff_id,
            name=staff.name,
            counter=counter,
            expires_at=iso_utc(expires),
            supervisor=staff.supervisor,
        )
        return token, body, device

    @staticmethod
    def _taken(counter: int | None, holder: str, staff: StaffAccount) -> QueueError:
        if staff.supervisor:
            vi = "Bấm “Tiếp quản quầy” nếu bạn muốn tiếp quản."
            en = "Press “Take over” to take it over."
        else:
            vi = "Nhờ trưởng nhóm tiếp quản, hoặc chọn quầy khác."
            en = "Ask a supervisor to take it over, or choose another counter."
        return QueueError(
            409,
            "counter_taken",
            f"Quầy {counter} đang có cán bộ {holder} làm việc. {vi} "
            f"(Counter {counter} is in use by {holder}. {en})",
            counter=counter,
            held_by=holder,
            can_take_over=staff.supervisor,
        )

    def _open_session(
        self,
        conn: sqlite3.Connection,
        token: str,
        staff_id: str,
        counter: int | None,
        now: float,
        expires: float,
    ) -> None:
        """Write the session; with a counter, the counter opens for this person alone."""
        if counter is not None:
            staff_repo.delete_counter_sessions(conn, counter, staff_id)
            counters_repo.open_for(conn, counter, staff_id, now)
            events_repo.append(conn, now, "counter", {"counter": counter, "status": CounterStatus.OPEN.value})
        staff_repo.insert_session(conn, _hash_token(token), staff_id, counter, now, expires)

    def session(self, token: str | None) -> Session:
        """The session of a token, or 401."""
        if not token:
            raise QueueError(
                401,
                "not_signed_in",
                "Hãy đăng nhập bằng mã cán bộ và PIN. / Sign in with your staff ID and PIN first.",
            )
        th = _hash_token(token)
        with self.store.read() as conn:
            row = staff_repo.session_with_staff(conn, th)
        if row is None or row["expires_at"] < self.w.now_ts():
            raise QueueError(
                401,
                "not_signed_in",
                "Phiên làm việc đã hết: đăng nhập lại bằng mã cán bộ và PIN. "
                "/ Your session ended. Sign in again with your staff ID and PIN.",
            )
        staff = StaffAccount(row["staff_id"], row["name"], bool(row["supervisor"]))
        return Session(staff, row["counter"], th)

    def sign_out(self, session: Session) -> None:
        """End the session and close its counter (nothing may be left at the counter)."""
        now = self.w.now_ts()
        with self.store.tx() as conn:
            if session.counter is not None:
                cur = self.states.ticket_at_counter(conn, session.counter)
                if cur is not None:
                    raise QueueError(
                        409,
                        "ticket_in_progress",
                        f"Số {cur['number']} vẫn đang ở quầy: bấm Hoàn thành, Chuyển hoặc Vắng mặt trước "
                        f"khi đăng xuất. / Ticket {cur['number']} is still at this counter. Finish it, "
                        "transfer it or mark it no-show before signing out.",
                        number=cur["number"],
                    )
                counters_repo.close(conn, session.counter)
                events_repo.append(
                    conn, now, "counter", {"counter": session.counter, "status": CounterStatus.CLOSED.value}
                )
            staff_repo.delete_session(conn, session.token_hash)
        self.refresh_open()

    def refresh_open(self) -> None:
        """Tell the queue which counters are open (for wait estimates)."""
        with self.store.read() as conn:
            rows = counters_repo.all_rows(conn)
        for number, r in rows.items():
            self.estimates.set_counter_open(number, r["status"] == CounterStatus.OPEN.value)

    def counter_cfg(self, number: int) -> CounterConfig:
        """The configured counter, or a 404 naming the known ones."""
        cfg = self.config.counter(number)
        if cfg is None:
            known = ", ".join(str(c.number) for c in self.config.counters)
            raise QueueError(
                404,
                "unknown_counter",
                f"Không có quầy {number}; các quầy: {known}. / No counter {number}. Counters here: {known}.",
            )
        return cfg
