"""The locker's staff accounts on the wire: signing in and out, who is signed in, enrolling an
account and a new authenticator secret (docs/locker.md)."""

from __future__ import annotations

from pydantic import Field

from contracts.locker import Answer, Body, Role


class SessionBody(Body):
    """POST /api/v1/staff/sessions."""

    staff_id: str = Field(min_length=1, max_length=32)
    pin: str = Field(min_length=1, max_length=12)
    totp: str = Field(pattern=r"^[0-9]{6}$")  # ASCII only: \d also accepts Arabic-Indic digits


class StaffBody(Body):
    """POST /api/v1/staff (supervisor enrols an account)."""

    staff_id: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    role: Role
    pin: str = Field(pattern=r"^[0-9]{4,12}$")


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
