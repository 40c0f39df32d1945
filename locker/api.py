"""HTTP API of the locker daemon (FastAPI). Paths and bodies are documented in docs/locker.md.

Errors are always `{"error": code, "message": what to do, ...}`; validation errors become 422
`invalid_request` naming the field. Kiosk calls need the kiosk token, staff calls a session token.
"""

import hmac
import logging
import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, FastAPI, Header, Path, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response

from common.api_errors import document_errors, error_responses, install_error_handlers
from common.config import REPO_ROOT
from common.http_guard import GuardPolicy, HttpGuard
from contracts.locker import LockerErrorBody
from contracts.locker_alarms import AlarmAcked, AlarmRow, KioskAlarmRaised
from contracts.locker_audit import AuditLog
from contracts.locker_compartments import CabinetView, CompartmentRow, ForcedOpen, Reconciled
from contracts.locker_deposits import (
    CodeIssued,
    DepositCancelled,
    DepositMoved,
    DepositOpened,
    DepositReopened,
    DepositRow,
    DepositUnblocked,
    DepositWithdrawn,
)
from contracts.locker_kiosk import DeviceReported, KioskConfig, LockerHealth
from contracts.locker_loading import CounterBody, KeptAtCounter
from contracts.locker_pickup import PickupAnswer, PickupRetryAnswer, ReceiptCheck
from contracts.locker_staff import SignedOut, StaffEnrolled, StaffReenrolled, StaffSignedIn, WhoAmI
from locker import audit
from locker.api_dossiers import dossier_routes
from locker.api_models import (
    DepositBody,
    ForceBody,
    KioskAlarmBody,
    KioskDeviceBody,
    PickupBody,
    SessionBody,
    StaffBody,
    bearer_token,
    kiosk_id,
    locker_error_response,
    transition_error_response,
)
from locker.domain import TransitionError
from locker.errors import Forbidden, InvalidInput, LockerError, NotFound, Throttled
from locker.handover_api import handover_photos, handover_routes
from locker.receipts import PAGE_HEADERS, RateLimit, Receipts, VerifyPage
from locker.service import LockerService
from locker.staff import StaffSession, require_supervisor

log = logging.getLogger(__name__)

