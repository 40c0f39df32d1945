"""HTTP API of the locker daemon (FastAPI): the app, who may call, health; the routes of each area
are in `locker.api_*` (and `locker.handover_api`). Paths and bodies are documented in docs/locker.md.

Errors are always `{"error": code, "message": what to do, ...}`; validation errors become 422
`invalid_request` naming the field. Kiosk calls need the kiosk token, staff calls a session token.
"""

import hmac
import logging
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import FileResponse, JSONResponse

from common.api_errors import document_errors, error_responses, install_error_handlers
from common.config import REPO_ROOT
from common.http_guard import GuardPolicy, HttpGuard
from contracts.locker import LockerErrorBody
from contracts.locker_kiosk import LockerHealth
from locker.api_alarms import alarm_routes
from locker.api_audit import audit_routes
from locker.api_compartments import compartment_routes
from locker.api_deposits import deposit_routes
from locker.api_dossiers import dossier_routes
from locker.api_kiosk import kiosk_routes
from locker.api_models import bearer_token, kiosk_id, transition_error_response
from locker.api_pickups import pickup_routes
from locker.api_receipts import receipt_routes
from locker.api_staff import staff_routes
from locker.domain import TransitionError
from locker.handover_api import handover_photos, handover_routes
from locker.service import LockerService
from locker.staff import StaffSession, require_supervisor

log = logging.getLogger(__name__)

FAVICON = REPO_ROOT / "assets" / "images" / "favicon.ico"


def create_app(svc: LockerService) -> FastAPI:
    """Build the FastAPI app around a started LockerService."""
    app = FastAPI(title="Locker daemon", version="1", docs_url="/docs", redoc_url=None)

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

    photos = handover_photos(svc)

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

    kiosk_routes(app, svc, photos, kiosk)
    compartment_routes(app, svc, kiosk_or_staff, staff, supervisor)
    pickup_routes(app, svc, kiosk)
    staff_routes(app, svc, staff, supervisor)
    deposit_routes(app, svc, staff, supervisor)
    alarm_routes(app, svc, kiosk, staff)
    audit_routes(app, svc, staff)
    receipt_routes(app, svc)
    handover_routes(app, photos, kiosk, supervisor)
    dossier_routes(app, svc.dossiers, kiosk, svc.cfg, svc.clock)
    # Outermost (added last): bodies, Origin and headers for every request.
    # No browser page of the locker sends state-changing requests: only its own loopback address
    # may (the API docs' "try it out"); the kiosk and lockerctl send no Origin.
    app.add_middleware(
        HttpGuard,
        policy=GuardPolicy.for_service(svc.cfg.max_body_bytes, docs_paths=["/docs", "/docs/oauth2-redirect"]),
    )
    return app
