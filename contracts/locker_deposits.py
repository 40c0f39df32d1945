"""The locker's deposits on the wire: loading a result into a compartment and every later step of
its life that staff take (confirm, reopen, bigger, cancel, withdraw, reissue, unblock) (docs/locker.md)."""

from __future__ import annotations

from pydantic import Field

from contracts.locker import Answer, Body, DepositState, DoorOutcome, Size


class DepositBody(Body):
    """POST /api/v1/deposits."""

    dossier_code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._/-]+$")
    phone: str | None = Field(None, max_length=20)
    size: Size | None = None
    id_number: str | None = Field(None, max_length=20)
    # the authorised person (issue 16): ID number kept only as a keyed digest; phone gets the code
    authorised_id_number: str | None = Field(None, max_length=20)
    authorised_phone: str | None = Field(None, max_length=20)


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