DEPOSIT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""What a deposit id may look like where one is given as a query parameter (ids are d + 12 hex)."""

FAVICON = REPO_ROOT / "assets" / "images" / "favicon.ico"


def create_app(svc: LockerService) -> FastAPI:  # noqa: C901 - its route closures count toward it
    """Build the FastAPI app around a started LockerService."""
    app = FastAPI(title="Locker daemon", version="1", docs_url="/docs", redoc_url=None)

    @app.exception_handler(LockerError)
    async def _locker_error(_: Request, err: LockerError) -> JSONResponse:
        return locker_error_response(err)

    @app.exception_handler(TransitionError)
    async def _transition(_: Request, err: TransitionError) -> JSONResponse:
        return transition_error_response(err)

    install_error_handlers(
        app,
        log=log,
        docs_path="/docs",
        unexpected_message=lambda: f"Internal error; call the hotline {svc.cfg.hotline}.",
    )
    document_errors(app, LockerErrorBody)

    async def kiosk(
        authorization: Annotated[str | None, Header()] = None,
        x_kiosk_id: Annotated[str | None, Header()] = None,
    ) -> str:
        # async: a constant-time compare needs no worker thread (one thread hop less per pickup)
        return kiosk_id(svc.kiosk_token, authorization, x_kiosk_id)

    def staff(authorization: Annotated[str | None, Header()] = None) -> StaffSession:
        return svc.staff.session(bearer_token(authorization))

    def kiosk_or_staff(authorization: Annotated[str | None, Header()] = None) -> str:
        token = bearer_token(authorization)
        if hmac.compare_digest(token.encode(), svc.kiosk_token.encode()):
            return "kiosk"
        return svc.staff.session(token).staff_id

    def supervisor(sess: Annotated[StaffSession, Depends(staff)]) -> StaffSession:
        require_supervisor(sess)
        return sess

    Kiosk = Annotated[str, Depends(kiosk)]
    photos = handover_photos(svc)
    Staff = Annotated[StaffSession, Depends(staff)]
    Super = Annotated[StaffSession, Depends(supervisor)]

    @app.get("/api/v1/health", response_model=LockerHealth, responses=error_responses(503))
    def health(request: Request) -> JSONResponse:
        """Answers anyone (200, or 503 when the storage failed); device URLs, bus errors and the
        storage problem's path only with a staff session token in `Authorization`."""
        auth = request.headers.get("authorization") or ""
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        detail = bool(token) and not hmac.compare_digest(token.encode(), svc.kiosk_token.encode())
        detail = detail and svc.staff.peek(token) is not None
        body = svc.health(detail)
        return JSONResponse(body, status_code=503 if body["status"] == "failed" else 200)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> FileResponse:
        """The tab icon browsers ask the /verify pages for (the queueing pages' icon)."""
        return FileResponse(FAVICON, media_type="image/x-icon", headers={"Cache-Control": "max-age=86400"})

    @app.get("/api/v1/kiosk/config", response_model=KioskConfig, responses=error_responses(401))
    def kiosk_config(_: Kiosk) -> dict[str, Any]:
        return {
            "second_factor": svc.cfg.codes.second_factor.value,
            "code_length": svc.cfg.codes.length_digits,
            "hotline": svc.cfg.hotline,
            "center_name": svc.cfg.center_name,
            "handover_photo": photos.enabled,
            "handover_photo_max_bytes": svc.cfg.handover_photo.max_jpeg_bytes,
            "handover_photo_keep_days": svc.cfg.handover_photo.retention_days,
        }

    @app.get("/api/v1/cabinet", response_model=CabinetView, responses=error_responses(401))
    def cabinet(_: Annotated[str, Depends(kiosk_or_staff)]) -> dict[str, Any]:
        return svc.cabinet_view()

    @app.post(
        "/api/v1/pickups",
        response_model=PickupAnswer,
        responses=error_responses(401, 409, 410, 422, 423, 429, 503),
    )
    def pickup(body: PickupBody, kid: Kiosk) -> JSONResponse:
        return JSONResponse(svc.pickups.pickup(kid, body.code, body.id_number, body.phone_last4))

    @app.post(
        "/api/v1/pickups/{pickup_id}/retry",
        response_model=PickupRetryAnswer,
        responses=error_responses(401, 404, 409),
    )
    def pickup_retry(pickup_id: str, kid: Kiosk) -> dict[str, Any]:
        return svc.pickups.retry(kid, pickup_id)

    @app.post("/api/v1/staff/sessions", response_model=StaffSignedIn, responses=error_responses(401, 422))
    def sign_in(body: SessionBody) -> dict[str, Any]:
        token, sess = svc.staff.sign_in(body.staff_id, body.pin, body.totp)
        return {
            "token": token,
            "expires_at": sess.expires_at.isoformat(),
            "staff_id": sess.staff_id,
            "role": sess.role.value,
        }

    @app.delete("/api/v1/staff/sessions/current", response_model=SignedOut, responses=error_responses(401))
    def sign_out(sess: Staff) -> dict[str, Any]:
        svc.staff.sign_out(sess)
        return {"signed_out": True}

    @app.post("/api/v1/deposits", response_model=DepositOpened, responses=error_responses(401, 409, 422, 503))
    def create_deposit(body: DepositBody, sess: Staff) -> dict[str, Any]:
        return svc.deposits.create(
            sess,
            body.dossier_code,
            body.phone,
            body.size,
            body.id_number,
            authorised_id_number=body.authorised_id_number,
            authorised_phone=body.authorised_phone,
        )

    @app.post(
        "/api/v1/counter-results", response_model=KeptAtCounter, responses=error_responses(401, 409, 422)
    )
    def keep_at_counter(body: CounterBody, sess: Staff) -> dict[str, Any]:
        """No fitting compartment: the result stays at the counter and the citizen's SMS says so."""
        return svc.deposits.capacity.keep_at_counter(sess, body.dossier_code, body.phone)

    @app.get("/api/v1/deposits", response_model=list[DepositRow], responses=error_responses(401, 422))
    def list_deposits(_: Staff, state: str | None = None) -> list[dict[str, Any]]:
        return svc.custody.list(state)

    @app.get("/api/v1/deposits/{deposit_id}", response_model=DepositRow, responses=error_responses(401, 404))
    def get_deposit(deposit_id: str, _: Staff) -> dict[str, Any]:
        return svc.custody.get(deposit_id)

    @app.post(
        "/api/v1/deposits/{deposit_id}/confirm",
        response_model=CodeIssued,
        responses=error_responses(401, 404, 409),
    )
    def confirm(deposit_id: str, sess: Staff) -> dict[str, Any]:
        return svc.deposits.confirm(sess.staff_id, deposit_id)

    @app.post(
        "/api/v1/deposits/{deposit_id}/reopen",
        response_model=DepositReopened,
        responses=error_responses(401, 404, 409, 503),
    )
    def reopen(deposit_id: str, sess: Staff) -> dict[str, Any]:
        return svc.deposits.reopen(sess, deposit_id)

    @app.post(
        "/api/v1/deposits/{deposit_id}/bigger",
        response_model=DepositMoved,
        responses=error_responses(401, 404, 409, 503),
    )
    def bigger(deposit_id: str, sess: Staff) -> dict[str, Any]:
        return svc.deposits.bigger(sess, deposit_id)

    @app.post(
        "/api/v1/deposits/{deposit_id}/cancel",
        response_model=DepositCancelled,
        responses=error_responses(401, 404, 409),
    )
    def cancel(deposit_id: str, sess: Staff) -> dict[str, Any]:
        return svc.deposits.cancel(sess, deposit_id)

    @app.post(
        "/api/v1/deposits/{deposit_id}/withdraw",
        response_model=DepositWithdrawn,
        responses=error_responses(401, 404, 409, 503),
    )
    def withdraw(deposit_id: str, sess: Staff) -> dict[str, Any]:
        return svc.custody.withdraw(sess, deposit_id)

    @app.post(
        "/api/v1/deposits/{deposit_id}/reissue",
        response_model=CodeIssued,
        responses=error_responses(401, 403, 404, 409),
    )
    def reissue(deposit_id: str, sess: Super) -> dict[str, Any]:
        return svc.custody.reissue(sess, deposit_id)

    @app.post(
        "/api/v1/deposits/{deposit_id}/unblock",
        response_model=DepositUnblocked,
        responses=error_responses(401, 403, 404),
    )
    def unblock(deposit_id: str, sess: Super) -> dict[str, Any]:
        return svc.custody.unblock(sess, deposit_id)

    @app.post(
        "/api/v1/compartments/{label}/open",
        response_model=ForcedOpen,
        responses=error_responses(401, 403, 404, 409, 422),
    )
    def force_open(label: str, body: ForceBody, sess: Super) -> dict[str, Any]:
        return svc.custody.force_open(sess, label, body.reason)

    @app.get("/api/v1/compartments", response_model=list[CompartmentRow], responses=error_responses(401))
    def compartments(_: Staff) -> list[dict[str, Any]]:
        return svc.compartments()

    @app.post("/api/v1/reconcile", response_model=Reconciled, responses=error_responses(401, 403))
    def reconcile(sess: Super) -> dict[str, Any]:
        return {"mismatches": svc.monitor.reconcile(sess.staff_id)}

    @app.get("/api/v1/alarms", response_model=list[AlarmRow], responses=error_responses(401, 422))
    def alarms(_: Staff, open_only: bool = False) -> list[dict[str, Any]]:
        return svc.alarms.list(include_acked=not open_only)

    @app.post(
        "/api/v1/alarms/{alarm_id}/ack", response_model=AlarmAcked, responses=error_responses(401, 404, 422)
    )
    def ack(alarm_id: Annotated[int, Path(le=2**63 - 1)], sess: Staff) -> dict[str, Any]:  # SQLite int64
        svc.alarms.ack(alarm_id, sess.staff_id)
        return {"alarm_id": alarm_id, "acked": True}

    @app.get(
        "/api/v1/audit",
        response_model=AuditLog,
        responses={
            **error_responses(401, 422),
            200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "format=csv"},
        },
    )
    def audit_log(
        _: Staff, deposit_id: str | None = None, day: str | None = None, format: str = "json"
    ) -> Response | dict[str, Any]:  # the API's name
        if format not in ("json", "csv"):
            raise InvalidInput("format", "format must be 'json' or 'csv'")
        if deposit_id and not DEPOSIT_ID.fullmatch(deposit_id):
            raise InvalidInput(
                "deposit_id", "deposit_id must be 1-64 letters, digits, '-' or '_' (e.g. d0123abcd4567)"
            )
        start = end = None
        d = None
        if day:
            try:
                d = date.fromisoformat(day)
                tz = ZoneInfo(svc.cfg.timezone)
                start_dt = datetime.combine(d, time(0), tz).astimezone(svc.clock.now().tzinfo)
                start, end = start_dt.isoformat(), (start_dt + timedelta(days=1)).isoformat()
            except (ValueError, OverflowError) as err:  # 9999-12-31 + 1 day overflows
                raise InvalidInput("day", "day must be a date YYYY-MM-DD (years 0002-9998)") from err
        if not deposit_id and not day:
            raise InvalidInput("day", "give deposit_id or day (YYYY-MM-DD)")
        with svc.store.read() as conn:
            records = audit.query(conn, deposit_id, start, end)
            chain = audit.verify(conn)
        if format == "csv":
            # only checked ASCII in the header: the id matched DEPOSIT_ID, the day was parsed
            name = f"audit-{deposit_id or (d.isoformat() if d else 'all')}.csv"
            return PlainTextResponse(
                audit.to_csv(records),
                media_type="text/csv",
                headers={"Content-Disposition": f'attachment; filename="{name}"'},
            )
        return {"records": records, "chain_ok": chain.ok, "chain_records": chain.records}

    @app.post("/api/v1/staff", response_model=StaffEnrolled, responses=error_responses(401, 403, 409, 422))
    def enrol(body: StaffBody, sess: Super) -> dict[str, Any]:
        uri = svc.staff.add(body.staff_id, body.role, body.pin, actor=sess.staff_id)
        return {"staff_id": body.staff_id, "role": body.role.value, "otpauth_uri": uri}

    @app.post(
        "/api/v1/staff/{staff_id}/reenrol",
        response_model=StaffReenrolled,
        responses=error_responses(401, 403, 404),
    )
    def reenrol(staff_id: str, sess: Super) -> dict[str, Any]:
        uri = svc.staff.reenrol(staff_id, actor=sess.staff_id)  # lost phone: a new authenticator secret
        return {"staff_id": staff_id, "otpauth_uri": uri}

    @app.post("/api/v1/alarms", response_model=KioskAlarmRaised, responses=error_responses(401, 422))
    def kiosk_alarm(body: KioskAlarmBody, kid: Kiosk) -> dict[str, Any]:
        alarm_id = svc.alarms.raise_(body.kind, None, f"kiosk {kid}: {body.message}")
        return {"alarm_id": alarm_id, "raised": alarm_id is not None}

    @app.post(
        "/api/v1/kiosk/devices", response_model=DeviceReported, responses=error_responses(401, 422, 429)
    )
    def kiosk_device(body: KioskDeviceBody, kid: Kiosk) -> dict[str, Any]:
        """The kiosk's printer or camera state: a problem raises `{device}_{state}` for this kiosk
        (once while open); `ok` acknowledges this kiosk's open alarms of that device; `help`
        `requested` raises `kiosk_help` (rate-limited per kiosk), `ok` cancels it."""
        svc.kiosk_devices.report(kid, body.device, body.state, body.detail)
        return {}

    @app.get("/api/v1/staff/whoami", response_model=WhoAmI, responses=error_responses(401))
    def whoami(sess: Staff) -> dict[str, Any]:
        return {"staff_id": sess.staff_id, "role": sess.role.value, "expires_at": sess.expires_at.isoformat()}

    _receipt_routes(app, svc)
    handover_routes(app, photos, kiosk, supervisor)
    dossier_routes(app, svc.dossiers, kiosk, svc.cfg, svc.clock)
    _ = Forbidden  # re-exported error types are mapped by the LockerError handler
    # Outermost (added last): bodies, Origin and headers for every request.
    # No browser page of the locker sends state-changing requests: only its own loopback address
    # may (the API docs' "try it out"); the kiosk and lockerctl send no Origin.
    app.add_middleware(
        HttpGuard,
        policy=GuardPolicy.for_service(svc.cfg.max_body_bytes, docs_paths=["/docs", "/docs/oauth2-redirect"]),
    )
    return app


