"""The locker daemon's HTTP contract: request bodies, answers and error codes (docs/locker.md).

Timestamps are ISO 8601 strings with an offset, as the daemon writes them (`parse_time` on the
kiosk turns them into datetimes). Answers ignore fields they do not know, so a daemon may add a
field without breaking an older kiosk; a renamed or missing field fails validation on both sides.
"""

from __future__ import annotations

import enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.common import CommonErrorCode, ConfigWarning, ErrorBody
from contracts.handover import HandoverErrorCode
from contracts.locker_compartments import CompartmentCount
from contracts.locker_loading import CollectedBy

# ----------------------------------------------------------------- vocabulary
# The daemon uses these enums themselves (locker.config, locker.domain, locker.staff import them);
# the lock-board driver's door words and the kiosk-device words are kept apart and held equal by
# tests/contracts/test_locker_contract.py.


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


class DoorOutcome(enum.StrEnum):
    """What the door sensor said after a pulse (the door, not the ack, decides)."""

    OPENED = "opened"
    ALREADY_OPEN = "already_open"
    JAMMED = "jammed"
    UNKNOWN = "unknown"

    @classmethod
    def parse(cls, value: object) -> DoorOutcome:
        """A door value from the daemon; anything unexpected is UNKNOWN."""
        try:
            return cls(str(value))
        except ValueError:
            return cls.UNKNOWN

    @property
    def is_open(self) -> bool:
        """The citizen can take the item."""
        return self in (DoorOutcome.OPENED, DoorOutcome.ALREADY_OPEN)


class DoorState(enum.StrEnum):
    """What a door sensor says now."""

    OPEN = "open"
    CLOSED = "closed"
    UNKNOWN = "unknown"


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


# ----------------------------------------------------------------- requests


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class PickupBody(_Body):
    """POST /api/v1/pickups."""

    code: str = Field(min_length=1, max_length=32)
    id_number: str | None = Field(None, max_length=20)
    phone_last4: str | None = Field(None, pattern=r"^[0-9]{4}$")


class SessionBody(_Body):
    """POST /api/v1/staff/sessions."""

    staff_id: str = Field(min_length=1, max_length=32)
    pin: str = Field(min_length=1, max_length=12)
    totp: str = Field(pattern=r"^[0-9]{6}$")  # ASCII only: \d also accepts Arabic-Indic digits


class DepositBody(_Body):
    """POST /api/v1/deposits."""

    dossier_code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._/-]+$")
    phone: str | None = Field(None, max_length=20)
    size: Size | None = None
    id_number: str | None = Field(None, max_length=20)
    # the authorised person (issue 16): ID number kept only as a keyed digest; phone gets the code
    authorised_id_number: str | None = Field(None, max_length=20)
    authorised_phone: str | None = Field(None, max_length=20)


class StaffBody(_Body):
    """POST /api/v1/staff (supervisor enrols an account)."""

    staff_id: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    role: Role
    pin: str = Field(pattern=r"^[0-9]{4,12}$")


class KioskAlarmBody(_Body):
    """POST /api/v1/alarms (the kiosk reports a device problem to staff)."""

    kind: str = Field(pattern=r"^(printer|camera|kiosk)_[a-z_]{2,40}$")
    message: str = Field(min_length=1, max_length=300)


class KioskDeviceBody(_Body):
    """POST /api/v1/kiosk/devices (the kiosk's printer, camera or screen state; `ok` or
    `in_service` clears its alarm)."""

    device: Device
    state: DeviceState
    detail: str = Field("", max_length=300)


class ForceBody(_Body):
    """POST /api/v1/compartments/{label}/open."""

    reason: str = Field(min_length=3, max_length=200)


# ----------------------------------------------------------------- answers


