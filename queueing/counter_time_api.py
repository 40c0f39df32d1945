"""Routes of the counter's time: pause with a reason and resume (the console), the pause state
and the reasons to choose from, and the report of time paused by reason and idle while citizens
waited, per officer and day (JSON or CSV, supervisors only).

The work is done by `queueing.counter_pause` and `queueing.counter_time_report`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse

from common.api_errors import error_responses
from contracts.counter_time import CounterPaused, CounterTimeReport, PauseReason, PauseRequest, PauseState
from queueing import counter_time_report
from queueing.api import session_token
from queueing.counter_pause import CounterPauses
from queueing.counter_time import CounterTimeTracker
from queueing.counters import CounterDesk
from queueing.errors import QueueError
from queueing.service import QueueService


def build_counter_time_router(q: QueueService, desk: CounterDesk) -> APIRouter:
    """The routes under /api/v1 for pauses and the counter-time report; also starts keeping the
    counters' time (`queueing.counter_time`: a hook on every write of the desk's store)."""
    router = APIRouter(prefix="/api/v1")
    pauses = CounterPauses(desk)
    CounterTimeTracker(q.wiring).install()

    @router.get("/counter/pause", response_model=PauseState, responses=error_responses(401, 409, 503))
    def pause_state(request: Request) -> PauseState:
        """The signed-in counter's status, its pause's reason and start while paused, and the
        reasons a pause may give (`[[queueing.pause_reasons]]`, in the config's order)."""
        return pauses.state(desk.session(session_token(request)))

    @router.post(
        "/counter/pause", response_model=CounterPaused, responses=error_responses(401, 409, 422, 503)
    )
    def pause(request: Request, body: PauseRequest) -> CounterPaused:
        """Pause the counter with a reason (`{"paused": true, "reason": "lunch"}`; 422
        `pause_reason_required` / `unknown_pause_reason`), or resume it (`{"paused": false}`).
        A paused counter calls nobody and is not counted in wait estimates."""
        return pauses.pause(desk.session(session_token(request)), body.paused, body.reason)

    @router.get(
        "/reports/counter-time",
        response_model=CounterTimeReport,
        responses={
            **error_responses(401, 403, 422, 503),
            200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "format=csv"},
        },
    )
    def counter_time(
        request: Request,
        day: Annotated[date | None, Query()] = None,
        to: Annotated[date | None, Query()] = None,
        format: Annotated[Literal["json", "csv"], Query()] = "json",  # public query name
    ) -> Any:
        """Time per officer, counter and day from `day` (default today) to `to` (default `day`,
        at most 31 days): open, paused by reason, idle while citizens waited (minutes); the last
        row sums them. Supervisors only."""
        desk.require_supervisor(desk.session(session_token(request)), ("xem báo cáo", "see reports"))
        first = day or q.local_now().date()
        last = to or first
        for name, given in (("day", first), ("to", last)):
            if not date(2000, 1, 1) <= given <= date(2199, 12, 31):
                raise QueueError(
                    422, "invalid_request", f"`{name}`: a day from 2000-01-01 to 2199-12-31.", field=name
                )
        if last < first or (last - first).days >= counter_time_report.MAX_DAYS:
            raise QueueError(
                422,
                "invalid_request",
                f"`to` must be on or after `day` and at most {counter_time_report.MAX_DAYS - 1} days later.",
                field="to",
            )
        rows = counter_time_report.report(q.store, first, last, q.tz, q.now_ts(), desk.staff.accounts.names())
        if format == "csv":
            name = first.isoformat() + ("" if last == first else f"-{last.isoformat()}")
            return PlainTextResponse(
                counter_time_report.to_csv(rows, q.config.pause_reasons),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="counter-time-{name}.csv"'},
            )
        return CounterTimeReport(
            day=first.isoformat(),
            to=last.isoformat(),
            reasons=[PauseReason.model_validate(r.model_dump()) for r in q.config.pause_reasons],
            rows=rows,
        )

    return router