def _receipt_routes(app: FastAPI, svc: LockerService) -> None:
    """Receipt verification: the page the receipt's QR opens, and its JSON variant."""
    receipts = Receipts(svc.cfg, svc.store, svc.codes)
    page = VerifyPage(svc.cfg)
    limit = RateLimit(svc.cfg.verify_requests_per_min, 60.0, svc.clock)

    def throttle(request: Request) -> int | None:
        return limit.check(request.client.host if request.client else "?")

    def receipt_json(token: str, request: Request) -> dict[str, Any]:
        wait = throttle(request)
        if wait:
            raise Throttled("too_many_checks", f"too many receipt checks; wait {wait} s", retry_after_s=wait)
        view = receipts.verify(token)
        if view is None:
            raise NotFound(
                "unknown_receipt",
                "this receipt is not genuine or not known to this locker; scan its QR code again "
                f"or call the hotline {svc.cfg.hotline}",
                genuine=False,
            )
        return view.as_json()

    @app.get("/api/v1/receipts/{token}", response_model=ReceiptCheck, responses=error_responses(404, 429))
    def receipt(token: str, request: Request) -> dict[str, Any]:
        return receipt_json(token, request)

    @app.get(
        "/verify/{token}",
        response_class=HTMLResponse,
        response_model=None,
        include_in_schema=False,  # a web page (HTML errors too); /api/v1/receipts/{token} is the API
    )
    def verify_page(
        token: str,
        request: Request,
        accept: Annotated[str | None, Header()] = None,
    ) -> Response:
        if accept and "application/json" in accept and "text/html" not in accept:
            return JSONResponse(receipt_json(token, request))
        wait = throttle(request)
        if wait:
            html = page.render("throttled", retry_after_s=wait)
            return HTMLResponse(html, 429, headers={**PAGE_HEADERS, "Retry-After": str(wait)})
        view = receipts.verify(token)
        if view is None:
            return HTMLResponse(page.render("unknown"), 404, headers=PAGE_HEADERS)
        outcome = "genuine" if view.collected else "not_collected"
        return HTMLResponse(page.render(outcome, view), headers=PAGE_HEADERS)
