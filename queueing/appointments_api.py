"""Appointment routes: free slots, booking (rate limited per phone and per address), the manage
link (view, cancel, move), the kiosk check-in, the day's report (with the booking SMS sent and
given up); and the phone pages `/book` and `/a/{token}`.

The work is done by `queueing.appointments.Appointments`; this module checks callers and limits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

from common.api_errors import error_responses
from common.rate_limit import RateLimiter
from contracts.appointment_sms import AppointmentReportRowWithSms, AppointmentReportWithSms, MoveRequest
from contracts.queueing_appointments import (
    AppointmentCancelled,
    AppointmentView,
    Booking,
    BookingRequest,
    CheckedInTicket,
    CheckInRequest,
    Slot,
)
from queueing import appointment_report, texts
from queueing import slots as rules
from queueing.api import SESSION_COOKIE
from queueing.appointments import QR_PREFIX, Appointments
from queueing.counters import CounterDesk
from queueing.errors import QueueError
from queueing.kiosk_token import KioskToken

log = logging.getLogger(__name__)

#: The /book and /a/{token} pages' texts (keys of `queueing.texts.TABLE`).
PAGE_TEXTS = (
    "book_title",
    "book_intro",
    "book_service",
    "book_day",
    "book_slot",
    "book_phone",
    "book_id_number",
    "book_submit",
    "book_no_slots",
    "book_free",
    "book_none",
    "book_done",
    "book_code",
    "book_show_qr",
    "book_checkin_window",
    "book_keep",
    "book_cancel",
    "book_cancelled",
    "book_state_checked_in",
    "book_state_no_show",
    "book_again",
    "book_move",
    "book_move_pick",
    "book_move_confirm",
    "book_moved",
    "book_keep_sms",
)


def check_in_code(text: str) -> str | None:
    """'123456', '123 456' or the QR text 'LICHHEN:123456' -> '123456'; None when not a code."""
    raw = text.strip()
    raw = raw[len(QR_PREFIX) :] if raw.upper().startswith(QR_PREFIX) else raw
    digits = raw.replace(" ", "")
    return digits if len(digits) == 6 and digits.isascii() and digits.isdigit() else None


def page_texts() -> dict[str, list[str]]:
    """The booking pages' texts as {key: [vi, en]}."""
    return {key: list(texts.TABLE[key]) for key in PAGE_TEXTS}


