"""JSON HTTP API (/api/v1/...): routes, auth, rate limits; the use cases do the work.

Request bodies and error answers are in `queueing.api_models` (re-exported here).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Callable
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from common.api_errors import error_responses
from common.rate_limit import RateLimiter
from common.storage_guard import ADVICE as STORAGE_ADVICE
from contracts.common import ConfigWarning
from contracts.queueing import QueueHealth
from contracts.queueing_counter import KioskHelpAnswer, KioskHelpRequest
from contracts.queueing_display import Announcement, DisplayState
from contracts.queueing_tickets import (
    IssuedTicket,
    PriorityClass,
    Rated,
    ServiceOverview,
    TicketConfirmed,
    TicketStatus,
    TicketVoided,
)
from queueing import events_repo, speech, texts, tickets_repo
from queueing.api_models import (
    ConfirmRequest,
    RatingRequest,
    TicketRequest,
    VoidRequest,
    issued_answer,
    storage_error_response,
)
from queueing.counters import CounterDesk
from queueing.errors import QueueError
from queueing.events import EventHub, EventStreamResponse, stream
from queueing.issuing import refuse_kiosk_only_fields
from queueing.kiosk_help import KioskHelp, kiosk_name
from queueing.kiosk_token import SHARED, KioskToken, is_kiosk
from queueing.service import QueueService
from queueing.staff import Session
from queueing.store import StoreBusy

log = logging.getLogger(__name__)

__all__ = ["build_router", "storage_error_response", "TicketRequest", "ConfirmRequest"]

#: Health answers within this many seconds whatever holds the database (then 'degraded').
HEALTH_ANSWER_S = 2.5
#: How long health waits for the database's write lock before saying who holds it.
HEALTH_LOCK_WAIT_S = 0.5

SESSION_COOKIE = "qsession"
DEVICE_COOKIE = "qdevice"
#: A phone's device id as the phone page's cookie holds it (`secrets.token_urlsafe(12)`); any
#: other value (a 60 KB header, `staff:cb01`) is ignored and the phone counts by its address.
PHONE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{16}$")
#: A browser where counter staff signed in (`queueing.staff_accounts.StaffAccounts.verify`).
STAFF_DEVICE_COOKIE = "qstaffdevice"


def phone_id(request: Request) -> str | None:
    """The phone page's device id (cookie, or `X-Device-Id` for an app), when well formed."""
    sent = request.cookies.get(DEVICE_COOKIE) or request.headers.get("x-device-id") or ""
    return sent if PHONE_ID_RE.fullmatch(sent) else None


