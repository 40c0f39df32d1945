"""The day's appointment figures per service: booked, cancelled, checked in, no-shows, check-in
rate, and punctuality (called within `punctual_within_min` of the slot's start); JSON or CSV."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from common.csv_text import csv_text
from contracts.appointment_sms import AppointmentReportRowWithSms
from contracts.queueing_appointments import AppointmentReportRow
from queueing import appointment_sms_repo
from queueing.store import Store

COLUMNS = (
    "service",
    "label",
    "booked",
    "cancelled",
    "checked_in",
    "no_show",
    "upcoming",
    "checkin_rate_pct",
    "called",
    "punctual_pct",
    "late_mean_min",
    "sms_sent",
    "sms_failed",
)


def day_report(
    store: Store,
    day: str,
    now_ts: float,
    checkin_after_min: int,
    punctual_within_min: int,
    labels: dict[str, str],
) -> list[AppointmentReportRow]:
    """One row per service with bookings on `day` (YYYY-MM-DD), then an 'all' row."""
    with store.read() as conn:
        rows = appointment_sms_repo.of_day_with_call(conn, day)

    groups: dict[str, list[Any]] = {}
    for r in rows:
        groups.setdefault(r["service"], []).append(r)
    out = [
        _summary(code, labels.get(code, code), items, now_ts, checkin_after_min, punctual_within_min)
        for code, items in sorted(groups.items())
    ]
    out.append(_summary("all", "Tất cả / All", list(rows), now_ts, checkin_after_min, punctual_within_min))
    return out


def _summary(
    code: str, label: str, rows: Sequence[Any], now_ts: float, after_min: int, punctual_min: int
) -> AppointmentReportRow:
    past = [r for r in rows if r["state"] == "booked" and r["slot_start"] + after_min * 60 < now_ts]
    checked = [r for r in rows if r["state"] == "checked_in"]
    called = [r for r in checked if r["called_at"] is not None]
    late = [max(0.0, r["called_at"] - r["slot_start"]) / 60 for r in called]
    decided = len(checked) + len(past)
    return AppointmentReportRow(
        service=code,
        label=label,
        booked=sum(1 for r in rows if r["state"] != "cancelled"),
        cancelled=sum(1 for r in rows if r["state"] == "cancelled"),
        checked_in=len(checked),
        no_show=len(past),
        upcoming=sum(1 for r in rows if r["state"] == "booked") - len(past),
        checkin_rate_pct=round(100 * len(checked) / decided, 1) if decided else None,
        called=len(called),
        punctual_pct=round(100 * sum(1 for m in late if m <= punctual_min) / len(late), 1) if late else None,
        late_mean_min=round(sum(late) / len(late), 1) if late else None,
    )


def with_sms_counts(
    rows: Sequence[AppointmentReportRow], counts: dict[str, dict[str, int]]
) -> list[AppointmentReportRowWithSms]:
    """The rows with `sms_sent` and `sms_failed` (the booking SMS of the day's appointments)."""
    out = []
    for row in rows:
        picked = counts.values() if row.service == "all" else [counts.get(row.service, {})]
        out.append(
            AppointmentReportRowWithSms(
                **row.model_dump(),
                sms_sent=sum(c.get("sent", 0) for c in picked),
                sms_failed=sum(c.get("failed", 0) for c in picked),
            )
        )
    return out


def to_csv(rows: Sequence[AppointmentReportRow]) -> str:
    """The report as CSV (header first; empty cells for unknown values: the SMS columns without
    SMS)."""
    return csv_text(COLUMNS, ([values.get(k) for k in COLUMNS] for values in (r.model_dump() for r in rows)))
