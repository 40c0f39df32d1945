"""The queue's day report on the wire, per service, counter or staff member (docs/queueing.md)."""

from __future__ import annotations

from contracts.queueing import Answer, GroupBy


class ReportRow(Answer):
    """One group's figures for a day (minutes; null when there is no data)."""

    group: str
    label: str
    issued: int
    served: int
    no_show: int
    transferred: int
    voided: int
    waiting_now: int
    wait_mean_min: float | None
    wait_p90_min: float | None
    service_mean_min: float | None
    service_p90_min: float | None
    over_target_pct: float | None
    estimate_mae_min: float | None
    rating_mean: float | None
    ratings: int


class DayReport(Answer):
    """GET /api/v1/reports?format=json (format=csv answers a CSV download)."""

    day: str
    group: GroupBy
    wait_target_min: float
    rows: list[ReportRow]
