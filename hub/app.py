"""The hub's HTTP API: centers post events and heartbeats, readers read the fleet.

Every route but /api/v1/health needs `Authorization: Bearer <token>`: a center token may only
post (its own center comes from the token, never from the body) and read nothing; a reader token
may only read. Routes are plain `def`s: FastAPI runs them in its thread pool, each with a
connection from the pool.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import psycopg
from fastapi import FastAPI, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from psycopg_pool import ConnectionPool
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from common.api_errors import document_errors, error_responses, install_error_handlers
from common.clock import Clock, SystemClock
from common.http_guard import GuardPolicy, HttpGuard
from hub import exports, pages, schema
from hub.alarms import FleetAlarm, fleet_alarms
from hub.auth import AuthHeader, HubError, authorize
from hub.catalogue import build_catalogue_router
from hub.config import HubConfig
from hub.fleet import (
    CenterOut,
    DeviceOut,
    Fleet,
    HeartbeatIn,
    HeartbeatOut,
    OverviewOut,
    SummaryOut,
    overview,
    overview_json,
)
from hub.ingest import FIRST_DAY, LAST_DAY, AckOut, batch_openapi, parse_batch, store_batch
from hub.trends import Period, TrendsOut, span, trends

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
FAVICON = HERE.parent / "assets" / "images" / "favicon.ico"


class HealthOut(BaseModel):
    """Liveness and schema version."""

    ok: bool
    schema_version: int


def create_app(config: HubConfig, database_url: str, clock: Clock | None = None) -> FastAPI:  # noqa: C901 - its route closures count toward it
    """The hub app on `database_url` (migrated at start)."""
    clock = clock or SystemClock()
    tz = ZoneInfo(config.timezone)
    fleet = Fleet(config.heartbeat_interval_s, config.offline_after_missed_heartbeats)
    pool = ConnectionPool(
        database_url,
        min_size=1,
        max_size=config.pool_max_connections,
        open=False,
        kwargs={"autocommit": True},
    )
    state: dict[str, int] = {}
    offline_after = timedelta(minutes=config.offline_alarm_after_min)
    listening_since = clock.now()  # silence before it was the hub's, not the centers' (hub.alarms)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        pool.open(wait=True, timeout=30)
        with pool.connection() as conn:
            state["schema_version"] = schema.migrate(conn)
        log.info("hub database ready (schema version %d)", state["schema_version"])
        try:
            yield
        finally:
            pool.close()

    app = FastAPI(title="Province hub", version="1", lifespan=lifespan, docs_url="/api/docs")
    app.state.pool = pool

    @app.exception_handler(psycopg.OperationalError)
    async def _db_down(request: Request, err: psycopg.OperationalError) -> JSONResponse:
        log.error("database unavailable on %s %s: %s", request.method, request.url.path, err)
        body = {"error": "database_unavailable", "message": "The hub's database is unavailable; retry later."}
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(psycopg.DataError)
    async def _unstorable(request: Request, err: psycopg.DataError) -> JSONResponse:
        # a value PostgreSQL cannot take (a NUL character in a text, a number out of its range):
        # the request's fault, nothing was stored
        log.warning("refused on %s %s: %s", request.method, request.url.path, err)
        message = (
            "A value in this request cannot be stored (a NUL character in a text, or a number out "
            "of range): fix it and send again."
        )
        return JSONResponse({"error": "invalid_request", "message": message}, status_code=422)

    install_error_handlers(
        app,
        log=log,
        docs_path="/api/docs",
        unexpected_message=lambda: (
            "Something went wrong on the hub; retry, and tell its operator if it lasts."
        ),
    )
    document_errors(app)
    app.add_middleware(
        HttpGuard,
        policy=replace(
            GuardPolicy.for_service(config.max_body_bytes, [], ["/api/docs", "/api/docs/oauth2-redirect"]),
            length_required=("/api/v1/events",),  # its token is checked before its body is read
        ),
    )

    @app.get("/api/v1/health", response_model=HealthOut)
    def health() -> HealthOut:
        """Up, with the schema version (no token needed)."""
        return HealthOut(ok=True, schema_version=state.get("schema_version", 0))

    def sending_center(authorization: str | None) -> str:
        """The center whose token the events route was called with (401/403 otherwise)."""
        with pool.connection() as conn:
            who = authorize(conn, authorization, "center")
        assert who.center_id is not None
        return who.center_id

    def store_events(body: bytes, center_id: str) -> bytes:
        """`POST /api/v1/events` on a worker thread with one pooled connection: the answer's JSON."""
        with pool.connection() as conn:
            batch = parse_batch(body)  # validated from the bytes (422 naming the field)
            if batch.sent > config.max_batch_events:
                raise HubError(
                    413, "batch_too_large", f"At most {config.max_batch_events} events per batch; send fewer."
                )

            ack = store_batch(
                conn,
                center_id,
                batch,
                clock.now(),
                offline_after,
                config.wait_target_min * 60,
                listening_since,
            )
        return ack.model_dump_json().encode()

    @app.post(
        "/api/v1/events",
        response_model=AckOut,
        responses=error_responses(401, 403, 413, 422, 503),
        openapi_extra=batch_openapi(),
    )
    async def post_events(request: Request) -> Response:
        """Store a batch of the calling center's events; answers the highest contiguous seq held."""
        # The busiest route takes its body and header itself and answers the JSON its worker
        # thread made: FastAPI's parameters, its thread hand-off and its check of a returned model
        # cost as much CPU per batch as storing ~150 events (docs/performance.md, "Province hub").
        # The token first: a stranger's body is never read (up to max_body_bytes, 2 MiB, held in
        # memory for each of its connections), only refused.
        center_id = await run_in_threadpool(sending_center, request.headers.get("authorization"))
        try:
            body = await request.body()
        except ClientDisconnect:  # gone before the body came: the center, or the hub's 408 on a slow link
            log.info("a batch from center %s did not arrive whole; its uplink sends it again", center_id)
            return Response(status_code=408)
        answer = await run_in_threadpool(store_events, body, center_id)
        return Response(answer, media_type="application/json")

    @app.post("/api/v1/heartbeat", response_model=HeartbeatOut, responses=error_responses(401, 403, 422))
    def post_heartbeat(beat: HeartbeatIn, authorization: AuthHeader = None) -> HeartbeatOut:
        """The calling center is alive; its devices' states and queue length now."""
        with pool.connection() as conn:
            who = authorize(conn, authorization, "center")
            assert who.center_id is not None
            fleet.heartbeat(conn, who.center_id, beat, clock.now(), offline_after, listening_since)
        return HeartbeatOut(interval_s=config.heartbeat_interval_s)

    @app.get("/api/v1/centers", response_model=list[CenterOut], responses=error_responses(401, 403))
    def list_centers(authorization: AuthHeader = None) -> list[CenterOut]:
        """Every center with its state (online/offline after missed heartbeats)."""
        with pool.connection() as conn:
            authorize(conn, authorization, "reader")
            return fleet.centers(conn, clock.now())

    @app.get(
        "/api/v1/centers/{center_id}/summary",
        response_model=SummaryOut,
        responses=error_responses(401, 403, 404, 422),
    )
    def center_summary(
        center_id: str,
        authorization: AuthHeader = None,
        day: Annotated[date | None, Query(description="YYYY-MM-DD; default today (hub time zone)")] = None,
    ) -> SummaryOut:
        """A center's day from the daily rollups."""
        now: datetime = clock.now()
        with pool.connection() as conn:
            authorize(conn, authorization, "reader")
            found = fleet.summary(conn, center_id, day or now.astimezone(tz).date(), now)
        if found is None:
            raise HubError(404, "unknown_center", f"No center {center_id!r}; see GET /api/v1/centers.")
        return found

    @app.get("/api/v1/overview", response_model=OverviewOut, responses=error_responses(401, 403, 422))
    def get_overview(
        authorization: AuthHeader = None,
        day: Annotated[date | None, Query(description="YYYY-MM-DD; default today (hub time zone)")] = None,
    ) -> Response:
        """Every center's day in one answer (what the overview page shows)."""
        now: datetime = clock.now()
        with pool.connection() as conn:
            authorize(conn, authorization, "reader")
            found = overview_json(fleet, conn, day or now.astimezone(tz).date(), now)
        # the document as PostgreSQL built it (hub.fleet.overview_json): no row through Python
        return Response(found, media_type="application/json")

    def get_overview_model(authorization: str | None, day: date | None) -> OverviewOut:
        now: datetime = clock.now()
        with pool.connection() as conn:
            authorize(conn, authorization, "reader")
            return overview(fleet, conn, day or now.astimezone(tz).date(), now)

    @app.get("/api/v1/alarms", response_model=list[FleetAlarm], responses=error_responses(401, 403, 422))
    def get_alarms(
        authorization: AuthHeader = None,
        ended_days: Annotated[
            int | None, Query(ge=0, le=366, description="Ended alarms of the last N days (default: config)")
        ] = None,
    ) -> list[FleetAlarm]:
        """Fleet alarms, open ones first: each center's own (door forced, board unreachable, paper
        out, locker nearly full, ...) and `center_offline` (silent past `offline_alarm_after_min`),
        with when each started and ended."""
        now: datetime = clock.now()
        days = config.alarms_ended_shown_days if ended_days is None else ended_days
        with pool.connection() as conn:
            authorize(conn, authorization, "reader")
            return fleet_alarms(conn, now, offline_after, now - timedelta(days=days), listening_since)

    app.include_router(build_catalogue_router(pool, clock, config))

    @app.get("/api/v1/devices", response_model=list[DeviceOut], responses=error_responses(401, 403, 422))
    def get_devices(
        authorization: AuthHeader = None,
        not_ok: Annotated[bool, Query(description="Only devices whose state is not `ok`")] = False,
    ) -> list[DeviceOut]:
        """Every center's devices as its latest heartbeat says, with since when."""
        with pool.connection() as conn:
            authorize(conn, authorization, "reader")
            return fleet.devices(conn, clock.now(), not_ok)

    @app.get(
        "/api/v1/centers/{center_id}/trends",
        response_model=TrendsOut,
        responses=error_responses(401, 403, 404, 422),
    )
    def center_trends(
        center_id: str,
        authorization: AuthHeader = None,
        by: Period = "day",
        first: Annotated[date | None, Query(alias="from", description="YYYY-MM-DD")] = None,
        last: Annotated[date | None, Query(alias="to", description="YYYY-MM-DD; default today")] = None,
    ) -> TrendsOut:
        """A center's tickets, waits, satisfaction and deposits by day, ISO week or month."""
        return read_trends(center_id, authorization, by, first, last)

    def read_trends(
        center_id: str, authorization: str | None, by: Period, first: date | None, last: date | None
    ) -> TrendsOut:
        for day in (first, last):
            if day is not None and not FIRST_DAY <= day <= LAST_DAY:
                raise HubError(422, "bad_range", f"Give days from {FIRST_DAY} to {LAST_DAY} (YYYY-MM-DD).")
        try:
            start, end = span(by, first, last or clock.now().astimezone(tz).date())
        except ValueError as err:
            raise HubError(422, "bad_range", str(err)) from err
        with pool.connection() as conn:
            authorize(conn, authorization, "reader")
            found = trends(
                conn, center_id, by, start, end, config.wait_target_min, clock.now(), config.timezone
            )
        if found is None:
            raise HubError(404, "unknown_center", f"No center {center_id!r}; see GET /api/v1/centers.")
        return found

    exports.register(app, exports.Readers(
        overview=lambda auth, day: get_overview_model(auth, day),
        trends=read_trends,
        alarms=lambda auth, days: get_alarms(auth, days),
        devices=lambda auth: get_devices(auth, True),
        tz=tz,
    ))  # fmt: skip
    pages.register(app, config.timezone)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        """The tab icon (the same as the center's services)."""
        return FileResponse(FAVICON, media_type="image/x-icon", headers={"Cache-Control": "max-age=86400"})

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    return app
