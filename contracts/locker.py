"""The locker daemon's HTTP contract, its shared part: the vocabulary (enums), the error codes and
body, and the bases of every request body and answer (docs/locker.md).

The bodies and answers of each area are in their own module: `contracts.locker_pickup`,
`locker_staff`, `locker_deposits`, `locker_compartments`, `locker_alarms`, `locker_audit`,
`locker_kiosk` (config, devices, health), `locker_loading`, `handover` and `dossiers`.

Timestamps are ISO 8601 strings with an offset, as the daemon writes them (`parse_time` on the
kiosk turns them into datetimes). Answers ignore fields they do not know, so a daemon may add a
field without breaking an older kiosk; a renamed or missing field fails validation on both sides.
"""

from __future__ import annotations

import enum

from pydantic import BaseModel, ConfigDict, Field

from contracts.common import CommonErrorCode, ErrorBody
from contracts.handover import HandoverErrorCode

# The door words are the lock-board driver's own (what the sensor said; the daemon passes them on
# unchanged): one enum each, a standard-library-only module, named here as part of the contract.
from drivers.lockboard.types import DoorOutcome as DoorOutcome
from drivers.lockboard.types import DoorState as DoorState

# ----------------------------------------------------------------- vocabulary
# The daemon uses these enums themselves (locker.config, locker.domain, locker.staff import them;
# tests/contracts/test_locker_contract.py holds them to it).


class Size(enum.StrEnum):
    """Compartment sizes, smallest first (the order matters: 'smallest that fits')."""

    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"

    @property
    def rank(self) -> int:
        """0 for small, 1 for medium, 2 for large."""
        return list(Size).index(self)


class SecondFactor(enum.StrEnum):
    """What the citizen shows besides the code (config `locker.codes.second_factor`)."""

    NONE = "none"
    ID_NUMBER = "id_number"
    PHONE_LAST4 = "phone_last4"


class Role(enum.StrEnum):
    """What a staff member may do."""

    LOADER = "loader"  # load, confirm, reopen/bigger/cancel, withdraw expired, alarms, audit
    SUPERVISOR = "supervisor"  # all of the above, plus unblock, re-issue, force open, reconcile


class DepositState(enum.StrEnum):
    """Where a deposit is in its life."""

    RESERVED = "reserved"  # compartment chosen, door not yet pulsed
    LOADING = "loading"  # door opened for staff to load
    CODE_SENT = "code_sent"  # door seen shut, code issued, SMS queued
    PICKUP_OPENING = "pickup_opening"  # code accepted, pulse in flight
    PICKUP_JAMMED = "pickup_jammed"  # pulse sent, door stayed shut
    PICKUP_UNKNOWN = "pickup_unknown"  # no sensor reply or crash mid-pulse: staff decide
    COLLECTED = "collected"
    EXPIRED = "expired"  # pickup window over; waiting for staff to withdraw
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"


class CompartmentView(enum.StrEnum):
    """What the cabinet picture shows for a compartment."""

    FREE = "free"
    RESERVED = "reserved"
    LOADED = "loaded"
    OPEN = "open"
    DISABLED = "disabled"
    ATTENTION = "attention"  # jammed/unknown pickup or expired: staff needed


class Device(enum.StrEnum):
    """A kiosk device the locker hears about."""

    PRINTER = "printer"
    CAMERA = "camera"
    HELP = "help"  # a citizen pressed "Call staff"
    SCREEN = "screen"  # the kiosk serving citizens or showing "Tạm ngưng phục vụ"


class DeviceState(enum.StrEnum):
    """What the kiosk says about a device."""

    OK = "ok"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    MISSING = "missing"
    REQUESTED = "requested"  # help only
    IN_SERVICE = "in_service"  # screen only (clears like ok)
    OUT_OF_SERVICE = "out_of_service"  # screen only; the detail names the services down


