"""Routes of the dossier lookup: GET /api/v1/dossiers/{code} and POST .../resend (kiosk token), and
the phone page GET /dossier/{code} (anyone, limited per address)."""

import re
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, FastAPI, Path, Request
from fastapi.responses import HTMLResponse, Response

from common.api_errors import error_responses
from common.clock import Clock
from common.rate_limit import RateLimiter
from contracts.dossiers import DOSSIER_CODE_PATTERN, CodeResent, DossierAnswer
from locker.config import LockerConfig
from locker.dossiers import BackOfficeTimeout, DossierDesk
from locker.errors import NotFound, Unavailable
from locker.receipts import PAGE_HEADERS, page_template

CODE_RE = re.compile(DOSSIER_CODE_PATTERN)

#: The code as a path parameter: a malformed one is 422 `invalid_request` naming `code`.
Code = Annotated[str, Path(pattern=DOSSIER_CODE_PATTERN, description="The dossier code on the receipt.")]


def dossier_routes(app: FastAPI, desk: DossierDesk, kiosk: Any, cfg: LockerConfig, clock: Clock) -> None:
    """Add the two API routes and the phone page; `kiosk` is the app's kiosk-token dependency (it
    yields the kiosk's id)."""
    Kiosk = Annotated[str, Depends(kiosk)]
    dossier_page_route(app, DossierPage(desk, cfg, clock))

    @app.get(
        "/api/v1/dossiers/{code}",
        response_model=DossierAnswer,
        responses=error_responses(401, 404, 422, 429, 503, 504),
    )
    def dossier(code: Code, kid: Kiosk) -> DossierAnswer:
        """Where the dossier is: the back office's status merged with the locker's deposits."""
        return desk.lookup(kid, code)

    @app.post(
        "/api/v1/dossiers/{code}/resend",
        response_model=CodeResent,
        responses=error_responses(401, 409, 422, 429),
    )
    def resend(code: Code, kid: Kiosk) -> CodeResent:
        """A new pickup code to the phone on file; the old code dies at once."""
        return desk.resend(kid, code)


class DossierPage:
    """The phone page `GET /dossier/{code}`: the same answer as the kiosk's, as HTML (Vietnamese
    first, English second, no external assets), limited per client address like /verify."""

    def __init__(self, desk: DossierDesk, cfg: LockerConfig, clock: Clock) -> None:
        self._desk = desk
        self._cfg = cfg
        self._tz = ZoneInfo(cfg.timezone)
        self._limit = RateLimiter(cfg.verify_requests_per_min, 60.0, clock=clock.monotonic)
        self._template = page_template("dossier.html")

    def _local(self, iso: str | None, fmt: str) -> str:
        return datetime.fromisoformat(iso).astimezone(self._tz).strftime(fmt) if iso else ""

    def respond(self, code: str, address: str) -> HTMLResponse:
        """The page for `code` asked from `address`, with its status (200, 404, 422, 429, 503)."""
        wait = self._limit.retry_after(address)
        if wait:
            html = self._render("throttled", retry_after_s=wait)
            return HTMLResponse(html, 429, headers={**PAGE_HEADERS, "Retry-After": str(wait)})
        if not CODE_RE.match(code):
            return HTMLResponse(self._render("bad_code"), 422, headers=PAGE_HEADERS)
        try:
            d = self._desk.answer(code).model_dump(mode="json")
        except NotFound:
            return HTMLResponse(self._render("unknown", code=code), 404, headers=PAGE_HEADERS)
        except (Unavailable, BackOfficeTimeout):
            return HTMLResponse(self._render("unavailable"), 503, headers=PAGE_HEADERS)
        html = self._render(
            "answer",
            d=d,
            received=self._local(d["received_at"], "%d/%m/%Y"),
            due=self._local(d["due_at"], "%d/%m/%Y"),
            since=self._local(d["waiting_since"], "%H:%M %d/%m/%Y"),
            until=self._local(d["pickup_until"], "%H:%M %d/%m/%Y"),
        )
        return HTMLResponse(html, headers=PAGE_HEADERS)

    def _render(self, outcome: str, **values: Any) -> str:
        return self._template.render(
            outcome=outcome, center_name=self._cfg.center_name, hotline=self._cfg.hotline, **values
        )


def dossier_page_route(app: FastAPI, page: DossierPage) -> None:
    """Add `GET /dossier/{code}` (a web page: not in the API document)."""

    @app.get("/dossier/{code}", response_class=HTMLResponse, response_model=None, include_in_schema=False)
    def dossier_page(code: str, request: Request) -> Response:
        return page.respond(code, request.client.host if request.client else "?")
