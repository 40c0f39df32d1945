"""The `tickets` table as the reports read it (`queueing.reports`, `queueing.ratings_report`):
the tickets of past days, read-only. Each function runs in the caller's open connection. The live
queue's statements on the same table are `queueing.tickets_repo`'s.
"""

from __future__ import annotations

import sqlite3
from typing import Any

Row = Any  # a sqlite3.Row of `tickets`


def of_day(conn: sqlite3.Connection, day: str) -> list[Row]:
    """The day's tickets past `pending`, with the columns the day report reads."""
    return conn.execute(
        "SELECT service, counter, staff_id, state, issued_at, waiting_since, called_at, started_at, "
        "finished_at, est_wait_s, rating, transferred_from, void_reason FROM tickets "
        "WHERE day = ? AND state <> 'pending'",
        (day,),
    ).fetchall()


def served_in_days(conn: sqlite3.Connection, start: str, end: str) -> list[Row]:
    """The tickets served (done, not released) on days `start`..`end`: day, service, counter,
    staff_id."""
    return conn.execute(
        "SELECT day, service, counter, staff_id FROM tickets "
        "WHERE day BETWEEN ? AND ? AND state = 'done' AND void_reason IS NULL",
        (start, end),
    ).fetchall()
