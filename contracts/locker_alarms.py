"""The locker's alarms on the wire: the staff's list and acknowledgement, and an alarm a kiosk raises
(docs/locker.md)."""

from __future__ import annotations

from pydantic import Field

from contracts.locker import Answer, Body


class KioskAlarmBody(Body):
    """POST /api/v1/alarms (the kiosk reports a device problem to staff)."""

    kind: str = Field(pattern=r"^(printer|camera|kiosk)_[a-z_]{2,40}$")
    message: str = Field(min_length=1, max_length=300)


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
