"""JSON HTTP API (/api/v1/...): routes, auth, rate limits; the use cases do the work.

Request bodies and error answers are in `queueing.api_models` (re-exported here).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse

from common.api_errors import error_responses
from queueing import reports, speech
from queueing.api_models import (
    CallNumberRequest,
    ConfirmRequest,
    PauseRequest,
    RatingRequest,
    SignInRequest,
    TicketRequest,
    TransferRequest,
    VoidRequest,
    error_response,
    issued_answer,
    storage_error_response,
)
from queueing.counters import CounterDesk, Session
from queueing.errors import QueueError
from queueing.events import EventHub, stream
from queueing.fastpath import FastPathStats
from queueing.service import QueueService

log = logging.getLogger(__name__)

__all__ = ["build_router", "error_response", "storage_error_response", "TicketRequest", "ConfirmRequest"]

SESSION_COOKIE = "qsession"
DEVICE_COOKIE = "qdevice"


class RateLimiter:
    """At most `limit` hits per `window_s` per key (sliding window, in memory)."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """Record a hit; returns seconds to wait when over the limit (hit not recorded)."""
        now = time.monotonic()
        with self._lock:
            q = self._hits.setdefault(key, deque())
            while q and now - q[0] > self.window_s:
                q.popleft()
            if len(q) >= self.limit:
                return self.window_s - (now - q[0])
            q.append(now)
            return None


def build_router(
    queue: QueueService,
    desk: CounterDesk,
    hub: EventHub,
    sweeper_alive: Callable[[], bool] = lambda: True,
    fast_path: FastPathStats | None = None,
) -> APIRouter:
    """All /api/v1 routes.

    Routes are `async` on purpose: every database step is a short transaction behind one lock,
    so running them on the event loop avoids a thread hand-off per request (measured: about 3x
    less time per ticket than FastAPI's thread pool on a busy 2-core machine).
    """
    api = APIRouter(prefix="/api/v1")
    cfg = queue.config
    remote_limiter = RateLimiter(cfg.remote_max_per_window, cfg.remote_rate_window_s)

    def session_of(request: Request) -> Session:
        """The staff session of a request (cookie or bearer token), or 401."""
        token = request.cookies.get(SESSION_COOKIE)
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        return desk.session(token)

    # The two routes every kiosk ticket takes come first (routes are matched in order) and answer
    # with a ready JSONResponse: FastAPI then skips its response-model pass (the documented schema
    # stays `response_model`).
    @api.post(
        "/tickets",
        status_code=201,
        response_model=dict[str, Any],
        responses=error_responses(400, 403, 404, 409, 422, 429, 503),
    )
    async def issue(
        body: TicketRequest,
        request: Request,
        idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
    ) -> Response:
        """Take a number (kiosk tickets stay pending until confirmed)."""
        device: str | None = None
        if body.channel == "remote":
            if not cfg.remote_enabled:
                raise QueueError(
                    403, "remote_disabled", "Remote tickets are off here. Take a ticket at the kiosk."
                )
            device = request.cookies.get(DEVICE_COOKIE) or request.headers.get("x-device-id")
            client = request.client.host if request.client else "?"
            device = device or f"ip:{client}"
            wait = remote_limiter.hit(device) or remote_limiter.hit(f"ip:{client}")
            if wait is not None:
                raise QueueError(
                    429,
                    "throttled",
                    "Too many requests from this phone. Wait a minute and try again.",
                    retry_after_s=int(wait) + 1,
                )
        if not idempotency_key:
            if body.channel == "kiosk":
                raise QueueError(
                    400,
                    "idempotency_key_required",
                    "Send an Idempotency-Key header (a new unique string per ticket, the same on retries).",
                )
            idempotency_key = f"auto:{secrets.token_hex(12)}"
        ticket = queue.issue(
            body.service,
            channel=body.channel,
            idempotency_key=idempotency_key,
            priority=body.priority,
            id_hash=body.id_hash,
            birth_date=body.birth_date,
            device=device,
        )
        status, answer = issued_answer(ticket)
        return JSONResponse(answer, status_code=status)

    @api.post(
        "/tickets/{ticket_id}/confirm",
        response_model=dict[str, Any],
        responses=error_responses(404, 409, 422, 503),
    )
    async def confirm(ticket_id: str, body: ConfirmRequest) -> Response:
        """The kiosk printed or showed the ticket: it joins the queue."""
        return JSONResponse(queue.confirm(ticket_id, body.delivery))

    @api.get("/health")
    async def health() -> dict[str, Any]:
        """Liveness and a few numbers; 'degraded' when the database or the sweeper is not working."""
        try:
            with queue.store.read() as tx:
                waiting = queue.waiting_counts(tx)
                pending = int(tx.scalar("SELECT COUNT(*) FROM tickets WHERE state = 'pending'") or 0)
            seq = queue.store.last_event_seq()
        except Exception as err:  # noqa: BLE001 - health must answer whatever broke
            log.error("health check: queue database unusable: %s", err)
            return {"status": "degraded", "problem": f"queue database: {err}"}
        return {
            "status": "ok" if sweeper_alive() else "degraded",
            "waiting": sum(waiting.values()),
            "pending": pending,
            "event_seq": seq,
            "displays_connected": hub.listeners,
            **({} if fast_path is None else {"kiosk_fast_path": asdict(fast_path)}),
            **({} if sweeper_alive() else {"problem": "pending-ticket sweeper stopped"}),
        }

    @api.get("/services", responses=error_responses(503))
    async def services() -> list[dict[str, Any]]:
        """Services with open/closed state, waiting count and wait range."""
        return queue.services_overview()

    @api.get("/priorities")
    async def priorities() -> list[dict[str, Any]]:
        """Priority classes the kiosk offers."""
        return queue.priorities()

    @api.get("/tickets/{ticket_id}", responses=error_responses(404, 503))
    async def ticket(ticket_id: str) -> dict[str, Any]:
        """A ticket's state, place in the queue and wait range."""
        return queue.status(ticket_id)

    @api.post("/tickets/{ticket_id}/void", responses=error_responses(404, 409, 422, 503))
    async def void(ticket_id: str, body: VoidRequest | None = None) -> dict[str, Any]:
        """Cancel a ticket that was never delivered."""
        return queue.void(ticket_id, body.reason if body else "kiosk")

    @api.post("/tickets/{ticket_id}/rating", responses=error_responses(404, 409, 422, 503))
    async def rating(ticket_id: str, body: RatingRequest) -> dict[str, Any]:
        """Satisfaction score 1..5 after service."""
        return queue.rate(ticket_id, body.score)

    # ---------------------------------------------------------------- counters

    @api.post("/counter/sessions", responses=error_responses(401, 404, 422, 429, 503))
    async def sign_in(body: SignInRequest, response: Response) -> dict[str, Any]:
        """Counter staff sign-in with staff ID and PIN (sets the session cookie)."""
        token, info = desk.sign_in(body.staff_id, body.pin, body.counter)
        response.set_cookie(
            SESSION_COOKIE, token, httponly=True, samesite="strict", max_age=int(cfg.session_hours * 3600)
        )
        return {"token": token, **info}

    @api.delete("/counter/sessions/current", responses=error_responses(401, 409, 503))
    async def sign_out(request: Request, response: Response) -> dict[str, Any]:
        """Sign out and close the counter."""
        desk.sign_out(session_of(request))
        response.delete_cookie(SESSION_COOKIE)
        return {"signed_out": True}

    @api.get("/counter", responses=error_responses(401, 409, 503))
    async def counter_view(request: Request) -> dict[str, Any]:
        """What the counter console shows."""
        return desk.view(session_of(request))

    @api.post("/counter/call", responses=error_responses(401, 404, 409, 422, 503))
    async def call_number(request: Request, body: CallNumberRequest) -> dict[str, Any]:
        """Call a given waiting ticket."""
        return desk.call_number(session_of(request), body.number)

    # The console's one-button actions: the signed-in counter does it, no body.
    # (path, name, action, description, error statuses besides 401 and 503)
    actions: list[tuple[str, str, Callable[[Session], dict[str, Any]], str, tuple[int, ...]]] = [
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
            responses=error_responses(401, *statuses, 503),
        )

    @api.post("/counter/transfer", responses=error_responses(401, 404, 409, 422, 503))
    async def transfer(request: Request, body: TransferRequest) -> dict[str, Any]:
        """Move the current ticket to another service's queue."""
        return desk.transfer(session_of(request), body.service)

    @api.post("/counter/pause", responses=error_responses(401, 409, 422, 503))
    async def pause(request: Request, body: PauseRequest) -> dict[str, Any]:
        """Pause or resume the counter."""
        return desk.pause(session_of(request), body.paused)

    @api.get("/counters", responses=error_responses(503))
    async def counters() -> list[dict[str, Any]]:
        """Every counter and whether it is open."""
        with queue.store.read() as tx:
            rows = {int(r["number"]): r for r in tx.all("SELECT * FROM counters")}
        return [
            {
                "number": c.number,
                "name": c.name or f"Quầy {c.number}",
                "services": c.services,
                "status": rows[c.number]["status"] if c.number in rows else "closed",
            }
            for c in cfg.counters
        ]

    # ---------------------------------------------------------------- display, reports

    @api.get("/display/state", responses=error_responses(503))
    async def display_state() -> dict[str, Any]:
        """Snapshot for a display board (recent calls, waiting counts, last event number)."""
        return queue.display_state()

    @api.get("/events", responses=error_responses(422, 503))
    async def events(
        request: Request,
        since: Annotated[int | None, Query(ge=0, le=2**63 - 1)] = None,  # SQLite int64
        last_event_id: Annotated[str | None, Header()] = None,
    ) -> StreamingResponse:
        """Server-sent events from a sequence number on (Last-Event-ID honoured)."""
        start_at = since if since is not None else queue.store.last_event_seq()
        if last_event_id and last_event_id.isascii() and last_event_id.isdigit() and len(last_event_id) < 19:
            start_at = max(start_at, int(last_event_id))
        return StreamingResponse(
            stream(queue.store, hub, start_at, request.is_disconnected, queue.now_ts),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    @api.get("/reports", response_model=None, responses=error_responses(401, 422, 503))
    def report(
        request: Request,
        day: Annotated[date | None, Query()] = None,
        group: Annotated[reports.GroupBy, Query()] = reports.GroupBy.SERVICE,
        format: Annotated[Literal["json", "csv"], Query()] = "json",  # noqa: A002 - public query name
    ) -> Any:
        """A day's figures per service, counter or staff member (JSON or CSV); staff only."""
        session_of(request)
        the_day = (day or queue.local_now().date()).isoformat()
        labels = {
            reports.GroupBy.SERVICE: {s.code: s.name_vi for s in cfg.services},
            reports.GroupBy.COUNTER: {str(c.number): c.name or f"Quầy {c.number}" for c in cfg.counters},
            reports.GroupBy.STAFF: {s.staff_id: s.name for s in cfg.staff},
        }[group]
        rows = reports.day_report(queue.store, the_day, group, cfg.wait_target_min, labels)
        if format == "csv":
            return PlainTextResponse(
                reports.to_csv(rows),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="queue-{the_day}-{group.value}.csv"'},
            )
        return {"day": the_day, "group": group.value, "wait_target_min": cfg.wait_target_min, "rows": rows}

    @api.get("/voice/announcement", responses=error_responses(422))
    async def voice(
        number: Annotated[str, Query(min_length=2, max_length=8)], counter: Annotated[int, Query(ge=1, le=99)]
    ) -> dict[str, Any]:
        """The clip list and text of an announcement."""
        try:
            clips = speech.announcement(number, counter)
        except ValueError as err:
            raise QueueError(422, "invalid_request", str(err), field="number") from err
        return {
            "clips": clips,
            "text_vi": speech.announcement_text(number, counter),
            "text_en": speech.announcement_text_en(number, counter),
        }

    return api


def _counter_action(
    action: Callable[[Session], dict[str, Any]], session_of: Callable[[Request], Session]
) -> Callable[[Request], Awaitable[dict[str, Any]]]:
    """The route of a one-button counter action: the caller's session, then the action."""

    async def endpoint(request: Request) -> dict[str, Any]:
        return action(session_of(request))

    return endpoint
