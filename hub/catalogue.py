"""The central catalogue's HTTP API and editor page (docs/hub.md "Central catalogue").

Centers pull `GET /api/v1/catalogue` with their token and `If-None-Match` (304 while unchanged)
and report what they did with it (`POST /api/v1/catalogue/status`). Supervisors sign in with
name, PIN and authenticator code and get a session token for the editing routes; a center's or a
reader's token can change nothing here.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from psycopg_pool import ConnectionPool
from pydantic import BaseModel, ConfigDict, Field

from common.api_errors import error_responses
from common.clock import Clock
from common.sealed import SecretBox
from hub import catalogue_store as store
from hub import catalogue_texts
from hub.auth import HubError, authorize
from hub.config import HubConfig
from hub.supervisors import SignInFailed, Supervisor, key_path, open_box, session, sign_in, sign_out
from hub.tokens import lookup
from queueing.catalogue_model import CatalogueOut, CatalogueStatusIn

log = logging.getLogger(__name__)

SIGN_IN_PATH = "/api/v1/supervisor/sign-in"
#: A browser where a supervisor signed in (`hub.supervisors.sign_in`); sent only to the sign-in route.
DEVICE_COOKIE = "hubdevice"
HERE = Path(__file__).resolve().parent


class SignInIn(BaseModel):
    """A supervisor's sign-in."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=32)
    pin: str = Field(min_length=1, max_length=12)
    totp: str = Field(min_length=1, max_length=10)


class SignInOut(BaseModel):
    """A session: send `Authorization: Bearer <token>` to the editing routes until `expires_at`."""

    token: str
    name: str
    expires_at: datetime


class ScopeOut(BaseModel):
    """One scope's stored document (`document` None and version 0 when there is none yet)."""

    scope: str
    version: int
    document: dict[str, Any] | None
    updated_at: datetime | None = None
    updated_by: str | None = None


class EditIn(BaseModel):
    """A new document for one scope; `base_version` is the version the editor read (0: none)."""

    model_config = ConfigDict(extra="forbid")

    document: dict[str, Any]
    base_version: int | None = Field(default=None, ge=0)


class SavedOut(BaseModel):
    """The version the change got."""

    scope: str
    version: int


class RemoveIn(BaseModel):
    """Remove a center's override read at `base_version`."""

    model_config = ConfigDict(extra="forbid")

    base_version: int | None = Field(default=None, ge=0)


class MergedOut(BaseModel):
    """What a center serves (or would, with a draft override): the province's catalogue with the
    override merged over it; `document` None and `problem` saying why when that is not valid."""

    center_id: str
    document: dict[str, Any] | None
    problem: str | None = None


class PreviewIn(BaseModel):
    """A draft override to merge (not saved)."""

    model_config = ConfigDict(extra="forbid")

    document: dict[str, Any]


class CenterStatusOut(BaseModel):
    """A center, whether it has an override, and what it last did with the catalogue."""

    center_id: str
    name: str
    override: bool
    serves_etag: str | None  # what the hub would send it now
    etag: str | None  # what it last reported
    version: int | None
    outcome: str | None
    reason: str | None
    at: datetime | None


class AuditOut(BaseModel):
    """One audit row."""

    id: int
    at: datetime
    actor: str
    action: str
    scope: str | None
    version: int | None
    detail: str
    before: Any = None
    after: Any = None


AuthHeader = Annotated[str | None, Header(alias="Authorization")]