def build_appointments_router(  # noqa: C901 - its route closures count toward it
    appts: Appointments,
    desk: CounterDesk,
    kiosk_token: KioskToken,
    page: Callable[..., HTMLResponse],
    qr_data_uri: Callable[[str], str],
) -> APIRouter:
    """The appointment routes (API under /api/v1, and the two phone pages)."""
    router = APIRouter()
    cfg = appts.cfg
    per_phone = RateLimiter(cfg.booking_max_per_window, cfg.booking_rate_window_s)
    per_address = RateLimiter(cfg.booking_max_per_address, cfg.booking_rate_window_s)

    @router.get(
        "/api/v1/services/{service}/slots",
        response_model=list[Slot],
        responses=error_responses(403, 404, 422, 503),
    )
    def slots(service: str, day: Annotated[date, Query()]) -> list[Slot]:
        """The day's bookable slots of a service with the places left (`free`)."""
        return appts.free_slots(service, day)

    @router.post(
        "/api/v1/appointments",
        status_code=201,
        response_model=Booking,
        responses=error_responses(403, 404, 409, 422, 429, 503),
    )
    def book(body: BookingRequest, request: Request) -> Booking:
        """Book a slot from a phone: 409 `slot_full` when no place is left; 429 past the limits
        per phone number and per address."""
        client = request.client.host if request.client else "?"
        phone = rules.normalize_phone(body.phone) or body.phone.strip()
        wait = per_address.hit(client) or per_phone.hit(phone)
        if wait is not None:
            raise QueueError(429, "throttled", texts.say("booking_throttled"), retry_after_s=int(wait) + 1)
        return appts.book(body.service, body.start, body.phone, body.id_number or None)

    @router.post(
        "/api/v1/appointments/check-in",
        status_code=201,
        response_model=CheckedInTicket,
        responses=error_responses(401, 404, 409, 422, 503),
    )
    def check_in(body: CheckInRequest, request: Request) -> Response:
        """A kiosk (its token) checks a booking in: 201 a pending ticket with `appointment_id`
        (print it and confirm it as any ticket), 200 the same ticket again while it is live,
        409 `too_early` (with `come_back_at`) or `too_late`."""
        auth = request.headers.get("authorization", "")
        if not (auth.lower().startswith("bearer ") and kiosk_token.matches(auth[7:].strip())):
            raise QueueError(
                401, "not_kiosk", "Only a kiosk (Authorization: Bearer <kiosk token>) checks appointments in."
            )
        code = check_in_code(body.code) if body.code else None
        if body.code and code is None:
            raise QueueError(422, "invalid_request", texts.say("unknown_appointment"), field="code")
        if not code and not body.id_hash:
            raise QueueError(422, "invalid_request", "Send the booking's `code` or the ID card's `id_hash`.")
        status, ticket = appts.check_in(code=code, id_hash=None if code else body.id_hash)
        return JSONResponse(ticket.model_dump(mode="json"), status_code=status)

    @router.get(
        "/api/v1/appointments/manage/{token}",
        response_model=AppointmentView,
        responses=error_responses(404, 422, 503),
    )
    def manage(token: str) -> AppointmentView:
        """A booking as its manage link shows it (code, QR text, time, state)."""
        return appts.view(token)

    @router.post(
        "/api/v1/appointments/manage/{token}/cancel",
        response_model=AppointmentCancelled,
        responses=error_responses(404, 409, 422, 503),
    )
    def cancel(token: str) -> AppointmentCancelled:
        """Cancel from the manage link (the place goes back to the slot)."""
        return appts.cancel(token)

    @router.post(
        "/api/v1/appointments/manage/{token}/move",
        response_model=AppointmentView,
        responses=error_responses(404, 409, 422, 429, 503),
    )
    def move(token: str, body: MoveRequest, request: Request) -> AppointmentView:
        """Move the booking to another free slot of the same service (`start` as the slots list
        gives it): the old place is freed and the new one taken in one step; a new confirmation
        SMS goes out and the reminders follow the new time. 409 `slot_full` when the slot has
        just filled, `not_a_slot`, `cannot_move` (cancelled, checked in or past)."""
        client = request.client.host if request.client else "?"
        wait = per_address.hit(client)
        if wait is not None:
            raise QueueError(429, "throttled", texts.say("booking_throttled"), retry_after_s=int(wait) + 1)
        return appts.move(token, body.start)

    @router.get(
        "/api/v1/reports/appointments",
        response_model=AppointmentReportWithSms,
        responses={
            **error_responses(401, 403, 422, 503),
            200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "format=csv"},
        },
    )
    def appointments_report(
        request: Request,
        day: Annotated[date | None, Query()] = None,
        format: Annotated[Literal["json", "csv"], Query()] = "json",  # public query name
    ) -> Any:
        """The day's appointments per service: booked, cancelled, checked in, no-shows, check-in
        rate, punctuality, SMS sent and given up; supervisors only (JSON or CSV)."""
        auth = request.headers.get("authorization", "")
        token = (
            auth[7:].strip() if auth.lower().startswith("bearer ") else request.cookies.get(SESSION_COOKIE)
        )
        desk.require_supervisor(desk.session(token), ("xem báo cáo", "see reports"))
        q = appts.q
        the_day = (day or q.local_now().date()).isoformat()
        labels = {s.code: s.name_vi for s in q.config.services}
        rows = appointment_report.day_report(
            q.store, the_day, q.now_ts(), cfg.checkin_after_min, cfg.punctual_within_min, labels
        )
        sms_rows = (
            None if appts.sms is None else appointment_report.with_sms_counts(rows, appts.sms.counts(the_day))
        )
        if format == "csv":
            return PlainTextResponse(
                appointment_report.to_csv(rows if sms_rows is None else sms_rows),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="appointments-{the_day}.csv"'},
            )
        if sms_rows is None:  # no SMS here: the counts are nought
            sms_rows = [AppointmentReportRowWithSms(**r.model_dump()) for r in rows]
        return AppointmentReportWithSms(
            day=the_day, punctual_within_min=cfg.punctual_within_min, rows=sms_rows
        )

    @router.get("/book", response_class=HTMLResponse, include_in_schema=False)
    def book_page(request: Request) -> HTMLResponse:
        """Book an appointment from a phone: service, day, free time, phone number."""
        data = {"t": page_texts(), "services": appts.bookable()}
        return page(request, "book.html", t=data["t"], data=data)

    @router.get("/a/{token}", response_class=HTMLResponse, include_in_schema=False)
    def booking_page(request: Request, token: str) -> HTMLResponse:
        """A booking's own page (the manage link): code, QR for the kiosk, cancel."""
        try:
            booking = appts.view(token)
        except QueueError as err:  # an old or mistyped link: a page saying so, not JSON
            missing = page(request, "booking.html", t=page_texts(), b=None, token="", missing=err.message)
            missing.status_code = err.status
            return missing
        days: list[Any] = next((s["days"] for s in appts.bookable() if s["code"] == booking.service), [])
        return page(
            request,
            "booking.html",
            t=page_texts(),
            b=booking,
            token=token,
            qr_src=qr_data_uri(booking.qr),
            move={"service": booking.service, "start": booking.start, "days": days, "t": page_texts()},
            moved=request.query_params.get("moved") == "1",
            sms=appts.sms is not None and appts.sms.enabled,
        )

    return router
