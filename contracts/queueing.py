"""The queueing service's HTTP contract: request bodies, answers and error codes (docs/queueing.md).

What citizens, kiosks and pages see carries ISO 8601 UTC strings (`issued_at`, `called_at`); the
counter console's ticket carries epoch seconds (`CounterTicket`), as the service sends them.
Answers ignore fields they do not know, so the service may add a field without breaking an older
kiosk; a renamed or missing field fails validation on both sides.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.common import CommonErrorCode, ConfigWarning, ErrorBody

# ----------------------------------------------------------------- vocabulary
# The service uses these enums themselves (queueing.domain and queueing.reports import them).


class TicketState(enum.StrEnum):
    """Life of a ticket. Only WAITING tickets can be called and are counted as waiting."""

    PENDING = "pending"  # issued on a kiosk, not yet printed/shown: not in the queue
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    VOID = "void"
    TRANSFERRED = "transferred"


class CounterStatus(enum.StrEnum):
    """A counter is closed (nobody signed in), open, or paused (signed in, not calling)."""

    CLOSED = "closed"
    OPEN = "open"
    PAUSED = "paused"


class GroupBy(enum.StrEnum):
    """Report rows are per service, per counter or per staff member."""

    SERVICE = "service"
    COUNTER = "counter"
    STAFF = "staff"


Channel = Literal["kiosk", "remote"]
Delivery = Literal["printed", "screen"]


class QueueErrorCode(enum.StrEnum):
    """The `error` codes the queueing service answers (besides `CommonErrorCode`)."""

    NOT_KIOSK = "not_kiosk"  # 401: kiosk token missing or wrong (re-read the token file)
    NOT_SIGNED_IN = "not_signed_in"  # 401
    BAD_CREDENTIALS = "bad_credentials"  # 401
    TOO_MANY_ATTEMPTS = "too_many_attempts"  # 429: sign-in attempts
    SUPERVISOR_REQUIRED = "supervisor_required"  # 403
    REMOTE_DISABLED = "remote_disabled"  # 403
    REMOTE_PRIORITY_REFUSED = "remote_priority_refused"  # 400
    IDEMPOTENCY_KEY_REQUIRED = "idempotency_key_required"  # 400
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"  # 409
    THROTTLED = "throttled"  # 429 (`retry_after_s`)
    DEVICE_LIMIT = "device_limit"  # 429: remote tickets per phone and day
    UNKNOWN_SERVICE = "unknown_service"  # 404
    UNKNOWN_PRIORITY = "unknown_priority"  # 422
    UNKNOWN_TICKET = "unknown_ticket"  # 404
    UNKNOWN_COUNTER = "unknown_counter"  # 404
    SERVICE_CLOSED = "service_closed"  # 409
    CAP_REACHED = "cap_reached"  # 409
    NUMBERS_EXHAUSTED = "numbers_exhausted"  # 409
    TICKET_VOID = "ticket_void"  # 409
    WRONG_STATE = "wrong_state"  # 409 (`state`)
    NOT_SERVED_YET = "not_served_yet"  # 409 (`state`)
    ALREADY_RATED = "already_rated"  # 409
    NO_COUNTER = "no_counter"  # 409: signed in without a counter
    COUNTER_TAKEN = "counter_taken"  # 409 (`counter`, `held_by`, `can_take_over`)
    COUNTER_PAUSED = "counter_paused"  # 409
    PAUSE_REASON_REQUIRED = "pause_reason_required"  # 422: a pause needs a configured reason
    UNKNOWN_PAUSE_REASON = "unknown_pause_reason"  # 422
    ALREADY_PAUSED = "already_paused"  # 409: paused for another reason (resume first)
    TICKET_IN_PROGRESS = "ticket_in_progress"  # 409
    CURRENT_NOT_STARTED = "current_not_started"  # 409
    QUEUE_EMPTY = "queue_empty"  # 404
    NOT_WAITING = "not_waiting"  # 409 (`state`)
    NOT_SERVED_HERE = "not_served_here"  # 409
    SAME_SERVICE = "same_service"  # 409
    NOTHING_TO_RECALL = "nothing_to_recall"  # 409
    NOTHING_TO_START = "nothing_to_start"  # 409
    NOTHING_TO_FINISH = "nothing_to_finish"  # 409
    NOTHING_CALLED = "nothing_called"  # 409
    NOTHING_TO_TRANSFER = "nothing_to_transfer"  # 409
    RECALL_TOO_SOON = "recall_too_soon"  # 429
    TOO_MANY_STREAMS = "too_many_streams"  # 503: event streams
    DATABASE_BUSY = "database_busy"  # 503 (`Retry-After`)
    STORAGE_FAILED = "storage_failed"  # 503
    STORAGE_UNAVAILABLE = "storage_unavailable"  # 503
    # appointments
    APPOINTMENTS_DISABLED = "appointments_disabled"  # 403
    NO_APPOINTMENTS = "no_appointments"  # 404: the service takes no bookings
    DAY_OUT_OF_RANGE = "day_out_of_range"  # 422
    INVALID_PHONE = "invalid_phone"  # 422
    INVALID_ID_NUMBER = "invalid_id_number"  # 422
    NOT_A_SLOT = "not_a_slot"  # 409: not a slot start, or too soon
    SLOT_FULL = "slot_full"  # 409
    PHONE_LIMIT = "phone_limit"  # 429: upcoming bookings per phone
    BOOKING_BLOCKED = "booking_blocked"  # 403: too many recent no-shows
    UNKNOWN_APPOINTMENT = "unknown_appointment"  # 404
    CANNOT_CANCEL = "cannot_cancel"  # 409: checked in or past
    CANNOT_MOVE = "cannot_move"  # 409: cancelled, checked in or past
    TOO_EARLY = "too_early"  # 409 (`come_back_at`, `start`)
    TOO_LATE = "too_late"  # 409: take a normal ticket
    # rating tablets (contracts.ratings)
    NOT_PAIRED = "not_paired"  # 401: no tablet token, or a revoked one
    BAD_PAIRING_CODE = "bad_pairing_code"  # 404: wrong, used or expired
    UNKNOWN_TABLET = "unknown_tablet"  # 404
    UNKNOWN_REASON = "unknown_reason"  # 422
    NOT_RATEABLE_HERE = "not_rateable_here"  # 409: not the last ticket served at the tablet's counter


#: Codes that mean "the kiosk token is not (or no longer) valid": read the token file again.
KIOSK_TOKEN_REFUSED = frozenset({QueueErrorCode.NOT_KIOSK})


class QueueErrorBody(ErrorBody):
    """Every error the queueing service answers; extra fields appear with the codes that use them."""

    error: QueueErrorCode | CommonErrorCode = Field(description="Stable machine-readable code.")
    state: str | None = Field(None, description="wrong_state, not_waiting, not_served_yet: its state.")
    counter: int | None = Field(None, description="counter_taken: the counter.")
    held_by: str | None = Field(None, description="counter_taken: who holds it.")
    can_take_over: bool | None = Field(None, description="counter_taken: the caller is a supervisor.")
    come_back_at: str | None = Field(None, description="too_early: when check-in opens (ISO 8601).")
    start: str | None = Field(None, description="too_early: the booked slot's start (ISO 8601).")


# ----------------------------------------------------------------- requests


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TicketRequest(_Body):
    """POST /api/v1/tickets. `priority`, `id_hash` and `birth_date` are kiosk-only fields."""

    service: str = Field(min_length=1, max_length=32)
    priority: str | None = Field(default=None, max_length=32)
    id_hash: str | None = Field(default=None, max_length=128)
    birth_date: date | None = None
    channel: Channel = "kiosk"


class ConfirmRequest(_Body):
    """POST /api/v1/tickets/{id}/confirm."""

    delivery: Delivery


class VoidRequest(_Body):
    """POST /api/v1/tickets/{id}/void (body optional)."""

    reason: str = Field(default="kiosk", max_length=64)


class RatingRequest(_Body):
    """POST /api/v1/tickets/{id}/rating."""

    score: int = Field(ge=1, le=5)


class SignInRequest(_Body):
    """POST /api/v1/counter/sessions."""

    staff_id: str = Field(min_length=1, max_length=32)
    pin: str = Field(min_length=1, max_length=32)
    counter: int | None = Field(default=None, ge=1, le=99)
    take_over: bool = False  # a supervisor takes over a counter someone else is signed in to


class TransferRequest(_Body):
    """POST /api/v1/counter/transfer."""

    service: str = Field(min_length=1, max_length=32)


class CallNumberRequest(_Body):
    """POST /api/v1/counter/call."""

    number: str = Field(min_length=2, max_length=8)


class KioskHelpRequest(_Body):
    """POST /api/v1/kiosk/help: a citizen pressed "Call staff" (`requested`) or cancelled (`ok`)."""

    screen: str = Field(min_length=1, max_length=40)
    state: Literal["requested", "ok"]


# ----------------------------------------------------------------- answers


class Answer(BaseModel):
    """Base of every answer: unknown fields are ignored (a newer service may add some)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class QueueHealth(Answer):
    """GET /api/v1/health: `degraded` (200) with `problem`; `failed` (503) with `action`."""

    status: Literal["ok", "degraded", "failed"]
    waiting: int | None = None
    pending: int | None = None
    event_seq: int | None = None
    displays_connected: int | None = None
    event_streams_refused: int | None = None
    warnings: list[ConfigWarning] = Field(default_factory=list)
    problem: str | None = None
    action: str | None = None


