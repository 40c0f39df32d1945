"""Counter desk: staff sign-in and the console's operations (call next, recall, start, finish,
no-show, transfer, call a given number). Each is one transaction.
Sign-in itself lives in `queueing.staff`; pausing with a reason in `queueing.counter_pause`.

`CounterDesk` is a part on the queue's `Wiring` (`queueing.wiring`): it takes the wiring and the
shared parts it uses (ticket states, wait estimates), like the parts `QueueService` builds."""

from __future__ import annotations

import logging
import secrets
import sqlite3
from typing import Any

from contracts.queueing import ServiceName
from contracts.queueing_counter import (
    CounterRow,
    CounterSignedIn,
    CounterTicket,
    CounterView,
    NextTicket,
    TransferredTicket,
    WaitingLine,
)
from queueing import appointment_calls, counters_repo, domain, events_repo, tickets_repo
from queueing.calling import Calls
from queueing.config import CounterConfig
from queueing.core import TicketStates
from queueing.domain import CounterStatus, TicketState
from queueing.errors import QueueError
from queueing.estimates import WaitEstimates
from queueing.staff import Session, StaffSessions
from queueing.texts import state_vi
from queueing.wiring import Part, Wiring

NO_TICKET_HERE = "Không có số nào ở quầy này. / No ticket is at this counter."

log = logging.getLogger(__name__)


