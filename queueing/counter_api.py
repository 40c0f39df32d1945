"""JSON HTTP API of the counters (/api/v1/counter..., /api/v1/counters, /api/v1/reports):
staff sign-in, the console's actions, kiosk help acknowledged, the day's reports. The use cases
(`queueing.counters`, `queueing.reports`) do the work; plain `def` routes (FastAPI's thread pool).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import PlainTextResponse

from common.api_errors import error_responses
from contracts.queueing_counter import (
    CounterRow,
    CounterSignedIn,
    CounterTicket,
    CounterView,
    KioskHelpAnswer,
    SignedOut,
    TransferredTicket,
)
from contracts.queueing_reports import DayReport
from queueing import reports
from queueing.api import SESSION_COOKIE, STAFF_DEVICE_COOKIE, session_token
from queueing.api_models import CallNumberRequest, SignInRequest, TransferRequest
from queueing.counters import CounterDesk
from queueing.kiosk_help import KioskHelp, kiosk_name
from queueing.service import QueueService
from queueing.staff import Session


def build_counter_router(queue: QueueService, desk: CounterDesk, kiosk_help: KioskHelp) -> APIRouter:
    """The counters' /api/v1 routes (the kiosks' open help calls are `kiosk_help`'s)."""
    api = APIRouter(prefix="/api/v1")
    cfg = queue.config

    def session_of(request: Request) -> Session:
        """The staff session of a request (cookie or bearer token), or 401."""
        return desk.session(session_token(request))

    @api.post(
        "/counter/sessions",
        response_model=CounterSignedIn,
        responses=error_responses(401, 404, 409, 422, 429, 503),
    )
    def sign_in(body: SignInRequest, request: Request, response: Response) -> CounterSignedIn:
        """Counter staff sign-in with staff ID and PIN (sets the session cookie).

        A counter someone else is signed in to answers 409 `counter_taken`; a supervisor may
        send `take_over: true` to take it over (recorded in the staff audit). It also sets the
        browser's `qstaffdevice` cookie: wrong PINs sent later with it count against this browser
        alone (`signin_device_trust_days`), not against the account, so other devices' wrong PINs
        cannot lock the person out here.
        """
        token, info, device = desk.sign_in(
            body.staff_id, body.pin, body.counter, body.take_over, request.cookies.get(STAFF_DEVICE_COOKIE)
        )
        response.set_cookie(
            SESSION_COOKIE, token, httponly=True, samesite="strict", max_age=int(cfg.session_hours * 3600)
        )
        if device is not None:
            response.set_cookie(
                STAFF_DEVICE_COOKIE,
                device,
                httponly=True,
                samesite="strict",
                max_age=int(cfg.signin_device_trust_days * 86_400),
                path="/api/v1/counter/sessions",
            )
        return info

    @api.delete(
        "/counter/sessions/current", response_model=SignedOut, responses=error_responses(401, 409, 503)
    )
    def sign_out(request: Request, response: Response) -> SignedOut:
        """Sign out and close the counter."""
        desk.sign_out(session_of(request))
        response.delete_cookie(SESSION_COOKIE)
        return SignedOut(signed_out=True)

    @api.get("/counter", response_model=CounterView, responses=error_responses(401, 409, 503))
    def counter_view(request: Request) -> CounterView:
        """What the counter console shows (with the kiosks' open calls for staff)."""
        return desk.view(session_of(request)).model_copy(update={"help_requests": kiosk_help.open_calls()})

    @api.post(
        "/counter/help/{kiosk}/ack", response_model=KioskHelpAnswer, responses=error_responses(401, 422, 503)
    )
    def kiosk_help_ack(kiosk: str, request: Request) -> KioskHelpAnswer:
        """A member of staff goes to the kiosk: its call leaves every console (logged)."""
        return kiosk_help.ack(kiosk_name(kiosk), session_of(request).staff.staff_id)

    @api.post(
        "/counter/call", response_model=CounterTicket, responses=error_responses(401, 404, 409, 422, 503)
    )
    def call_number(request: Request, body: CallNumberRequest) -> CounterTicket:
        """Call a given waiting ticket."""
        return desk.call_number(session_of(request), body.number)

    # The console's one-button actions: the signed-in counter does it, no body.
    # (path, name, action, description, error statuses besides 401 and 503)
    actions: list[tuple[str, str, Callable[[Session], CounterTicket], str, tuple[int, ...]]] = [
        (
            "/counter/call-next",
            "call_next",
            desk.call_next,
            "Call the next ticket for this counter (atomic).",
            (404, 409),
        ),
        ("/counter/recall", "recall", desk.recall, "Announce the current ticket again.", (409, 429)),
        ("/counter/start", "start", desk.start, "Service of the called ticket starts.", (409,)),
        ("/counter/finish", "finish", desk.finish, "Service done.", (409,)),
        ("/counter/no-show", "no_show", desk.no_show, "The called citizen did not come.", (409,)),
    ]
    for path, name, action, doc, statuses in actions:
        api.add_api_route(
            path,
            _counter_action(action, session_of),
            methods=["POST"],
            name=name,
            description=doc,
            response_model=CounterTicket,
            responses=error_responses(401, *statuses, 503),
        )

    @api.post(
        "/counter/transfer",
        response_model=TransferredTicket,
        responses=error_responses(401, 404, 409, 422, 503),
    )
    def transfer(request: Request, body: TransferRequest) -> TransferredTicket:
        """Move the current ticket to another service's queue."""
        return desk.transfer(session_of(request), body.service)

    @api.get("/counters", response_model=list[CounterRow], responses=error_responses(503))
    def counters() -> list[CounterRow]:
        """Every counter and whether it is open."""
        return desk.counter_rows()

    @api.get(
        "/reports",
        response_model=DayReport,
        responses={
            **error_responses(401, 403, 422, 503),
            200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "format=csv"},
        },
    )
    def report(
        request: Request,
        day: Annotated[date | None, Query()] = None,
        group: Annotated[reports.GroupBy, Query()] = reports.GroupBy.SERVICE,
        format: Annotated[Literal["json", "csv"], Query()] = "json",  # public query name
    ) -> Any:
        """A day's figures per service, counter or staff member (JSON or CSV); supervisors only."""
        desk.require_supervisor(session_of(request), ("xem báo cáo", "see reports"))
        the_day = (day or queue.local_now().date()).isoformat()
        labels = {
            reports.GroupBy.SERVICE: {s.code: s.name_vi for s in cfg.services},
            reports.GroupBy.COUNTER: {str(c.number): c.name or f"Quầy {c.number}" for c in cfg.counters},
            reports.GroupBy.STAFF: desk.staff.accounts.names(),
        }[group]
        rows = reports.day_report(queue.store, the_day, group, cfg.wait_target_min, labels)
        if format == "csv":
            return PlainTextResponse(
                reports.to_csv(rows),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="queue-{the_day}-{group.value}.csv"'},
            )
        return DayReport(day=the_day, group=group, wait_target_min=cfg.wait_target_min, rows=rows)

    return api


def _counter_action(
    action: Callable[[Session], CounterTicket], session_of: Callable[[Request], Session]
) -> Callable[[Request], CounterTicket]:
    """The route of a one-button counter action: the caller's session, then the action."""

    def endpoint(request: Request) -> CounterTicket:
        return action(session_of(request))

    return endpoint
