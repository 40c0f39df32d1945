"""Routes of deposits: loading a result, keeping it at the counter, and every later step staff take."""

# no `from __future__ import annotations`: FastAPI must see the local Annotated aliases themselves

from typing import Annotated, Any

from fastapi import Depends, FastAPI

from common.api_errors import error_responses
from contracts.locker_deposits import (
    CodeIssued,
    DepositBody,
    DepositCancelled,
    DepositMoved,
    DepositOpened,
    DepositReopened,
    DepositRow,
    DepositUnblocked,
    DepositWithdrawn,
)
from contracts.locker_loading import CounterBody, KeptAtCounter
from locker.service import LockerService
from locker.staff import StaffSession


def deposit_routes(app: FastAPI, svc: LockerService, staff: Any, supervisor: Any) -> None:
    """Add the deposit routes; `staff` and `supervisor` are the app's dependencies."""
    Staff = Annotated[StaffSession, Depends(staff)]
    Super = Annotated[StaffSession, Depends(supervisor)]

    @app.post("/api/v1/deposits", response_model=DepositOpened, responses=error_responses(401, 409, 422, 503))
    def create_deposit(body: DepositBody, sess: Staff) -> DepositOpened:
        return svc.deposits.create(
            sess,
            body.dossier_code,
            body.phone,
            body.size,
            body.id_number,
            authorised_id_number=body.authorised_id_number,
            authorised_phone=body.authorised_phone,
        )

    @app.post(
        "/api/v1/counter-results", response_model=KeptAtCounter, responses=error_responses(401, 409, 422)
    )
    def keep_at_counter(body: CounterBody, sess: Staff) -> KeptAtCounter:
        """No fitting compartment: the result stays at the counter and the citizen's SMS says so."""
        return svc.deposits.capacity.keep_at_counter(sess, body.dossier_code, body.phone)

    @app.get("/api/v1/deposits", response_model=list[DepositRow], responses=error_responses(401, 422))
    def list_deposits(_: Staff, state: str | None = None) -> list[dict[str, Any]]:
        return svc.custody.list(state)

    @app.get("/api/v1/deposits/{deposit_id}", response_model=DepositRow, responses=error_responses(401, 404))
    def get_deposit(deposit_id: str, _: Staff) -> dict[str, Any]:
        return svc.custody.get(deposit_id)

    @app.post(
        "/api/v1/deposits/{deposit_id}/confirm",
        response_model=CodeIssued,
        responses=error_responses(401, 404, 409),
    )
    def confirm(deposit_id: str, sess: Staff) -> CodeIssued:
        return svc.deposits.confirm(sess.staff_id, deposit_id)

    @app.post(
        "/api/v1/deposits/{deposit_id}/reopen",
        response_model=DepositReopened,
        responses=error_responses(401, 404, 409, 503),
    )
    def reopen(deposit_id: str, sess: Staff) -> DepositReopened:
        return svc.deposits.reopen(sess, deposit_id)

    @app.post(
        "/api/v1/deposits/{deposit_id}/bigger",
        response_model=DepositMoved,
        responses=error_responses(401, 404, 409, 503),
    )
    def bigger(deposit_id: str, sess: Staff) -> DepositMoved:
        return svc.deposits.bigger(sess, deposit_id)

    @app.post(
        "/api/v1/deposits/{deposit_id}/cancel",
        response_model=DepositCancelled,
        responses=error_responses(401, 404, 409),
    )
    def cancel(deposit_id: str, sess: Staff) -> DepositCancelled:
        return svc.deposits.cancel(sess, deposit_id)

    @app.post(
        "/api/v1/deposits/{deposit_id}/withdraw",
        response_model=DepositWithdrawn,
        responses=error_responses(401, 404, 409, 503),
    )
    def withdraw(deposit_id: str, sess: Staff) -> DepositWithdrawn:
        return svc.custody.withdraw(sess, deposit_id)

    @app.post(
        "/api/v1/deposits/{deposit_id}/reissue",
        response_model=CodeIssued,
        responses=error_responses(401, 403, 404, 409),
    )
    def reissue(deposit_id: str, sess: Super) -> CodeIssued:
        return svc.custody.reissue(sess, deposit_id)

    @app.post(
        "/api/v1/deposits/{deposit_id}/unblock",
        response_model=DepositUnblocked,
        responses=error_responses(401, 403, 404),
    )
    def unblock(deposit_id: str, sess: Super) -> DepositUnblocked:
        return svc.custody.unblock(sess, deposit_id)