class Answer(BaseModel):
    """Base of every answer: unknown fields are ignored (a newer daemon may add some)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class BusHealth(Answer):
    """One RS485 bus in the health answer (`url` and the real `error` only for staff)."""

    bus: str
    connected: bool
    state: str | None = None
    error: str | None = None
    url: str | None = None
    protocol: str | None = None
    boards: dict[str, Literal["ok", "unreachable", "unknown"]] = Field(default_factory=dict)


class LockerHealth(Answer):
    """GET /api/v1/health (503 with status `failed` when the storage was lost)."""

    status: Literal["ok", "degraded", "failed"]
    buses: list[BusHealth]
    warnings: list[ConfigWarning]
    alarms_open: int | None
    outbox_backlog: int | None
    # each kiosk's printer/camera/screen with an open problem alarm: {kiosk id: {device: state}}
    kiosk_devices: dict[str, dict[str, str]] = Field(default_factory=dict)
    compartments: CompartmentCount | None = None  # the cabinet's size (the hub's occupancy share)
    error: str | None = None  # `storage_failed` with status failed
    message: str | None = None
    storage: str | None = None


class KioskConfig(Answer):
    """GET /api/v1/kiosk/config: what the pickup screen asks for."""

    second_factor: SecondFactor
    code_length: int
    hotline: str
    center_name: str
    # evidence of handover (contracts.handover): tell the citizen, then send the door-open frame
    handover_photo: bool = False
    handover_photo_max_bytes: int = 0
    handover_photo_keep_days: int = 0


class CabinetCompartment(Answer):
    """One compartment of the cabinet picture (column/row 0-based, row 0 at the top)."""

    label: str
    size: Size
    column: int
    row: int
    height_units: int = Field(ge=1)
    state: CompartmentView


class CabinetView(Answer):
    """GET /api/v1/cabinet: the layout for the cabinet picture, without deposit ids."""

    columns: int = Field(ge=1)
    compartments: list[CabinetCompartment]


class Receipt(Answer):
    """What the kiosk prints after a pickup."""

    center_name: str
    dossier_code: str
    compartment: str
    collected_at: str
    citizen_name_masked: str
    verify_url: str
    collected_by: CollectedBy = CollectedBy.UNVERIFIED
    collector_masked: str = ""  # the ID card's or phone's last 4 digits; "" when unverified


class PickupAnswer(Answer):
    """POST /api/v1/pickups: the code was accepted and the door pulsed."""

    pickup_id: str
    compartment: str
    door: DoorOutcome
    dossier_code: str
    receipt: Receipt


class PickupRetryAnswer(Answer):
    """POST /api/v1/pickups/{pickup_id}/retry: the one second pulse."""

    pickup_id: str
    compartment: str
    door: DoorOutcome


class StaffSignedIn(Answer):
    """POST /api/v1/staff/sessions."""

    token: str = Field(repr=False)
    expires_at: str
    staff_id: str
    role: Role


class WhoAmI(Answer):
    """GET /api/v1/staff/whoami."""

    staff_id: str
    role: Role
    expires_at: str


class SignedOut(Answer):
    """DELETE /api/v1/staff/sessions/current."""

    signed_out: bool


class StaffEnrolled(Answer):
    """POST /api/v1/staff: show `otpauth_uri` as a QR for the authenticator app."""

    staff_id: str
    role: Role
    otpauth_uri: str = Field(repr=False)


class StaffReenrolled(Answer):
    """POST /api/v1/staff/{staff_id}/reenrol: a new authenticator secret."""

    staff_id: str
    otpauth_uri: str = Field(repr=False)


class DepositOpened(Answer):
    """POST /api/v1/deposits: a compartment was chosen and opened for loading."""

    deposit_id: str
    compartment: str
    door: DoorOutcome
    state: DepositState
    size: Size


class DepositReopened(Answer):
    """POST /api/v1/deposits/{id}/reopen."""

    deposit_id: str
    compartment: str
    door: DoorOutcome
    state: DepositState


class DepositMoved(DepositReopened):
    """POST /api/v1/deposits/{id}/bigger: moved to a bigger compartment, which was opened."""

    old_compartment: str


class DepositCancelled(Answer):
    """POST /api/v1/deposits/{id}/cancel."""

    deposit_id: str
    compartment: str
    state: DepositState


class CodeIssued(Answer):
    """POST /api/v1/deposits/{id}/confirm and /reissue: the code went out by SMS."""

    deposit_id: str
    state: DepositState
    expires_at: str
    compartment: str


class DepositWithdrawn(Answer):
    """POST /api/v1/deposits/{id}/withdraw: the door was opened for staff."""

    deposit_id: str
    door: DoorOutcome
    state: DepositState


class DepositUnblocked(Answer):
    """POST /api/v1/deposits/{id}/unblock."""

    deposit_id: str
    state: DepositState
    locked: bool


class DepositRow(Answer):
    """GET /api/v1/deposits (one row) and GET /api/v1/deposits/{id}: no phone number, no code."""

    deposit_id: str
    dossier_code: str
    compartment: str
    state: DepositState
    expires_at: str | None
    phone_masked: str
    locked: bool
    wrong_tries: int
    created_by: str
    created_at: str
    collected_at: str | None
    size: Size
    authorised: bool = False  # staff added an authorised person who may collect (issue 16)


class ForcedOpen(Answer):
    """POST /api/v1/compartments/{label}/open (`not_sent`: the bus could not send the pulse)."""

    compartment: str
    door: DoorOutcome | Literal["not_sent"]
    deposit_id: str | None


class CompartmentRow(Answer):
    """GET /api/v1/compartments (staff): door, item sensor and deposit of every compartment."""

    label: str
    size: Size
    state: CompartmentView
    door: DoorState
    item_present: bool | None
    deposit_id: str | None
    deposit_state: DepositState | None
    bus: str
    board: int
    lock: int


class Mismatch(Answer):
    """A compartment whose sensors disagree with the database."""

    compartment: str
    deposit_id: str | None
    door: DoorState
    item_present: bool | None
    problem: str


class Reconciled(Answer):
    """POST /api/v1/reconcile."""

    mismatches: list[Mismatch]


class AlarmRow(Answer):
    """GET /api/v1/alarms (one row)."""

    alarm_id: int
    kind: str
    compartment: str | None
    raised_at: str
    message: str
    acked: bool
    acked_by: str | None
    acked_at: str | None


class AlarmAcked(Answer):
    """POST /api/v1/alarms/{alarm_id}/ack."""

    alarm_id: int
    acked: bool


class KioskAlarmRaised(Answer):
    """POST /api/v1/alarms (`raised` false: the same alarm is already open)."""

    alarm_id: int | None
    raised: bool


class DeviceReported(Answer):
    """POST /api/v1/kiosk/devices: an empty object."""


class AuditRecord(Answer):
    """One record of the hash-chained audit log."""

    seq: int
    at: str
    actor: str
    action: str
    deposit_id: str | None
    compartment: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str


class AuditLog(Answer):
    """GET /api/v1/audit?format=json (format=csv answers a CSV download)."""

    records: list[AuditRecord]
    chain_ok: bool
    chain_records: int


class ReceiptCheck(Answer):
    """GET /api/v1/receipts/{token}: enough to recognise the receipt, nothing to reach the citizen."""

    genuine: bool
    status: Literal["collected", "not_collected"]
    center_name: str
    dossier_code: str
    compartment: str
    collected_at: str | None
    citizen_name_masked: str
    timezone: str
    collected_by: CollectedBy | None = None  # null for pickups recorded before issue 16
