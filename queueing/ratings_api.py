"""Rating tablet routes: pairing (supervisors), the tablet's question and answer, the satisfaction
report; and the pages `/rate` (the tablet) and `/tablets` (supervisors).

The work is done by `queueing.tablets`, `queueing.ratings` and `queueing.ratings_report`; this
module checks callers and limits. A tablet proves itself with its device token: the `qtablet`
cookie its /rate page got when it was paired, or `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, PlainTextResponse

from common.api_errors import error_responses
from common.rate_limit import RateLimiter
from contracts.ratings import (
    ClaimTabletRequest,
    PairTabletRequest,
    RatingGroup,
    SatisfactionReport,
    TabletPaired,
    TabletPairing,
    TabletRated,
    TabletRatingRequest,
    TabletRevoked,
    TabletRow,
    TabletState,
)
from queueing import ratings_report, texts
from queueing.api import SESSION_COOKIE
from queueing.counters import CounterDesk
from queueing.errors import QueueError
from queueing.ratings import TabletRatings
from queueing.service import QueueService
from queueing.staff import Session
from queueing.tablets import Tablet, Tablets

log = logging.getLogger(__name__)

TABLET_COOKIE = "qtablet"
#: The tablet's cookie lives this long (renewed at each pairing; a revoked token is refused anyway).
TABLET_COOKIE_DAYS = 400
#: Longest span of days one satisfaction report covers.
MAX_REPORT_DAYS = 92
#: The /rate page's texts (keys of `queueing.texts.TABLE`).
PAGE_TEXTS = tuple(key for key in texts.TABLE if key.startswith("rate_"))


def _bearer(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else ""


def build_ratings_router(  # noqa: C901 - its route closures count toward it
    q: QueueService, desk: CounterDesk, page: Callable[..., HTMLResponse], qr_data_uri: Callable[[str], str]
) -> APIRouter:
    """The rating tablet routes (API under /api/v1, and the pages /rate and /tablets)."""
    router = APIRouter()
    tablets = Tablets(q.wiring)
    tablet_ratings = TabletRatings(q.wiring, desk.staff.accounts.names)
    cfg = q.config.ratings
    pair_limiter = RateLimiter(cfg.pair_max_per_window, cfg.pair_rate_window_s)

    def supervisor(request: Request, what: tuple[str, str]) -> Session:
        session = desk.session(_bearer(request) or request.cookies.get(SESSION_COOKIE))
        desk.require_supervisor(session, what)
        return session

    def tablet_of(request: Request) -> Tablet:
        return tablets.by_token(_bearer(request) or request.cookies.get(TABLET_COOKIE))

    manage = ("ghép và thu hồi máy đánh giá", "pair and revoke rating tablets")

    @router.post(
        "/api/v1/tablets",
        status_code=201,
        response_model=TabletPairing,
        responses=error_responses(401, 403, 404, 422, 503),
    )
    def pair(body: PairTabletRequest, request: Request) -> TabletPairing:
        """A supervisor pairs a tablet to a counter: a one-time code (shown once, valid
        `pair_code_ttl_min`) to type on the tablet's /rate page, and a QR code of that page."""
        actor = supervisor(request, manage).staff.staff_id
        made = tablets.pair(body.counter, body.label.strip(), actor)
        url = f"{q.config.public_base_url.rstrip('/')}/rate?code={made.pair_code}"
        return TabletPairing(**asdict(made), pair_url=url, pair_qr=qr_data_uri(url))

    @router.get("/api/v1/tablets", response_model=list[TabletRow], responses=error_responses(401, 403, 503))
    def listing(request: Request) -> list[TabletRow]:
        """Every tablet ever paired, with its state (supervisors)."""
        supervisor(request, manage)
        return tablets.listing()

    @router.delete(
        "/api/v1/tablets/{tablet_id}",
        response_model=TabletRevoked,
        responses=error_responses(401, 403, 404, 503),
    )
    def revoke(tablet_id: str, request: Request) -> TabletRevoked:
        """Revoke a tablet: its token (or unused code) is refused from now on (supervisors)."""
        return tablets.revoke(tablet_id, supervisor(request, manage).staff.staff_id)

    @router.post(
        "/api/v1/tablets/pair", response_model=TabletPaired, responses=error_responses(404, 422, 429, 503)
    )
    def claim(body: ClaimTabletRequest, request: Request, response: Response) -> TabletPaired:
        """The tablet trades its pairing code for its device token (answered once, and set as the
        `qtablet` cookie); limited per address."""
        client = request.client.host if request.client else "?"
        wait = pair_limiter.hit(client)
        if wait is not None:
            raise QueueError(429, "throttled", texts.say("throttled"), retry_after_s=int(wait) + 1)
        token, tablet = tablets.claim(body.code)
        response.set_cookie(
            TABLET_COOKIE, token, httponly=True, samesite="strict", max_age=TABLET_COOKIE_DAYS * 86400
        )
        return TabletPaired(tablet_id=tablet.tablet_id, counter=tablet.counter, token=token)

    @router.get("/api/v1/tablet", response_model=TabletState, responses=error_responses(401, 503))
    def tablet_state(request: Request) -> TabletState:
        """The paired tablet's counter and the ticket to ask about (`pending`: the last one served
        there within `tablet_accept_s`, not yet rated), with the question's settings."""
        return tablet_ratings.state(tablet_of(request))

    @router.post(
        "/api/v1/tablet/rating",
        status_code=201,
        response_model=TabletRated,
        responses=error_responses(401, 409, 422, 503),
    )
    def tablet_rating(body: TabletRatingRequest, request: Request) -> TabletRated:
        """The citizen's answer on the tablet: once per ticket whichever way it comes (409
        `already_rated` after the phone); reasons and comment only with a low score."""
        tablet = tablet_of(request)
        return tablet_ratings.rate(tablet, body.ticket_id, body.score, body.reasons, body.comment)

    @router.get(
        "/api/v1/reports/ratings",
        response_model=SatisfactionReport,
        responses={
            **error_responses(401, 403, 422, 503),
            200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "format=csv"},
        },
    )
    def satisfaction(
        request: Request,
        start: Annotated[date | None, Query()] = None,
        end: Annotated[date | None, Query()] = None,
        group: Annotated[RatingGroup, Query()] = RatingGroup.STAFF,
        format: Annotated[Literal["json", "csv"], Query()] = "json",  # public query name
    ) -> Any:
        """Satisfaction per officer, counter, service or day from `start` to `end` (default
        today): served, rated and their share, the levels, reasons ranked; the comments in JSON
        only; supervisors only."""
        supervisor(request, ("xem báo cáo", "see reports"))
        first = start or end or q.local_now().date()
        last = end or (first if start else q.local_now().date())
        if last < first or last - first > timedelta(days=MAX_REPORT_DAYS - 1):
            raise QueueError(
                422,
                "invalid_request",
                f"Give start <= end, at most {MAX_REPORT_DAYS} days apart.",
                field="end",
            )
        labels = {
            RatingGroup.STAFF: desk.staff.accounts.names(),
            RatingGroup.COUNTER: {str(c.number): c.name or f"Quầy {c.number}" for c in q.config.counters},
            RatingGroup.SERVICE: {s.code: s.name_vi for s in q.config.services},
            RatingGroup.DAY: {},
        }[group]
        body = ratings_report.report(q.store, first.isoformat(), last.isoformat(), group, cfg, labels)
        if format == "csv":
            return PlainTextResponse(
                ratings_report.to_csv(body.rows),
                media_type="text/csv; charset=utf-8",
                headers={
                    "Content-Disposition": f'attachment; filename="ratings-{first}-{last}-{group.value}.csv"'
                },
            )
        return body

    @router.get("/rate", response_class=HTMLResponse, include_in_schema=False)
    def rate_page(request: Request) -> HTMLResponse:
        """The rating tablet at a counter (pairs itself first when it holds no valid token)."""
        t = {key: list(texts.TABLE[key]) for key in PAGE_TEXTS}
        return page(request, "rate.html", data={"t": t})

    @router.get("/reports/ratings", response_class=HTMLResponse, include_in_schema=False)
    def satisfaction_page(request: Request) -> HTMLResponse:
        """Supervisors: the satisfaction report, its reasons and the citizens' comments."""
        return page(request, "ratings_report.html")

    @router.get("/tablets", response_class=HTMLResponse, include_in_schema=False)
    def tablets_page(request: Request) -> HTMLResponse:
        """Supervisors pair, list and revoke rating tablets."""
        counters = [{"number": c.number, "name": c.name or f"Quầy {c.number}"} for c in q.config.counters]
        return page(request, "tablets.html", data={"counters": counters, "timezone": q.config.timezone})

    return router
