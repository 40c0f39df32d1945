"""Routes of receipt verification: the page the receipt's QR code opens, and its JSON variant."""

# no `from __future__ import annotations`: FastAPI must see the local Annotated aliases themselves

from typing import Annotated, Any

from fastapi import FastAPI, Header, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from common.api_errors import error_responses
from common.rate_limit import RateLimiter
from contracts.locker_pickup import ReceiptCheck
from locker.errors import NotFound, Throttled
from locker.receipts import PAGE_HEADERS, Receipts, VerifyPage
from locker.service import LockerService


def receipt_routes(app: FastAPI, svc: LockerService) -> None:
    """Receipt verification: the page the receipt's QR opens, and its JSON variant."""
    receipts = Receipts(svc.cfg, svc.store, svc.codes)
    page = VerifyPage(svc.cfg)
    limit = RateLimiter(svc.cfg.verify_requests_per_min, 60.0, clock=svc.clock.monotonic)

    def throttle(request: Request) -> int | None:
        return limit.retry_after(request.client.host if request.client else "?")

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