def session_token(request: Request) -> str | None:
    """The staff session token a request carries: `Authorization: Bearer`, else the cookie."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.cookies.get(SESSION_COOKIE)


def build_router(  # noqa: C901 - its route closures count toward it
    queue: QueueService,
    desk: CounterDesk,
    hub: EventHub,
    kiosk_token: KioskToken,
    kiosk_help: KioskHelp,
    sweeper_alive: Callable[[], bool] = lambda: True,
) -> APIRouter:
    """The /api/v1 routes of tickets, kiosks, health and display boards (the counters' are in
    `queueing.counter_api`).

    Routes that touch the database (or hash a PIN) are plain `def`: FastAPI runs them in its
    thread pool, so a database held by another program (a write waits up to
    `sqlite_busy_timeout_s`) never freezes the event loop, health, the display board or the
    consoles. Health and the event stream are `async` and hand their database work to threads
    themselves; the routes that only read the config stay `async`.
    """
    api = APIRouter(prefix="/api/v1")
    cfg = queue.config
    remote_limiter = RateLimiter(
        cfg.remote_max_per_window, cfg.remote_rate_window_s, cfg.remote_rate_max_keys
    )

    address_secret = secrets.token_bytes(32)  # this run's: addresses are kept only as keyed hashes

    def address_key(client: str) -> str:
        """A phone that sent no device id counts by its address, kept as a keyed hash (never the
        address itself, which privacy.md promises not to keep; a restart starts a new key)."""
        return "addr:" + hmac.new(address_secret, client.encode(), hashlib.sha256).hexdigest()[:24]

    def session_of(request: Request) -> Session:
        """The staff session of a request (cookie or bearer token), or 401."""
        return desk.session(session_token(request))

    def kiosk_or_staff(request: Request) -> str:
        """'kiosk' for the shared kiosk token, 'kiosk:<name>' for a named kiosk's, 'staff:<id>'
        for a signed-in staff member, else 401."""
        auth = request.headers.get("authorization", "")
        bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        kiosk = kiosk_token.caller(bearer)
        if kiosk:
            return kiosk
        token = bearer or request.cookies.get(SESSION_COOKIE)
        if token:
            try:
                return f"staff:{desk.session(token).staff.staff_id}"
            except QueueError:
                pass
        raise QueueError(
            401,
            "not_kiosk",
            "Only a kiosk (Authorization: Bearer <kiosk token>) or signed-in counter staff may do this; "
            "phones take tickets with channel 'remote'.",
        )

    @api.post(
        "/tickets",
        status_code=201,
        response_model=IssuedTicket,
        responses=error_responses(400, 401, 403, 404, 409, 422, 429, 503),
    )
    def issue(
        body: TicketRequest,
        request: Request,
        idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
    ) -> Response:
        """Take a number. Channel `kiosk` (pending until confirmed; `priority`, `id_hash`,
        `birth_date` allowed) needs the kiosk token or a staff session; channel `remote` (phones)
        is rate limited per phone and per address and never takes a priority."""
        device: str | None = None
        refuse_kiosk_only_fields(body.channel, body.priority, body.birth_date, body.id_hash)
        if body.channel == "remote":
            if not cfg.remote_enabled:
                raise QueueError(403, "remote_disabled", texts.say("remote_disabled"))
            client = request.client.host if request.client else "?"
            device = phone_id(request) or address_key(client)
            wait = remote_limiter.hit(device, f"ip:{client}")
            if wait is not None:
                raise QueueError(
                    429,
                    "throttled",
                    texts.say("throttled"),
                    retry_after_s=int(wait) + 1,
                )
        else:
            caller = kiosk_or_staff(request)
            if caller != SHARED:
                device = caller  # a named kiosk, or a counter on a citizen's behalf: attributed
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
        response_model=TicketConfirmed,
        responses=error_responses(401, 404, 409, 422, 503),
    )
    def confirm(ticket_id: str, body: ConfirmRequest, request: Request) -> Response:
        """The kiosk printed or showed the ticket: it joins the queue (kiosk token or staff)."""
        kiosk_or_staff(request)
        return JSONResponse(queue.confirm(ticket_id, body.delivery).model_dump(mode="json"))

    health_threads = anyio.CapacityLimiter(2)  # its own: a busy request pool cannot starve it

    def health_body() -> QueueHealth:
        """Counts, and whether a write could start now (runs in a thread, bounded waits)."""
        waiting = pending = event_seq = None  # not known when the database cannot be read
        try:
            with queue.store.read() as conn:
                waiting = sum(queue.waiting_counts(conn).values())
                pending = tickets_repo.pending_count(conn)
                event_seq = events_repo.last_seq(conn)
        except StoreBusy as err:
            problem: str | None = str(err)
        except Exception as err:  # noqa: BLE001 - health must answer whatever broke
            log.error("health check: queue database unusable: %s", err)
            problem = f"queue database: {err}"
        else:
            problem = queue.store.write_problem(wait_s=HEALTH_LOCK_WAIT_S)
        if problem is None and not sweeper_alive():
            problem = "pending-ticket sweeper stopped"
        return QueueHealth(
            status="ok" if problem is None else "degraded",
            waiting=waiting,
            pending=pending,
            event_seq=event_seq,
            displays_connected=hub.listeners,
            event_streams_refused=hub.refused,
            # site-config problems for staff (queueing.app.config_warnings)
            warnings=[ConfigWarning.model_validate(w) for w in queue.warnings],
            problem=problem,
        )

    @api.get("/health", response_model=QueueHealth, responses=error_responses(503))
    async def health() -> Response:
        """Liveness and a few numbers: 'degraded' (200) with the problem when the database is
        locked or unusable or the sweeper stopped; 503 'failed' when the data directory or
        database file was deleted or replaced (writes refused until it is restored and the
        service restarted)."""
        failed = queue.store.storage_problem()
        if failed is not None:
            return JSONResponse(
                {"status": "failed", "problem": f"queue {failed}; writes refused", "action": STORAGE_ADVICE},
                status_code=503,
            )
        with anyio.move_on_after(HEALTH_ANSWER_S):
            body = await anyio.to_thread.run_sync(health_body, abandon_on_cancel=True, limiter=health_threads)
            return JSONResponse(body.model_dump(mode="json", exclude_none=True))  # no counts when busy
        return JSONResponse(
            {
                "status": "degraded",
                "problem": f"the health check did not finish within {HEALTH_ANSWER_S:g} s (database busy)",
                "displays_connected": hub.listeners,
            }
        )

    @api.get("/services", response_model=list[ServiceOverview], responses=error_responses(503))
    def services() -> list[ServiceOverview]:
        """Services with open/closed state, waiting count and wait range."""
        return queue.services_overview()

    @api.get("/priorities", response_model=list[PriorityClass])
    async def priorities() -> list[PriorityClass]:
        """Priority classes the kiosk offers."""
        return queue.priorities()

    @api.get("/tickets/{ticket_id}", response_model=TicketStatus, responses=error_responses(404, 503))
    def ticket(ticket_id: str) -> TicketStatus:
        """A ticket's state, place in the queue and wait range."""
        return queue.status(ticket_id)

    @api.post(
        "/tickets/{ticket_id}/void",
        response_model=TicketVoided,
        responses=error_responses(401, 404, 409, 422, 503),
    )
    def void(ticket_id: str, request: Request, body: VoidRequest | None = None) -> TicketVoided:
        """Cancel a ticket that was never delivered (kiosk token or staff)."""
        kiosk_or_staff(request)
        return queue.void(ticket_id, body.reason if body else "kiosk")

    @api.post(
        "/tickets/{ticket_id}/rating", response_model=Rated, responses=error_responses(404, 409, 422, 503)
    )
    def rating(ticket_id: str, body: RatingRequest) -> Rated:
        """Satisfaction score 1..5 after service."""
        return queue.rate(ticket_id, body.score)

    @api.post("/kiosk/help", response_model=KioskHelpAnswer, responses=error_responses(401, 422, 503))
    def kiosk_help_call(
        body: KioskHelpRequest,
        request: Request,
        x_kiosk_id: Annotated[str | None, Header()] = None,
    ) -> KioskHelpAnswer:
        """A citizen at the kiosk `X-Kiosk-Id` pressed "Call staff" (`requested`) or cancelled it
        (`ok`): every counter console shows or drops a `kiosk_help` banner. Kiosk token only."""
        caller = kiosk_or_staff(request)
        if not is_kiosk(caller):
            raise QueueError(
                401, "not_kiosk", "Only a kiosk (Authorization: Bearer <kiosk token>) calls staff."
            )
        named = caller.partition(":")[2]  # a named kiosk's token says which kiosk it is
        return kiosk_help.set(named or kiosk_name(x_kiosk_id), body.screen, body.state)

    # ---------------------------------------------------------------- display

    @api.get("/display/state", response_model=DisplayState, responses=error_responses(503))
    def display_state() -> DisplayState:
        """Snapshot for a display board (recent calls, waiting counts, last event number)."""
        return queue.display_state()

    @api.get("/events", response_model=None, responses=error_responses(422, 503))
    async def events(
        request: Request,
        since: Annotated[int | None, Query(ge=0, le=2**63 - 1)] = None,  # SQLite int64
        last_event_id: Annotated[str | None, Header()] = None,
    ) -> StreamingResponse:
        """Server-sent events from a sequence number on (Last-Event-ID honoured).

        At most `events_max_streams_per_client` streams per client address and
        `events_max_streams_total` in all; more get 503 `too_many_streams` with Retry-After.
        """
        sub = hub.subscribe(request.client.host if request.client else "")
        try:
            start_at = (
                since if since is not None else await anyio.to_thread.run_sync(queue.store.last_event_seq)
            )
        except BaseException:
            hub.unsubscribe(sub)
            raise
        if last_event_id and last_event_id.isascii() and last_event_id.isdigit() and len(last_event_id) < 19:
            start_at = max(start_at, int(last_event_id))
        return EventStreamResponse(
            stream(queue.store, hub, sub, start_at, request.is_disconnected, queue.now_ts), hub, sub
        )

    @api.get("/voice/announcement", response_model=Announcement, responses=error_responses(422))
    async def voice(
        number: Annotated[str, Query(min_length=2, max_length=8)], counter: Annotated[int, Query(ge=1, le=99)]
    ) -> Announcement:
        """The clip list and text of an announcement."""
        try:
            clips = speech.announcement(number, counter)
        except ValueError as err:
            raise QueueError(422, "invalid_request", str(err), field="number") from err
        return Announcement(
            clips=clips,
            text_vi=speech.announcement_text(number, counter),
            text_en=speech.announcement_text_en(number, counter),
        )

    return api