class CounterDesk(Part):
    """Everything a counter console does."""

    def __init__(self, wiring: Wiring, states: TicketStates, estimates: WaitEstimates) -> None:
        super().__init__(wiring)
        self.states = states
        self.estimates = estimates
        self.staff = StaffSessions(wiring, states, estimates)
        self.calls = Calls(wiring, states)

    def sign_in(
        self,
        staff_id: str,
        pin: str,
        counter: int | None,
        take_over: bool = False,
        device: str | None = None,
    ) -> tuple[str, CounterSignedIn, str | None]:
        """Check the PIN; open the counter when one is given (see `StaffSessions.sign_in`)."""
        return self.staff.sign_in(staff_id, pin, counter, take_over, device)

    def session(self, token: str | None) -> Session:
        """The session of a token, or 401."""
        return self.staff.session(token)

    def sign_out(self, session: Session) -> None:
        """End the session and close its counter."""
        self.staff.sign_out(session)

    @staticmethod
    def require_supervisor(session: Session, what: tuple[str, str]) -> None:
        """403 unless the session is a supervisor's; `what` names the action (Vietnamese, English)."""
        if not session.staff.supervisor:
            raise QueueError(
                403,
                "supervisor_required",
                f"Chỉ trưởng nhóm mới được {what[0]}. Only a supervisor may {what[1]}; ask one to sign in.",
            )

    def counter_rows(self) -> list[CounterRow]:
        """GET /api/v1/counters: every configured counter and whether it is open."""
        with self.store.read() as conn:
            rows = counters_repo.all_rows(conn)
        return [
            CounterRow(
                number=c.number,
                name=c.name or f"Quầy {c.number}",
                services=c.services,
                status=rows[c.number]["status"] if c.number in rows else CounterStatus.CLOSED,
            )
            for c in self.config.counters
        ]

    # ------------------------------------------------------------------ helpers

    def _counter_cfg(self, number: int) -> CounterConfig:
        return self.staff.counter_cfg(number)

    def at_counter(self, session: Session) -> CounterConfig:
        """The session's counter, or 409 `no_counter` (signed in without one)."""
        return self._at_counter(session)

    def _at_counter(self, session: Session) -> CounterConfig:
        if session.counter is None:
            raise QueueError(
                409,
                "no_counter",
                "Phiên làm việc chưa gắn với quầy nào: đăng nhập lại và chọn quầy. "
                "/ You are signed in without a counter. Sign in again choosing one.",
            )
        return self._counter_cfg(session.counter)

    def _require_open(self, conn: sqlite3.Connection, counter: int) -> None:
        if counters_repo.status(conn, counter) == CounterStatus.PAUSED.value:
            raise QueueError(
                409,
                "counter_paused",
                "Quầy đang tạm dừng: bấm “Tiếp tục” trước khi gọi số. "
                "/ This counter is paused. Resume it before calling.",
            )

    def _finish_serving(self, conn: sqlite3.Connection, cur: Any, counter: int) -> str | None:
        """Before a new call: finish a ticket being served; refuse one only called."""
        if cur is None:
            return None
        if cur["state"] == TicketState.CALLED.value:
            raise QueueError(
                409,
                "current_not_started",
                f"Số {cur['number']} đã gọi nhưng chưa bắt đầu phục vụ: bấm Bắt đầu, Gọi lại "
                f"hoặc Vắng mặt trước. / Ticket {cur['number']} was called but not started. "
                "Start it, recall it or mark it no-show first.",
                number=cur["number"],
            )
        self._done(conn, cur, counter)
        return str(cur["number"])

    def _done(self, conn: sqlite3.Connection, cur: Any, counter: int) -> None:
        now = self._leave(conn, cur, counter, TicketState.DONE)
        started = cur["started_at"] or cur["called_at"] or now
        self.estimates.record_service_time(cur["service"], now - started)

    def _leave(self, conn: sqlite3.Connection, cur: Any, counter: int, state: TicketState) -> float:
        """The ticket leaves the counter in a final state (done, no-show); returns the time."""
        now = self.w.now_ts()
        self.states.set_state(conn, cur, state, finished_at=now)
        counters_repo.set_current(conn, counter, None)
        events_repo.append(
            conn, now, "state", {"number": cur["number"], "state": state.value, "counter": counter}
        )
        return now

    def _current(
        self, conn: sqlite3.Connection, counter: int, error: str, message: str, called_only: bool = False
    ) -> Any:
        """The ticket at the counter (only a called, not started one with `called_only`), or 409."""
        cur = self.states.ticket_at_counter(conn, counter)
        if cur is None or (called_only and cur["state"] != TicketState.CALLED.value):
            raise QueueError(409, error, message)
        return cur

    # ------------------------------------------------------------------ operations

    def call_next(self, session: Session) -> CounterTicket:
        """Call the next waiting ticket of this counter's services: one atomic step."""
        cfg = self._at_counter(session)
        with self.store.tx() as conn:
            self._require_open(conn, cfg.number)
            self._finish_serving(conn, self.states.ticket_at_counter(conn, cfg.number), cfg.number)
            row = self.calls.next_for(conn, cfg.services)
            if row is None:
                raise QueueError(
                    404,
                    "queue_empty",
                    "Không có ai đang chờ các dịch vụ của quầy này. "
                    "/ Nobody is waiting for this counter's services right now.",
                )
            return self.calls.mark_called(conn, row, session.staff.staff_id, cfg.number)

    def call_number(self, session: Session, number: str) -> CounterTicket:
        """Call a given waiting ticket (e.g. a citizen who stepped out and came back)."""
        cfg = self._at_counter(session)
        parsed = domain.parse_number(number)
        if parsed is None:
            raise QueueError(
                422,
                "invalid_request",
                f"{number!r} không phải số thứ tự (ví dụ B012). "
                f"/ {number!r} is not a ticket number like B012.",
                field="number",
            )
        with self.store.tx() as conn:
            self._require_open(conn, cfg.number)
            rows = [
                r
                for r in tickets_repo.of_number_today(conn, self.w.today(), parsed[0])
                if domain.parse_number(r["number"]) == parsed
            ]
            row = next(
                (r for r in rows if r["state"] == TicketState.WAITING.value), rows[0] if rows else None
            )
            if row is None:
                raise QueueError(
                    404,
                    "unknown_ticket",
                    f"Hôm nay chưa cấp số {number.upper()}. / No ticket {number.upper()} was issued today.",
                )
            if row["state"] != TicketState.WAITING.value:
                raise QueueError(
                    409,
                    "not_waiting",
                    f"Số {row['number']} không ở trạng thái chờ ({state_vi(row['state'])}). "
                    f"/ Ticket {row['number']} is {row['state']}, not waiting.",
                    state=row["state"],
                )
            if row["service"] not in cfg.services:
                raise QueueError(
                    409,
                    "not_served_here",
                    f"Số {row['number']} thuộc dịch vụ khác: chuyển số hoặc gọi ở quầy của dịch vụ đó. "
                    f"/ Ticket {row['number']} is for another service; transfer it or call it there.",
                )
            self._finish_serving(conn, self.states.ticket_at_counter(conn, cfg.number), cfg.number)
            return self.calls.mark_called(conn, row, session.staff.staff_id, cfg.number)

    def recall(self, session: Session) -> CounterTicket:
        """Announce the current ticket again (not more often than recall_cooldown_s)."""
        cfg = self._at_counter(session)
        with self.store.tx() as conn:
            cur = self._current(
                conn,
                cfg.number,
                "nothing_to_recall",
                "Chưa có số nào được gọi đến quầy này. "
                "/ No called ticket is waiting to come to this counter.",
                True,
            )
            last = counters_repo.last_recall(conn, cfg.number)
            now = self.w.now_ts()
            gap = self.config.recall_cooldown_s
            if last is not None and now - last < gap:
                raise QueueError(
                    429,
                    "recall_too_soon",
                    f"Vui lòng chờ {gap:.0f} giây giữa hai lần gọi lại. / Wait {gap:.0f} s between recalls.",
                    retry_after_s=int(gap - (now - last)) + 1,
                )
            return self.calls.mark_called(conn, cur, session.staff.staff_id, cfg.number, recall=True)

    def start(self, session: Session) -> CounterTicket:
        """The citizen arrived: service starts."""
        cfg = self._at_counter(session)
        with self.store.tx() as conn:
            cur = self._current(
                conn, cfg.number, "nothing_to_start", "Hãy gọi một số trước. / Call a ticket first.", True
            )
            now = self.w.now_ts()
            self.states.set_state(conn, cur, TicketState.SERVING, started_at=now)
            events_repo.append(
                conn, now, "state", {"number": cur["number"], "state": "serving", "counter": cfg.number}
            )
            return self.calls.ticket_view(conn, cur["ticket_id"])

    def finish(self, session: Session) -> CounterTicket:
        """Service done."""
        cfg = self._at_counter(session)
        with self.store.tx() as conn:
            cur = self._current(conn, cfg.number, "nothing_to_finish", NO_TICKET_HERE)
            self._done(conn, cur, cfg.number)
            return self.calls.ticket_view(conn, cur["ticket_id"])

    def no_show(self, session: Session) -> CounterTicket:
        """The called citizen did not come."""
        cfg = self._at_counter(session)
        with self.store.tx() as conn:
            cur = self._current(
                conn,
                cfg.number,
                "nothing_called",
                "Chỉ số đã gọi mà chưa bắt đầu phục vụ mới đánh dấu vắng mặt được. "
                "/ Only a called ticket that has not started can be a no-show.",
                True,
            )
            self._leave(conn, cur, cfg.number, TicketState.NO_SHOW)
            return self.calls.ticket_view(conn, cur["ticket_id"])

    def transfer(self, session: Session, service: str) -> TransferredTicket:
        """Send the current ticket to another service's queue; it keeps its number and place in time."""
        cfg = self._at_counter(session)
        target = self.w.service_or_404(service)
        with self.store.tx() as conn:
            cur = self._current(conn, cfg.number, "nothing_to_transfer", NO_TICKET_HERE)
            if cur["service"] == target.code:
                raise QueueError(
                    409,
                    "same_service",
                    "Số này đã thuộc dịch vụ đó: chọn dịch vụ khác. "
                    "/ The ticket is already in that service. Choose another.",
                )
            now = self.w.now_ts()
            new_id = secrets.token_urlsafe(9)
            key = domain.rank_key(
                target.policy, cur["weight"], cur["waiting_since"], target.aging_weight_per_min
            )
            tickets_repo.insert(
                conn,
                ticket_id=new_id,
                day=cur["day"],
                service=target.code,
                prefix=cur["prefix"],
                serial=cur["serial"],
                number=cur["number"],
                priority=cur["priority"],
                weight=cur["weight"],
                channel=cur["channel"],
                delivery=cur["delivery"],
                id_hash=cur["id_hash"],
                device=cur["device"],
                state=TicketState.WAITING.value,
                issued_at=now,
                waiting_since=cur["waiting_since"],
                rank_key=key,
                transferred_from=cur["ticket_id"],
            )
            self.states.set_state(conn, cur, TicketState.TRANSFERRED, finished_at=now, transferred_to=new_id)
            counters_repo.set_current(conn, cfg.number, None)
            events_repo.append(
                conn,
                now,
                "state",
                {
                    "number": cur["number"],
                    "state": "transferred",
                    "counter": cfg.number,
                    "service": target.code,
                    "waiting": self.states.waiting_of(conn, cur["service"], target.code),
                },
            )
            return TransferredTicket(
                **self.calls.ticket_view(conn, cur["ticket_id"]).model_dump(),
                transferred_to=new_id,
                to_service=target.code,
            )

    def view(self, session: Session) -> CounterView:
        """What the console shows: counter, current ticket, waiting lines of its services."""
        cfg = self._at_counter(session)
        with self.store.read() as conn:
            status = counters_repo.status(conn, cfg.number) or "closed"
            cur = self.states.ticket_at_counter(conn, cfg.number)
            waiting: list[WaitingLine] = []
            for code in cfg.services:
                rows = appointment_calls.waiting_list(conn, code, self.w.now_ts())
                svc = self.config.service(code)
                waiting.append(
                    WaitingLine(
                        service=code,
                        name_vi=svc.name_vi if svc else code,
                        name_en=svc.name_en if svc else code,
                        count=tickets_repo.waiting_count(conn, code),
                        next=[
                            NextTicket(
                                number=r["number"],
                                priority=r["priority"],
                                waited_min=int(max(0.0, self.w.now_ts() - r["waiting_since"]) // 60),
                                appointment=appointment_calls.hhmm(r["appointment_start"], self.tz),
                            )
                            for r in rows
                        ],
                    )
                )
            current = self.calls.ticket_view(conn, cur["ticket_id"]) if cur is not None else None
        return CounterView(
            counter=cfg.number,
            counter_name=cfg.name or f"Quầy {cfg.number}",
            status=CounterStatus(status),
            staff_id=session.staff.staff_id,
            staff_name=session.staff.name,
            current=current,
            waiting=waiting,
            services=[
                ServiceName(code=s.code, name_vi=s.name_vi, name_en=s.name_en) for s in self.config.services
            ],
        )
