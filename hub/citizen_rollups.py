"""Daily rollups of what citizens did at a center beyond tickets: appointments and ratings.

`add_to_rollups` is called by the ingest once per batch, in its transaction, with the events that
batch really stored (a batch sent twice adds nothing the second time). It keeps, per center, day
and service:

- `daily_appointments`: bookings held for the day (booked, plus moved in, minus moved out and
  cancelled), cancellations, check-ins (and how early or late: minutes from the slot's start),
  no-shows, and calls of booked tickets at their slot (punctual: within `PUNCTUAL_WITHIN_MIN`);
- `daily_rating_levels`: ratings by score (1..5) and source (tablet, phone);
- `daily_rating_reasons`: the reason codes given after a low score.

Appointment events count for the slot's day (the center sends them so: `queueing.appointment_hub`).
`summary_fields` adds these to a center's summary (`GET /api/v1/centers/{id}/summary`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any, Protocol

import psycopg
from pydantic import BaseModel

from common.outbox import clean_data

#: One yardstick for the whole province: a booked ticket called at most this many minutes after
#: its slot's start is punctual (a center's own reports use its `punctual_within_min`).
PUNCTUAL_WITHIN_MIN = 10.0

#: Appointment event kind -> the rollup columns it adds one to.
APPOINTMENT_COLUMNS = ("booked", "cancelled", "moved", "checked_in", "no_show", "called", "called_punctual")
KINDS = frozenset(
    {
        "appointment.booked",
        "appointment.moved",
        "appointment.cancelled",
        "appointment.checked_in",
        "appointment.no_show",
        "ticket.called",
        "ticket.rated",
    }
)
SCORES = (5, 4, 3, 2, 1)
SOURCES = ("tablet", "phone")


class StoredEvent(Protocol):
    """What the ingest hands over of each event it stored (`hub.ingest.EventIn`)."""

    day: date
    kind: str
    data: dict[str, Any]


class ReasonCount(BaseModel):
    """A reason code given after a low rating, and how many times."""

    reason: str
    n: int


def add_to_rollups(conn: psycopg.Connection, center_id: str, events: Iterable[StoredEvent]) -> None:
    """Add the batch's newly stored appointment and rating events to the rollups (caller's transaction)."""
    appts: dict[tuple[date, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    levels: dict[tuple[date, str, str, int], int] = defaultdict(int)
    reasons: dict[tuple[date, str, str], int] = defaultdict(int)
    for e in events:
        if e.kind not in KINDS or (e.kind == "ticket.called" and "late_min" not in e.data):
            continue  # (most calls are walk-ins': skipped before any cleaning)
        data = clean_data(e.data)
        service = str(data.get("service", ""))
        late = data.get("late_min")
        if e.kind == "ticket.called":
            if late is None:
                continue  # a walk-in, or a booked ticket called before its slot
            cell = appts[(e.day, service)]
            cell["called"] += 1
            cell["called_late_min_sum"] += float(late)
            cell["called_punctual"] += 1 if float(late) <= PUNCTUAL_WITHIN_MIN else 0
        elif e.kind == "ticket.rated":
            rating = data.get("rating")
            if not isinstance(rating, int) or not 1 <= rating <= 5:
                continue
            source = data.get("source") if data.get("source") in SOURCES else "phone"
            levels[(e.day, service, str(source), rating)] += 1
            for code in data.get("reasons") or []:
                reasons[(e.day, service, code)] += 1
        else:
            state = e.kind.split(".", 1)[1]
            cell = appts[(e.day, service)]
            cell[state] += 1
            if state in ("booked", "moved"):
                cell["held"] += 1
            if state == "cancelled":
                cell["held"] -= 1
            if state == "moved":
                former = _day(data.get("from_day"))
                if former is not None:
                    appts[(former, service)]["held"] -= 1
            if state == "checked_in" and late is not None:
                cell["checkin_late_min_sum"] += float(late)
                cell["checkin_late_n"] += 1
    _upsert_appointments(conn, center_id, appts)
    if levels:
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO daily_rating_levels(center_id, day, service, source, rating, n) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (center_id, day, service, source, rating) "
                "DO UPDATE SET n = daily_rating_levels.n + excluded.n",
                [(center_id, *key, n) for key, n in sorted(levels.items())],
            )
    if reasons:
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO daily_rating_reasons(center_id, day, service, reason, n) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (center_id, day, service, reason) "
                "DO UPDATE SET n = daily_rating_reasons.n + excluded.n",
                [(center_id, *key, n) for key, n in sorted(reasons.items())],
            )


_APPT_COLS = (
    "held",
    *APPOINTMENT_COLUMNS,
    "checkin_late_n",
    "checkin_late_min_sum",
    "called_late_min_sum",
)


def _upsert_appointments(
    conn: psycopg.Connection, center_id: str, cells: dict[tuple[date, str], dict[str, float]]
) -> None:
    if not cells:
        return
    cols = ", ".join(_APPT_COLS)
    updates = ", ".join(f"{c} = daily_appointments.{c} + excluded.{c}" for c in _APPT_COLS)
    sql = (
        f"INSERT INTO daily_appointments(center_id, day, service, {cols}) "  # noqa: S608 - our names
        f"VALUES (%s, %s, %s, {', '.join(['%s'] * len(_APPT_COLS))}) "
        f"ON CONFLICT (center_id, day, service) DO UPDATE SET {updates}"
    )
    params = [
        (center_id, day, service, *(_value(c, cell.get(c, 0.0)) for c in _APPT_COLS))
        for (day, service), cell in sorted(cells.items())
    ]
    with conn.cursor() as cur:
        cur.executemany(sql, params)  # type: ignore[arg-type]


def _value(column: str, value: float) -> float | int:
    return float(value) if column.endswith("_sum") else int(value)


def _day(text: Any) -> date | None:
    try:
        return date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def summary_fields(conn: psycopg.Connection, center_id: str, day: date) -> dict[str, Any]:
    """The summary's appointment and rating fields of a center's day (`hub.fleet.SummaryOut`)."""
    sums = ", ".join(f"COALESCE(SUM({c}), 0)" for c in _APPT_COLS)
    row = conn.execute(
        f"SELECT {sums} FROM daily_appointments WHERE center_id = %s AND day = %s",  # noqa: S608
        (center_id, day),
    ).fetchone()
    assert row is not None
    a = dict(zip(_APPT_COLS, row, strict=True))
    checked, no_show, called = int(a["checked_in"]), int(a["no_show"]), int(a["called"])
    late_n = int(a["checkin_late_n"])
    by_level = {str(s): 0 for s in SCORES}
    by_source = {s: 0 for s in SOURCES}
    for source, rating, n in conn.execute(
        "SELECT source, rating, SUM(n) FROM daily_rating_levels WHERE center_id = %s AND day = %s "
        "GROUP BY source, rating",
        (center_id, day),
    ):
        by_level[str(rating)] = by_level.get(str(rating), 0) + int(n)
        by_source[source] = by_source.get(source, 0) + int(n)
    ranked = [
        ReasonCount(reason=reason, n=int(n))
        for reason, n in conn.execute(
            "SELECT reason, SUM(n) AS total FROM daily_rating_reasons WHERE center_id = %s AND day = %s "
            "GROUP BY reason ORDER BY total DESC, reason",
            (center_id, day),
        )
    ]
    return {
        "appointments_booked": int(a["held"]),
        "appointments_cancelled": int(a["cancelled"]),
        "appointments_moved": int(a["moved"]),
        "appointments_checked_in": checked,
        "appointments_no_show": no_show,
        "checkin_rate": round(checked / (checked + no_show), 3) if checked + no_show else None,
        "mean_checkin_min": round(float(a["checkin_late_min_sum"]) / late_n, 1) if late_n else None,
        "appointments_called": called,
        "punctual_share": round(int(a["called_punctual"]) / called, 3) if called else None,
        "ratings_by_level": by_level,
        "ratings_by_source": by_source,
        "rating_reasons": ranked,
    }