class ServiceOverview(Answer):
    """GET /api/v1/services (one row): open or closed, waiting count and wait range."""

    code: str
    name_vi: str
    name_en: str
    prefix: str
    open: bool
    opens_at: str | None  # "HH:MM" today
    opens_next: str | None  # local "YYYY-MM-DDTHH:MM" while closed
    opens_next_at: str | None  # the same with the center's offset (ISO 8601)
    open_all_hours: bool
    waiting: int
    reason_closed: Literal["closed", "cap_reached"] | None
    wait_min: int | None
    wait_max: int | None
    counters_open: int


class PriorityClass(Answer):
    """GET /api/v1/priorities (one row)."""

    code: str
    name_vi: str
    name_en: str


class IssuedTicket(Answer):
    """POST /api/v1/tickets: 201 new, 200 for a replayed Idempotency-Key."""

    ticket_id: str
    number: str
    state: TicketState
    service: str
    service_name_vi: str
    service_name_en: str
    priority: str | None
    ahead: int | None
    wait_min: int | None
    wait_max: int | None
    issued_at: str | None
    status_url: str
    channel: Channel


class TicketStatus(Answer):
    """GET /api/v1/tickets/{id}: state, place in the queue and wait range."""

    ticket_id: str
    number: str
    state: TicketState
    service: str
    service_name_vi: str
    service_name_en: str
    priority: str | None
    ahead: int | None
    wait_min: int | None
    wait_max: int | None
    issued_at: str | None
    counter: int | None
    called_at: str | None
    transferred_to: str | None
    rating: int | None
    can_rate: bool


