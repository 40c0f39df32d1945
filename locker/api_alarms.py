"""Routes of alarms: the staff's list and acknowledgement, and an alarm a kiosk raises."""

# no `from __future__ import annotations`: FastAPI must see the local Annotated aliases themselves

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path

from common.api_errors import error_responses
from contracts.locker_alarms import AlarmAcked, AlarmRow, KioskAlarmBody, KioskAlarmRaised
from locker.service import LockerService
from locker.staff import StaffSession


def alarm_routes(app: FastAPI, svc: LockerService, kiosk: Any, staff: Any) -> None:
    """Add the alarm routes; `kiosk` and `staff` are the app's dependencies."""
    Kiosk = Annotated[str, Depends(kiosk)]
    Staff = Annotated[StaffSession, Depends(staff)]

    @app.get("/api/v1/alarms", response_model=list[AlarmRow], responses=error_responses(401, 422))
    def alarms(_: Staff, open_only: bool = False) -> list[dict[str, Any]]:
        return svc.alarms.list(include_acked=not open_only)

    @app.post(
        "/api/v1/alarms/{alarm_id}/ack", response_model=AlarmAcked, responses=error_responses(401, 404, 422)
    )
    def ack(alarm_id: Annotated[int, Path(le=2**63 - 1)], sess: Staff) -> dict[str, Any]:  # SQLite int64
        svc.alarms.ack(alarm_id, sess.staff_id)
        return {"alarm_id": alarm_id, "acked": True}

    @app.post("/api/v1/alarms", response_model=KioskAlarmRaised, responses=error_responses(401, 422))
    def kiosk_alarm(body: KioskAlarmBody, kid: Kiosk) -> dict[str, Any]:
        alarm_id = svc.alarms.raise_(body.kind, None, f"kiosk {kid}: {body.message}")
        return {"alarm_id": alarm_id, "raised": alarm_id is not None}
