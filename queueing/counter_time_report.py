"""Report of the counters' time per officer, counter and day: open, paused by reason, idle while
citizens waited (the spans kept by `queueing.counter_time`); JSON rows or CSV."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from common.csv_text import csv_text
from contracts.counter_time import CounterTimeRow
from queueing import counter_time_repo
from queueing.config import PauseReasonConfig
from queueing.store import Store

#: Pause spans recorded without a reason (a counter paused before reasons existed).
UNSPECIFIED = "unspecified"
#: Longest range one request may ask for.
MAX_DAYS = 31


@dataclass
class _Seconds:
    """Seconds open, paused (by reason code) and idle while citizens waited, of one row."""

    open: float = 0.0
    pause: dict[str, float] = field(default_factory=dict)
    idle: float = 0.0


def _bounds(day: date, tz: tzinfo) -> tuple[float, float]:
    start = datetime.combine(day, time(0), tzinfo=tz).timestamp()
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).timestamp()
    return start, end


def spans_between(store: Store, start: float, end: float) -> list[Any]:
    """Spans overlapping [start, end): begun inside it, or begun before and not ended by `start`."""
    with store.read() as conn:
        return counter_time_repo.spans_between(conn, start, end)


def report(
    store: Store,
    first: date,
    last: date,
    tz: tzinfo,
    now: float,
    names: dict[str, str] | None = None,
) -> list[CounterTimeRow]:
    """One row per (day, officer, counter) with time in it, then a total row (minutes).

    A span still open counts up to `now`; a span across midnight counts on each day for its part.
    """
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    lo, _ = _bounds(first, tz)
    _, hi = _bounds(last, tz)
    spans = spans_between(store, lo, hi)
    seconds: dict[tuple[str, str, int], _Seconds] = {}
    for day in days:
        start, end = _bounds(day, tz)
        for s in spans:
            begin = max(start, float(s["started_at"]))
            finish = min(end, now if s["ended_at"] is None else float(s["ended_at"]))
            if finish <= begin:
                continue
            key = (day.isoformat(), s["staff_id"] or "", int(s["counter"]))
            acc = seconds.setdefault(key, _Seconds())
            if s["kind"] == "pause":
                reason = s["reason"] or UNSPECIFIED
                acc.pause[reason] = acc.pause.get(reason, 0.0) + finish - begin
            elif s["kind"] == "open":
                acc.open += finish - begin
            elif s["kind"] == "idle":
                acc.idle += finish - begin
    names = names or {}
    rows = [
        _row(d, staff, counter, acc, names.get(staff, staff))
        for (d, staff, counter), acc in sorted(seconds.items())
    ]
    total = _Seconds()
    for acc in seconds.values():
        total.open += acc.open
        total.idle += acc.idle
        for reason, s_ in acc.pause.items():
            total.pause[reason] = total.pause.get(reason, 0.0) + s_
    rows.append(_row("", "", None, total, "Tổng · All"))
    return rows


def _row(day: str, staff: str, counter: int | None, acc: _Seconds, name: str) -> CounterTimeRow:
    paused = sum(acc.pause.values())
    available = acc.open - paused
    return CounterTimeRow(
        day=day,
        staff_id=staff,
        staff_name=name,
        counter=counter,
        open_min=_min(acc.open),
        paused_min=_min(paused),
        paused_by_reason_min={k: _min(v) for k, v in sorted(acc.pause.items())},
        idle_waiting_min=_min(acc.idle),
        idle_waiting_pct=round(100 * acc.idle / available, 1) if available > 0 else None,
    )


def _min(seconds: float) -> float:
    return round(seconds / 60, 1)


def to_csv(rows: Sequence[CounterTimeRow], reasons: Sequence[PauseReasonConfig]) -> str:
    """The report as CSV: one `paused_<code>_min` column per configured reason (then any other
    code the rows hold), empty cells for unknown values."""
    codes = [r.code for r in reasons]
    codes += sorted({c for row in rows for c in row.paused_by_reason_min} - set(codes))
    columns = ["day", "staff_id", "staff_name", "counter", "open_min", "paused_min"]
    columns += [f"paused_{c}_min" for c in codes] + ["idle_waiting_min", "idle_waiting_pct"]

    def cells(row: CounterTimeRow) -> list[object]:
        flat: dict[str, object] = row.model_dump(exclude={"paused_by_reason_min"})
        flat.update({f"paused_{c}_min": row.paused_by_reason_min.get(c, 0.0) for c in codes})
        return [flat.get(k) for k in columns]

    return csv_text(columns, (cells(row) for row in rows))
