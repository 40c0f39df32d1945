"""A center's trends by day, ISO week or month, read from the daily rollups; the counters' hours
from the stored `counter.opened` / `counter.closed` events at query time (one partial index,
migration 9, finds them without the rest of the center's events)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

import psycopg
from pydantic import BaseModel, Field

Period = Literal["day", "week", "month"]
#: How many periods a trend shows when no `from` is given, and the most it may span.
DEFAULT_PERIODS: dict[str, int] = {"day": 31, "week": 26, "month": 12}
MAX_PERIODS: dict[str, int] = {"day": 366, "week": 260, "month": 120}
#: The trend table's columns, in order (labels in hub.texts).
TREND_COLUMNS = (
    "period", "tickets_issued", "tickets_served", "mean_wait_min", "share_over_target", "mean_rating",
    "deposits_loaded", "deposits_collected", "counter_openings", "counter_hours",
)  # fmt: skip


class TrendRow(BaseModel):
    """One period of a center (a day, an ISO week from its Monday, or a calendar month)."""

    start: date = Field(description="First day of the period.")
    tickets_issued: int
    tickets_served: int
    mean_wait_s: float | None = Field(description="Mean wait from ticket to first call, if any call.")
    share_over_target: float | None = Field(description="Share (0-1) of calls after a wait over the target.")
    ratings: int
    mean_rating: float | None = Field(description="Citizens' mean satisfaction (1-5), if any rating.")
    deposits_loaded: int
    deposits_collected: int
    counter_openings: int = Field(
        default=0, description="Counters opened (an officer signed in at a closed one)."
    )
    counter_hours: float = Field(
        default=0.0,
        description="Hours counters were open (opened -> closed, pauses included), counted on the "
        "day each opened; one still open counts up to now, at most to the end of that day.",
    )


class TrendsOut(BaseModel):
    """A center's trend over `first`..`last` by `by`."""

    center_id: str
    name: str
    by: Period
    first: date
    last: date
    wait_target_min: float = Field(description="The hub's wait target (config), for the share's heading.")
    rows: list[TrendRow]


def period_start(day: date, by: Period) -> date:
    """The first day of the period holding `day`."""
    if by == "week":
        return day - timedelta(days=day.weekday())
    if by == "month":
        return day.replace(day=1)
    return day


def _next(start: date, by: Period) -> date:
    if by == "day":
        return start + timedelta(days=1)
    if by == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def _back(last: date, by: Period, periods: int) -> date:
    start = period_start(last, by)
    if by == "day":
        return start - timedelta(days=periods - 1)
    if by == "week":
        return start - timedelta(weeks=periods - 1)
    months = start.year * 12 + start.month - 1 - (periods - 1)
    return date(months // 12, months % 12 + 1, 1)


def span(by: Period, first: date | None, last: date) -> tuple[date, date]:
    """The periods' first and last days for `first`..`last`; ValueError past MAX_PERIODS."""
    start = period_start(first, by) if first else _back(last, by, DEFAULT_PERIODS[by])
    if start > last:
        raise ValueError("`from` is after `to`: give from <= to (YYYY-MM-DD)")
    if start < _back(last, by, MAX_PERIODS[by]):
        raise ValueError(f"at most {MAX_PERIODS[by]} periods by {by}: give a later `from` or a coarser `by`")
    return start, last


def counter_time(
    conn: psycopg.Connection, center_id: str, by: Period, first: date, last: date, now: datetime, tz: str
) -> dict[date, tuple[int, float]]:
    """Per period: counters opened, and hours open. Each `counter.opened` is paired with the
    next event of its counter (same stream): a `counter.closed` ends the session; without one
    (still open, or its close not received yet) it counts up to `now`, at most to the end of its
    day (local midnight in `tz`), and no later than the counter's next opening."""
    rows = conn.execute(
        "WITH ev AS ("
        "  SELECT day, at, kind, LEAD(kind) OVER w AS next_kind, LEAD(at) OVER w AS next_at "
        "  FROM events WHERE center_id = %(c)s AND day BETWEEN %(first)s AND %(after)s "
        "  AND kind IN ('counter.opened', 'counter.closed') "
        "  WINDOW w AS (PARTITION BY stream, data->>'counter' ORDER BY at, seq)"
        ") SELECT date_trunc(%(by)s, day::timestamp)::date AS p, count(*), "
        "  COALESCE(SUM(GREATEST(0, EXTRACT(EPOCH FROM CASE WHEN next_kind = 'counter.closed' THEN next_at "
        "    ELSE LEAST(%(now)s, next_at, (day + 1)::timestamp AT TIME ZONE %(tz)s) END - at))), 0) "
        "FROM ev WHERE kind = 'counter.opened' AND day BETWEEN %(first)s AND %(last)s GROUP BY p",
        {"c": center_id, "first": first, "last": last, "after": last + timedelta(days=1), "by": by,
         "now": now, "tz": tz},
    ).fetchall()  # fmt: skip
    return {r[0]: (int(r[1]), round(float(r[2]) / 3600, 1)) for r in rows}


def trends(
    conn: psycopg.Connection,
    center_id: str,
    by: Period,
    first: date,
    last: date,
    wait_target_min: float,
    now: datetime | None = None,
    tz: str = "UTC",
) -> TrendsOut | None:
    """The center's periods from `first` to `last` (each one, zeros where nothing was counted);
    None for an unknown center. `now` (the hub's clock) bounds a counter still open; without it
    the counters' columns stay zero."""
    center = conn.execute("SELECT name FROM centers WHERE center_id = %s", (center_id,)).fetchone()
    if center is None:
        return None
    rows = conn.execute(
        "SELECT date_trunc(%s, day::timestamp)::date AS p, SUM(tickets_issued), SUM(tickets_served), "
        "SUM(wait_s_sum), SUM(wait_n), SUM(waits_over_target), SUM(ratings_n), SUM(ratings_sum), "
        "SUM(deposits_loaded), SUM(deposits_collected) "
        "FROM daily WHERE center_id = %s AND day BETWEEN %s AND %s GROUP BY p",
        (by, center_id, first, last),
    ).fetchall()
    found = {r[0]: r[1:] for r in rows}
    counters = counter_time(conn, center_id, by, first, last, now, tz) if now is not None else {}
    out = []
    start = first
    while start <= last:
        issued, served, wsum, wn, over, rn, rsum, loaded, collected = found.get(start, (0,) * 9)
        out.append(
            TrendRow(
                start=start,
                tickets_issued=int(issued),
                tickets_served=int(served),
                mean_wait_s=round(float(wsum) / int(wn), 1) if wn else None,
                share_over_target=round(int(over) / int(wn), 3) if wn else None,
                ratings=int(rn),
                mean_rating=round(int(rsum) / int(rn), 2) if rn else None,
                deposits_loaded=int(loaded),
                deposits_collected=int(collected),
                counter_openings=counters.get(start, (0, 0.0))[0],
                counter_hours=counters.get(start, (0, 0.0))[1],
            )
        )
        start = _next(start, by)
    return TrendsOut(
        center_id=center_id,
        name=center[0],
        by=by,
        first=first,
        last=last,
        wait_target_min=wait_target_min,
        rows=out,
    )
