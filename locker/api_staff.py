"""Routes of staff accounts: signing in and out, who is signed in, enrolling and re-enrolling."""

# no `from __future__ import annotations`: FastAPI must see the local Annotated aliases themselves

from typing import Annotated, Any

from fastapi import Depends, FastAPI

from common.api_errors import error_responses
from contracts.locker_staff import (
    SessionBody,
    SignedOut,
    StaffBody,
    StaffEnrolled,
    StaffReenrolled,
    StaffSignedIn,
    WhoAmI,
)
from locker.service import LockerService
from locker.staff import StaffSession


def staff_routes(app: FastAPI, svc: LockerService, staff: Any, supervisor: Any) -> None:
    """Add the session and account routes; `staff` and `supervisor` are the app's dependencies."""
    Staff = Annotated[StaffSession, Depends(staff)]
    Super = Annotated[StaffSession, Depends(supervisor)]

    @app.post("/api/v1/staff/sessions", response_model=StaffSignedIn, responses=error_responses(401, 422))
    def sign_in(body: SessionBody) -> dict[str, Any]:
        token, sess = svc.staff.sign_in(body.staff_id, body.pin, body.totp)
        return {
            "token": token,
            "expires_at": sess.expires_at.isoformat(),
            "staff_id": sess.staff_id,
            "role": sess.role.value,
        }

    @app.delete("/api/v1/staff/sessions/current", response_model=SignedOut, responses=error_responses(401))
    def sign_out(sess: Staff) -> dict[str, Any]:
        svc.staff.sign_out(sess)
        return {"signed_out": True}

    @app.get("/api/v1/staff/whoami", response_model=WhoAmI, responses=error_responses(401))
    def whoami(sess: Staff) -> dict[str, Any]:
        return {"staff_id": sess.staff_id, "role": sess.role.value, "expires_at": sess.expires_at.isoformat()}

    @app.post("/api/v1/staff", response_model=StaffEnrolled, responses=error_responses(401, 403, 409, 422))
    def enrol(body: StaffBody, sess: Super) -> dict[str, Any]:
        uri = svc.staff.add(body.staff_id, body.role, body.pin, actor=sess.staff_id)
        return {"staff_id": body.staff_id, "role": body.role.value, "otpauth_uri": uri}

    @app.post(
        "/api/v1/staff/{staff_id}/reenrol",
        response_model=StaffReenrolled,
        responses=error_responses(401, 403, 404),
    )
    def reenrol(staff_id: str, sess: Super) -> dict[str, Any]:
        uri = svc.staff.reenrol(staff_id, actor=sess.staff_id)  # lost phone: a new authenticator secret
        return {"staff_id": staff_id, "otpauth_uri": uri}