class TicketConfirmed(Answer):
    """POST /api/v1/tickets/{id}/confirm: the ticket joined the queue (or its state if it could not)."""

    state: TicketState
    ticket_id: str
    number: str


class TicketVoided(Answer):
    """POST /api/v1/tickets/{id}/void."""

    state: TicketState
    ticket_id: str


class Rated(Answer):
    """POST /api/v1/tickets/{id}/rating (`ticket_id`: the live ticket after transfers)."""

    ticket_id: str
    rating: int


class CounterSignedIn(Answer):
    """POST /api/v1/counter/sessions (also sets the session cookie)."""

    token: str = Field(repr=False)
    staff_id: str
    name: str
    counter: int | None
    expires_at: str
    supervisor: bool


class SignedOut(Answer):
    """DELETE /api/v1/counter/sessions/current."""

    signed_out: bool


class CounterTicket(Answer):
    """A ticket as the counter console shows it (times in epoch seconds)."""

    ticket_id: str
    number: str
    state: TicketState
    service: str
    service_name_vi: str
    priority: str | None
    priority_name_vi: str | None
    counter: int | None
    called_at: float | None
    started_at: float | None
    issued_at: float
    call_count: int
    waited_s: float | None
    # a checked-in appointment's slot start (local ISO time) for the console's badge; null for a
    # walk-in, and from a service that does not send it yet
    appointment_start: str | None = None


class TransferredTicket(CounterTicket):
    """POST /api/v1/counter/transfer: the old ticket, the new one's id and service."""

    transferred_to: str
    to_service: str


class NextTicket(Answer):
    """One waiting ticket in a counter's line."""

    number: str
    priority: str | None
    waited_min: int
    appointment: str | None = None  # a checked-in booking's slot time "HH:MM" (console badge)


class WaitingLine(Answer):
    """One service's waiting line at a counter (the next 30)."""

    service: str
    name_vi: str
    name_en: str
    count: int
    next: list[NextTicket]


class ServiceName(Answer):
    """A service's code and names."""

    code: str
    name_vi: str
    name_en: str


class HelpRequest(Answer):
    """An open call for staff from a kiosk (`since` in epoch seconds)."""

    kiosk: str
    screen: str
    since: float