def build_catalogue_router(pool: ConnectionPool, clock: Clock, config: HubConfig) -> APIRouter:  # noqa: C901 - its route closures count toward it
    """The catalogue's routes on the hub's pool (included by hub.app)."""

    router = APIRouter()
    settings = config.catalogue
    boxes: list[SecretBox] = []  # opened at the first sign-in (the key file is made then if missing)

    def box() -> SecretBox:
        if not boxes:
            boxes.append(open_box(key_path(settings, config.data_dir)))
        return boxes[0]

    templates = Jinja2Templates(directory=str(HERE / "templates"))

    def supervisor(conn: psycopg.Connection, authorization: str | None) -> Supervisor:
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise HubError(401, "unauthorized", "Sign in as a supervisor (POST /api/v1/supervisor/sign-in).")
        found = session(conn, token, clock.now())
        if found is not None:
            return found
        if lookup(conn, token) is not None:
            raise HubError(403, "forbidden", "Only a signed-in supervisor may change the catalogue.")
        raise HubError(401, "unauthorized", "Your supervisor session ended; sign in again.")

    def scope_out(found: store.Stored | None, scope: str) -> ScopeOut:
        if found is None:
            return ScopeOut(scope=scope, version=0, document=None)
        return ScopeOut(
            scope=scope,
            version=found.version,
            document=found.document,
            updated_at=found.updated_at,
            updated_by=found.updated_by,
        )

    def save(conn: psycopg.Connection, who: Supervisor, scope: str, body: EditIn) -> SavedOut:
        try:
            version = store.save(conn, scope, body.document, who.name, body.base_version)
        except store.CatalogueInvalid as err:
            raise HubError(422, "invalid_catalogue", f"{err}. Correct it and save again.") from err
        except store.CatalogueConflict as err:
            raise HubError(409, "catalogue_changed", str(err)) from err
        log.info("catalogue %s changed by %s (version %d)", scope, who.name, version)
        return SavedOut(scope=scope, version=version)

    @router.post(SIGN_IN_PATH, response_model=SignInOut, responses=error_responses(401, 422))
    def supervisor_sign_in(body: SignInIn, request: Request, response: Response) -> SignInOut:
        """Name, PIN and authenticator code -> a session token (locked after repeated failures).

        Also sets the browser's `hubdevice` cookie: failures sent later with it count against this
        browser alone (`device_trust_days`), so other devices' tries cannot lock the person out here.
        """
        with pool.connection() as conn:
            try:
                token, who, device = sign_in(
                    conn,
                    box(),
                    body.name,
                    body.pin,
                    body.totp,
                    clock.now(),
                    settings,
                    request.cookies.get(DEVICE_COOKIE),
                )
            except SignInFailed as err:
                raise HubError(401, "bad_credentials", str(err)) from err
        if device is not None:
            response.set_cookie(
                DEVICE_COOKIE,
                device,
                httponly=True,
                samesite="strict",
                max_age=settings.device_trust_days * 86_400,
                path=SIGN_IN_PATH,
            )
        return SignInOut(token=token, name=who.name, expires_at=who.expires_at)

    @router.post("/api/v1/supervisor/sign-out", status_code=204, responses=error_responses(401))
    def supervisor_sign_out(authorization: AuthHeader = None) -> Response:
        """End this session."""
        with pool.connection() as conn:
            supervisor(conn, authorization)
            sign_out(conn, (authorization or "").partition(" ")[2].strip())
        return Response(status_code=204)

    @router.get(
        "/api/v1/catalogue",
        response_model=CatalogueOut,
        responses={**error_responses(401, 403, 404), 304: {"description": "unchanged since If-None-Match"}},
    )
    def center_catalogue(
        authorization: AuthHeader = None,
        if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
    ) -> Response:
        """The calling center's whole catalogue; 304 when its ETag is the one the center holds."""
        with pool.connection() as conn:
            who = authorize(conn, authorization, "center")
            assert who.center_id is not None
            found = store.effective(conn, who.center_id)
        if found is None:
            raise HubError(
                404, "no_catalogue", "No catalogue is published for this center; it keeps its own config."
            )
        etag = f'"{found.etag}"'
        if if_none_match and etag in [t.strip() for t in if_none_match.split(",")]:
            return Response(status_code=304, headers={"ETag": etag})
        out = CatalogueOut.model_validate(
            {
                "center_id": who.center_id,
                "version": found.version,
                "etag": found.etag,
                "catalogue": found.document,
            }
        )
        return Response(out.model_dump_json(), media_type="application/json", headers={"ETag": etag})

    @router.post("/api/v1/catalogue/status", status_code=204, responses=error_responses(401, 403, 422))
    def center_status(body: CatalogueStatusIn, authorization: AuthHeader = None) -> Response:
        """The calling center applied or refused the catalogue `etag` (and why)."""
        with pool.connection() as conn:
            who = authorize(conn, authorization, "center")
            assert who.center_id is not None
            store.record_status(
                conn, who.center_id, body.etag, body.version, body.outcome, body.reason, clock.now()
            )
        if body.outcome == "refused":
            log.warning(
                "center %s refused catalogue version %d: %s", who.center_id, body.version, body.reason
            )
        return Response(status_code=204)

    @router.get("/api/v1/catalogue/all", response_model=ScopeOut, responses=error_responses(401, 403))
    def get_all(authorization: AuthHeader = None) -> ScopeOut:
        """The province's catalogue (every center's unless overridden)."""
        with pool.connection() as conn:
            supervisor(conn, authorization)
            return scope_out(store.read(conn, store.ALL), store.ALL)

    @router.put(
        "/api/v1/catalogue/all", response_model=SavedOut, responses=error_responses(401, 403, 409, 422)
    )
    def put_all(body: EditIn, authorization: AuthHeader = None) -> SavedOut:
        """Replace the province's catalogue (whole: services, hours, holidays)."""
        with pool.connection() as conn:
            return save(conn, supervisor(conn, authorization), store.ALL, body)

    @router.get(
        "/api/v1/catalogue/centers/{center_id}", response_model=ScopeOut, responses=error_responses(401, 403)
    )
    def get_override(center_id: str, authorization: AuthHeader = None) -> ScopeOut:
        """A center's override (the keys it replaces)."""
        with pool.connection() as conn:
            supervisor(conn, authorization)
            return scope_out(store.read(conn, center_id), center_id)

    @router.put(
        "/api/v1/catalogue/centers/{center_id}",
        response_model=SavedOut,
        responses=error_responses(401, 403, 409, 422),
    )
    def put_override(center_id: str, body: EditIn, authorization: AuthHeader = None) -> SavedOut:
        """Set a center's override (merged over the province's: services by code and field, hours
        by weekday, holidays added and `holidays_removed`)."""
        if center_id == store.ALL:
            raise HubError(422, "invalid_catalogue", "Use PUT /api/v1/catalogue/all for every center.")
        with pool.connection() as conn:
            return save(conn, supervisor(conn, authorization), center_id, body)

    @router.get(
        "/api/v1/catalogue/centers/{center_id}/merged",
        response_model=MergedOut,
        responses=error_responses(401, 403),
    )
    def get_merged(center_id: str, authorization: AuthHeader = None) -> MergedOut:
        """What the center serves now: the province's catalogue with its override merged over it."""
        with pool.connection() as conn:
            supervisor(conn, authorization)
            try:
                return MergedOut(center_id=center_id, document=store.preview(conn, center_id, None))
            except store.CatalogueInvalid as err:
                return MergedOut(center_id=center_id, document=None, problem=str(err))

    @router.post(
        "/api/v1/catalogue/centers/{center_id}/preview",
        response_model=MergedOut,
        responses=error_responses(401, 403, 422),
    )
    def preview(center_id: str, body: PreviewIn, authorization: AuthHeader = None) -> MergedOut:
        """What the center would serve with this override (nothing saved); 422 naming the field."""
        with pool.connection() as conn:
            supervisor(conn, authorization)
            try:
                return MergedOut(center_id=center_id, document=store.preview(conn, center_id, body.document))
            except store.CatalogueInvalid as err:
                raise HubError(422, "invalid_catalogue", f"{err}. Correct it and try again.") from err

    @router.post(
        "/api/v1/catalogue/centers/{center_id}/remove",
        response_model=SavedOut,
        responses=error_responses(401, 403, 409, 422),
    )
    def remove_override(center_id: str, body: RemoveIn, authorization: AuthHeader = None) -> SavedOut:
        """Remove a center's override: it serves the province's catalogue again."""
        with pool.connection() as conn:
            who = supervisor(conn, authorization)
            try:
                version = store.clear(conn, center_id, who.name, body.base_version)
            except store.CatalogueInvalid as err:
                raise HubError(422, "no_override", str(err)) from err
            except store.CatalogueConflict as err:
                raise HubError(409, "catalogue_changed", str(err)) from err
        return SavedOut(scope=center_id, version=version)

    @router.get(
        "/api/v1/catalogue/centers", response_model=list[CenterStatusOut], responses=error_responses(401, 403)
    )
    def centers_status(authorization: AuthHeader = None) -> list[CenterStatusOut]:
        """Every center: has it an override, what it would get now, what it last applied or refused."""
        with pool.connection() as conn:
            supervisor(conn, authorization)
            with_override = {o.scope for o in store.overrides(conn)}
            rows = store.statuses(conn)
            serves = store.effective_all(conn, [r["center_id"] for r in rows])
        out = []
        for row in rows:
            found = serves[row["center_id"]]
            out.append(
                CenterStatusOut(
                    **row,
                    override=row["center_id"] in with_override,
                    serves_etag=found.etag if found else None,
                )
            )
        return out

    @router.get("/api/v1/catalogue/audit", response_model=list[AuditOut], responses=error_responses(401, 403))
    def get_audit(
        authorization: AuthHeader = None, limit: Annotated[int, Query(ge=1, le=1000)] = 100
    ) -> list[AuditOut]:
        """The audit trail, newest first: every change, sign-in and center's outcome."""
        with pool.connection() as conn:
            supervisor(conn, authorization)
            return [AuditOut(**r) for r in store.audit_trail(conn, limit)]

    @router.get("/catalogue", response_class=HTMLResponse, include_in_schema=False)
    def editor_page(request: Request) -> HTMLResponse:
        """The catalogue editor (the page holds no data; its script signs in and asks)."""
        return templates.TemplateResponse(
            request, "catalogue.html", {"t": catalogue_texts.both, "texts": catalogue_texts.all_both()}
        )

    return router
