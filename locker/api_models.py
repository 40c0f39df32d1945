"""Request bodies of the locker API and the answers both the routes and the pickup fast path
(`locker.fastpath`) give: kiosk identification and domain-error responses, defined once."""

import hmac

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from locker.config import Size
from locker.domain import TransitionError
from locker.errors import AuthError, LockerError
from locker.kiosk_devices import Device, DeviceState
from locker.staff import Role


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
    """POST /api/v1/kiosk/devices (the kiosk's printer or camera state; `ok` clears its alarm)."""

    device: Device
    state: DeviceState
    detail: str = Field("", max_length=300)


class ForceBody(_Body):
    """POST /api/v1/compartments/{label}/open."""

    reason: str = Field(min_length=3, max_length=200)


def bearer_token(authorization: str | None) -> str:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise AuthError("not_signed_in", "send 'Authorization: Bearer <token>'")
    return authorization[7:].strip()


def kiosk_id(kiosk_token: str, authorization: str | None, x_kiosk_id: str | None) -> str:
    """The calling kiosk's name, once its token is checked (constant time); AuthError if not
    the kiosk. Used by the routes and by `locker.fastpath`, so both check the same way."""
    token = bearer_token(authorization)
    if not hmac.compare_digest(token.encode(), kiosk_token.encode()):
        raise AuthError("not_kiosk", "only the kiosk may do this (kiosk token missing or wrong)")
    kid = (x_kiosk_id or "kiosk")[:32]
    # ASCII only: per-kiosk throttling keys on this name, and "kiosk-２" must not be a new kiosk
    return "".join(ch for ch in kid if (ch.isascii() and ch.isalnum()) or ch in "-_") or "kiosk"


def locker_error_response(err: LockerError) -> JSONResponse:
    """The one answer to a domain error: its status and body, `Retry-After` when throttled."""
    headers = {}
    if "retry_after_s" in err.extra:
        headers["Retry-After"] = str(err.extra["retry_after_s"])
    return JSONResponse(err.body(), status_code=err.status, headers=headers)


def transition_error_response(err: TransitionError) -> JSONResponse:
    """A life-cycle step that does not apply to the deposit's current state: 409."""
    return JSONResponse({"error": "wrong_state", "message": f"{err}; reload and try again"}, status_code=409)