class KioskHelpAnswer(Answer):
    """POST /api/v1/kiosk/help and /counter/help/{kiosk}/ack: the kiosk's call is now open or not."""

    kiosk: str
    open: bool


class CounterView(Answer):
    """GET /api/v1/counter: what the counter console shows."""

    counter: int
    counter_name: str
    status: CounterStatus
    staff_id: str
    staff_name: str
    current: CounterTicket | None
    waiting: list[WaitingLine]
    services: list[ServiceName]
    # kiosks whose citizen asked for staff, oldest first (empty from a service that has none)
    help_requests: list[HelpRequest] = []


class CounterRow(Answer):
    """GET /api/v1/counters (one row)."""

    number: int
    name: str
    services: list[str]
    status: CounterStatus


class DisplayCall(Answer):
    """A recent call on the display board."""

    number: str
    counter: int | None
    service: str
    called_at: str | None
    state: TicketState


class DisplayService(ServiceName):
    """A service on the display board."""

    prefix: str


class DisplayState(Answer):
    """GET /api/v1/display/state: what a board shows on (re)connect."""

    seq: int
    calls: list[DisplayCall]
    waiting: dict[str, int]
    services: list[DisplayService]


class ReportRow(Answer):
    """One group's figures for a day (minutes; null when there is no data)."""

    group: str
    label: str
    issued: int
    served: int
    no_show: int
    transferred: int
    voided: int
    waiting_now: int
    wait_mean_min: float | None
    wait_p90_min: float | None
    service_mean_min: float | None
    service_p90_min: float | None
    over_target_pct: float | None
    estimate_mae_min: float | None
    rating_mean: float | None
    ratings: int


class DayReport(Answer):
    """GET /api/v1/reports?format=json (format=csv answers a CSV download)."""

    day: str
    group: GroupBy
    wait_target_min: float
    rows: list[ReportRow]


class Announcement(Answer):
    """GET /api/v1/voice/announcement: the clips to play and the text."""

    clips: list[str]
    text_vi: str
    text_en: str


# ----------------------------------------------------------------- appointments


class BookingRequest(_Body):
    """POST /api/v1/appointments. `id_number` (optional) is kept only as a keyed hash."""

    service: str = Field(min_length=1, max_length=32)
    start: datetime
    phone: str = Field(min_length=1, max_length=32)
    id_number: str | None = Field(default=None, max_length=12)


class CheckInRequest(_Body):
    """POST /api/v1/appointments/check-in: the code (typed, or the booking QR's text) or the ID
    card's keyed hash (`id_hash`, as the kiosk's scanner makes it)."""

    code: str | None = Field(default=None, min_length=1, max_length=32)
    id_hash: str | None = Field(default=None, min_length=16, max_length=128)


class Slot(Answer):
    """GET /api/v1/services/{service}/slots (one row): local times with the center's offset."""

    start: str
    end: str
    free: int


class Booking(Answer):
    """POST /api/v1/appointments (201): the code checks in at the kiosk, the link cancels."""

    appointment_id: str
    code: str
    start: str
    service: str
    manage_url: str


class CheckedInTicket(IssuedTicket):
    """POST /api/v1/appointments/check-in: a pending kiosk ticket (201; 200 again while live)
    carrying the booking it came from."""

    appointment_id: str
    appointment_start: str


class AppointmentView(Answer):
    """GET /api/v1/appointments/manage/{token}: the booking behind a manage link."""

    appointment_id: str
    code: str
    qr: str
    service: str
    service_name_vi: str
    service_name_en: str
    start: str
    end: str
    phone: str  # masked
    state: Literal["booked", "checked_in", "cancelled", "no_show"]
    checkin_from: str
    checkin_until: str


class AppointmentCancelled(Answer):
    """POST /api/v1/appointments/manage/{token}/cancel."""

    appointment_id: str
    state: Literal["cancelled"]


class AppointmentReportRow(Answer):
    """One service's (or `all`) appointments of a day."""

    service: str
    label: str
    booked: int
    cancelled: int
    checked_in: int
    no_show: int
    upcoming: int
    checkin_rate_pct: float | None
    called: int
    punctual_pct: float | None
    late_mean_min: float | None


class AppointmentReport(Answer):
    """GET /api/v1/reports/appointments (JSON; `format=csv` gives the same rows as CSV)."""

    day: str
    punctual_within_min: int
    rows: list[AppointmentReportRow]
