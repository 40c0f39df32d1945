"""Routes of compartments: the cabinet picture, the staff's list, forcing a door open, reconciling."""

# no `from __future__ import annotations`: FastAPI must see the local Annotated aliases themselves

from typing import Annotated, Any

from fastapi import Depends, FastAPI

from common.api_errors import error_responses
from contracts.locker_compartments import CabinetView, CompartmentRow, ForceBody, ForcedOpen, Reconciled
from locker.service import LockerService
from locker.staff import StaffSession


def compartment_routes(
    app: FastAPI, svc: LockerService, kiosk_or_staff: Any, staff: Any, supervisor: Any
) -> None:
    """Add the compartment routes; `kiosk_or_staff`, `staff` and `supervisor` are the app's
    dependencies."""
    Staff = Annotated[StaffSession, Depends(staff)]
    Super = Annotated[StaffSession, Depends(supervisor)]

    @app.get("/api/v1/cabinet", response_model=CabinetView, responses=error_responses(401))
    def cabinet(_: Annotated[str, Depends(kiosk_or_staff)]) -> CabinetView:
        return svc.cabinet_view()

    @app.post(
        "/api/v1/compartments/{label}/open",
        response_model=ForcedOpen,
        responses=error_responses(401, 403, 404, 409, 422),
    )
    def force_open(label: str, body: ForceBody, sess: Super) -> ForcedOpen:
        return svc.custody.force_open(sess, label, body.reason)

    @app.get("/api/v1/compartments", response_model=list[CompartmentRow], responses=error_responses(401))
    def compartments(_: Staff) -> list[CompartmentRow]:
        return svc.compartments()

    @app.post("/api/v1/reconcile", response_model=Reconciled, responses=error_responses(401, 403))
    def reconcile(sess: Super) -> dict[str, Any]:
        return {"mismatches": svc.monitor.reconcile(sess.staff_id)}
