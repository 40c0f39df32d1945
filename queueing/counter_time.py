"""Counter time: how long each officer kept a counter open, paused (by reason) and idle while
citizens waited, kept as spans; and the counter events the province hub receives.

Nothing here is called by the counter operations themselves. `CounterTimeTracker.track` runs at
the end of every write transaction that wrote a board event (`Store.before_commit`): every
change that can open, close, pause or resume a counter, or start or end its idle time, is one
the board hears of (a sign-in or out, a pause, a call, a finish, an issued or voided ticket, the
sweep closing a counter). It compares what the counters are now with the spans still open and
closes or opens spans to match, in the same transaction; so no code path (a take-over, a staff
member signing in at another counter, an expired session) can leave the record behind.

A counter is
- *open* (span `open`) while someone is signed in at it, paused or not;
- *paused* (span `pause`, with the reason code) while its status is paused;
- *idle while citizens waited* (span `idle`) while it is open, not paused, has no ticket called
  to it or being served, and a ticket of a service it serves is waiting.

Each span carries the officer (the counter's `staff_id`); a change of officer ends the spans of
the one before. The hub gets `counter.opened`, `counter.paused` (reason code), `counter.resumed`
(reason code, `paused_s`) and `counter.closed` (with `reason` and `paused_s` when it closed a
pause) through `common.outbox` (docs/hub.md); never a staff id or any free text.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from common import outbox
from contracts.queueing import CounterStatus
from queueing import counter_time_repo
from queueing.wiring import Part, Wiring

log = logging.getLogger(__name__)


class SpanKind(StrEnum):
    """What a span measures."""

    OPEN = "open"
    PAUSE = "pause"
    IDLE = "idle"


class Span(NamedTuple):
    """What makes two spans the same span: kind, officer and (pauses) reason."""

    kind: SpanKind
    staff_id: str | None
    reason: str | None


class _Open(NamedTuple):
    span_id: int
    started_at: float


class CounterTimeTracker(Part):
    """Keeps `counter_spans` and the hub's counter events in step with the counters."""

    def __init__(self, wiring: Wiring) -> None:
        super().__init__(wiring)
        self.services = {c.number: tuple(c.services) for c in wiring.config.counters}

    def install(self) -> None:
        """Run `track` before the commit of every write that wrote a board event."""
        self.store.before_commit.append(self.track)

    def track(self, conn: sqlite3.Connection) -> None:
        """Bring the spans in line with the counters now (inside the caller's transaction)."""
        now = self.w.now_ts()
        try:
            plan = self._plan(conn)
        except Exception:  # the record must never undo the call it follows
            log.exception("counter time: cannot read the counters; this change is not timed")
            return
        if plan:
            self._apply(conn, now, plan)

    # ------------------------------------------------------------------ reading

    def _plan(self, conn: sqlite3.Connection) -> dict[int, tuple[set[Span], dict[Span, _Open]]]:
        """Per counter: the spans it should have open now, and those open in the table."""
        counters = counter_time_repo.counters_not_closed(conn)
        spans = counter_time_repo.open_spans(conn)
        if not counters and not spans:
            return {}
        idle_candidates = [r for r in counters if r["status"] == CounterStatus.OPEN.value and not r["busy"]]
        wanted_services = sorted({s for r in idle_candidates for s in self.services.get(r["number"], ())})
        waiting: set[str] = set()
        if wanted_services:
            waiting = counter_time_repo.services_waiting(conn, wanted_services)
        plan: dict[int, tuple[set[Span], dict[Span, _Open]]] = {}
        for r in counters:
            staff = r["staff_id"]
            want = {Span(SpanKind.OPEN, staff, None)}
            if r["status"] == CounterStatus.PAUSED.value:
                want.add(Span(SpanKind.PAUSE, staff, r["pause_reason"]))
            elif not r["busy"] and waiting.intersection(self.services.get(r["number"], ())):
                want.add(Span(SpanKind.IDLE, staff, None))
            plan[int(r["number"])] = (want, {})
        for s in spans:
            entry = plan.setdefault(int(s["counter"]), (set(), {}))
            key = Span(SpanKind(s["kind"]), s["staff_id"], s["reason"])
            entry[1][key] = _Open(int(s["span_id"]), float(s["started_at"]))
        return plan

    # ------------------------------------------------------------------ writing

    def _apply(
        self, conn: sqlite3.Connection, now: float, plan: dict[int, tuple[set[Span], dict[Span, _Open]]]
    ) -> None:
        day = datetime.fromtimestamp(now, self.tz).date()

        def hub(kind: str, **data: Any) -> None:
            outbox.add(conn, now, day, kind, **data)

        for counter, (want, have) in sorted(plan.items()):
            ended = [(span, have[span]) for span in have if span not in want]
            started = [span for span in want if span not in have]
            if not ended and not started:
                continue
            for _, row in ended:
                counter_time_repo.end_span(conn, row.span_id, now)
            for span in started:
                counter_time_repo.start_span(conn, span.kind.value, counter, span.staff_id, span.reason, now)

            was_open = any(s.kind is SpanKind.OPEN for s in have)
            is_open = any(s.kind is SpanKind.OPEN for s in want)
            pause_ended = next(((s, r) for s, r in ended if s.kind is SpanKind.PAUSE), None)
            pause_started = next((s for s in started if s.kind is SpanKind.PAUSE), None)
            if is_open and not was_open:
                hub("counter.opened", counter=counter)
            ended_data: dict[str, Any] = {}
            if pause_ended is not None:
                ended_data = {
                    "reason": pause_ended[0].reason,
                    "paused_s": round(max(0.0, now - pause_ended[1].started_at), 1),
                }
                if is_open:
                    hub("counter.resumed", counter=counter, **ended_data)
            if pause_started is not None:
                hub("counter.paused", counter=counter, reason=pause_started.reason)
            if was_open and not is_open:
                hub("counter.closed", counter=counter, **ended_data)
            if log.isEnabledFor(logging.DEBUG):
                log.debug(
                    "counter %d time: %s -> %s",
                    counter,
                    sorted(s.kind.value for s in have),
                    sorted(s.kind.value for s in want),
                )
