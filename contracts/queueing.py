"""The queueing service's HTTP contract, its shared part: the vocabulary (enums), the error codes
and body, the bases of every request body and answer, the health answer and a service's names
(docs/queueing.md).

The bodies and answers of each area are in their own module: `contracts.queueing_tickets`,
`queueing_counter`, `queueing_display`, `queueing_reports`, `queueing_appointments`,
`appointment_sms`, `counter_time` and `ratings`.

What citizens, kiosks and pages see carries ISO 8601 UTC strings (`issued_at`, `called_at`); the
counter console's ticket carries epoch seconds (`CounterTicket`), as the service sends them.
Answers ignore fields they do not know, so the service may add a field without breaking an older
kiosk; a renamed or missing field fails validation on both sides.
"""

from __future__ import annotations

import enum
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


# ----------------------------------------------------------------- bases


class Body(BaseModel):
    """Base of every request body: unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore")


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


class ServiceName(Answer):
    """A service's code and names."""

    code: str
    name_vi: str
    name_en: str
