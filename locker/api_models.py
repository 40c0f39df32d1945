"""What the routes share: kiosk identification and domain-error responses, defined once. The
request and answer bodies themselves are the contract in `contracts.locker_*` (re-exported here)."""

import hmac

from fastapi.responses import JSONResponse

from contracts.locker_alarms import KioskAlarmBody
from contracts.locker_compartments import ForceBody
from contracts.locker_deposits import DepositBody
from contracts.locker_kiosk import KioskDeviceBody
from contracts.locker_pickup import PickupBody
from contracts.locker_staff import SessionBody, StaffBody
from locker.domain import TransitionError
from locker.errors import AuthError

__all__ = [
    "DepositBody",
    "ForceBody",
    "KioskAlarmBody",
    "KioskDeviceBody",
    "PickupBody",
    "SessionBody",
    "StaffBody",
    "bearer_token",
    "kiosk_id",
    "transition_error_response",
]


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer` header; AuthError `not_signed_in` without one."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise AuthError("not_signed_in", "send 'Authorization: Bearer <token>'")
    return authorization[7:].strip()


def kiosk_id(kiosk_token: str, authorization: str | None, x_kiosk_id: str | None) -> str:
    """The calling kiosk's name, once its token is checked (constant time); AuthError if not
    the kiosk."""
    token = bearer_token(authorization)
    if not hmac.compare_digest(token.encode(), kiosk_token.encode()):
        raise AuthError("not_kiosk", "only the kiosk may do this (kiosk token missing or wrong)")
    kid = (x_kiosk_id or "kiosk")[:32]
    # ASCII only: per-kiosk throttling keys on this name, and "kiosk-２" must not be a new kiosk
    return "".join(ch for ch in kid if (ch.isascii() and ch.isalnum()) or ch in "-_") or "kiosk"


def transition_error_response(err: TransitionError) -> JSONResponse:
    """A life-cycle step that does not apply to the deposit's current state: 409."""
    return JSONResponse({"error": "wrong_state", "message": f"{err}; reload and try again"}, status_code=409)
