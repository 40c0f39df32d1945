"""Typed models of the booking's SMS and moves (queueing/appointment_sms.py,
queueing/appointment_move.py): the move request and the appointments report with SMS counts."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from contracts.queueing_appointments import AppointmentReport, AppointmentReportRow


class MoveRequest(BaseModel):
    """POST /api/v1/appointments/manage/{token}/move: the new slot's start (same service)."""

    model_config = ConfigDict(extra="ignore")

    start: datetime


class AppointmentReportRowWithSms(AppointmentReportRow):
    """A report row with the booking SMS of the day's appointments: sent, and given up."""

    sms_sent: int = 0
    sms_failed: int = 0


class AppointmentReportWithSms(AppointmentReport):
    """GET /api/v1/reports/appointments with SMS counts per row."""

    rows: list[AppointmentReportRowWithSms]  # type: ignore[assignment]