class LockerErrorCode(enum.StrEnum):
    """The `error` codes the locker answers (besides `CommonErrorCode`)."""

    NOT_KIOSK = "not_kiosk"  # 401: kiosk token missing or wrong (re-read the token file)
    NOT_SIGNED_IN = "not_signed_in"  # 401
    SESSION_EXPIRED = "session_expired"  # 401
    BAD_CREDENTIALS = "bad_credentials"  # 401
    SUPERVISOR_REQUIRED = "supervisor_required"  # 403
    WRONG_CODE = "wrong_code"  # 401 (`tries_left`)
    SECOND_FACTOR_REQUIRED = "second_factor_required"  # 401 (`factor`)
    SECOND_FACTOR_WRONG = "second_factor_wrong"  # 401 (`factor`)
    CODE_EXPIRED = "code_expired"  # 410
    DEPOSIT_LOCKED = "deposit_locked"  # 423
    THROTTLED = "throttled"  # 429 (`retry_after_s`)
    STAFF_ALERTED = "staff_alerted"  # 409
    ALREADY_COLLECTED = "already_collected"  # 409
    UNKNOWN_PICKUP = "unknown_pickup"  # 404
    UNKNOWN_DEPOSIT = "unknown_deposit"  # 404
    UNKNOWN_COMPARTMENT = "unknown_compartment"  # 404
    UNKNOWN_ALARM = "unknown_alarm"  # 404
    UNKNOWN_STAFF = "unknown_staff"  # 404
    UNKNOWN_RECEIPT = "unknown_receipt"  # 404 (`genuine`: false)
    TOO_MANY_CHECKS = "too_many_checks"  # 429
    STAFF_EXISTS = "staff_exists"  # 409
    NO_FREE_COMPARTMENT = "no_free_compartment"  # 409
    NO_BIGGER_COMPARTMENT = "no_bigger_compartment"  # 409
    DOSSIER_IN_LOCKER = "dossier_in_locker"  # 409
    DOOR_OPEN = "door_open"  # 409
    DOOR_UNKNOWN = "door_unknown"  # 409
    DOOR_NOT_OPENED = "door_not_opened"  # 409
    CODE_ALREADY_SENT = "code_already_sent"  # 409
    CODE_SPACE_FULL = "code_space_full"  # 409
    NOT_REISSUABLE = "not_reissuable"  # 409
    NOT_WITHDRAWABLE = "not_withdrawable"  # 409
    WRONG_STATE = "wrong_state"  # 409: a step that does not apply to the deposit's state
    LOCKER_UNAVAILABLE = "locker_unavailable"  # 503: the bus cannot open doors now
    STORAGE_FAILED = "storage_failed"  # 503: the database was deleted or replaced
    # the dossier lookup (contracts.dossiers); messages Vietnamese first, then English
    DOSSIER_UNKNOWN = "dossier_unknown"  # 404: neither the back office nor the locker knows the code
    TOO_MANY_LOOKUPS = "too_many_lookups"  # 429 (`retry_after_s`): per kiosk
    BACKOFFICE_UNAVAILABLE = "backoffice_unavailable"  # 503: try again or ask at the counter
    BACKOFFICE_TIMEOUT = "backoffice_timeout"  # 504: no answer within status_timeout_s
    RESEND_NOT_POSSIBLE = "resend_not_possible"  # 409: not in the locker, locked, or resent too often
    RESEND_TOO_SOON = "resend_too_soon"  # 429 (`retry_after_s`, `next_resend_at`)


#: Codes that mean "the kiosk token is not (or no longer) valid": read the token file again.
KIOSK_TOKEN_REFUSED = frozenset({LockerErrorCode.NOT_KIOSK})
#: Codes that mean "the staff session is gone": sign in again.
SESSION_ENDED = frozenset({LockerErrorCode.NOT_SIGNED_IN, LockerErrorCode.SESSION_EXPIRED})


class LockerErrorBody(ErrorBody):
    """Every error the locker answers; the extra fields appear with the codes that use them."""

    error: LockerErrorCode | HandoverErrorCode | CommonErrorCode = Field(
        description="Stable machine-readable code."
    )
    tries_left: int | None = Field(None, description="wrong_code: tries left (null: no deposit named).")
    factor: SecondFactor | None = Field(None, description="second_factor_*: which factor is asked for.")
    genuine: bool | None = Field(None, description="unknown_receipt: always false.")
    next_size: Size | None = Field(
        None, description="no_free_compartment: the smallest bigger size with a free compartment."
    )
    counter: bool | None = Field(
        None, description="no_free_compartment: keeping the result at the counter is possible."
    )


# ----------------------------------------------------------------- bases


class Body(BaseModel):
    """Base of every request body: unknown fields are ignored, text is stripped."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Answer(BaseModel):
    """Base of every answer: unknown fields are ignored (a newer daemon may add some)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
