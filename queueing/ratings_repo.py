"""Ratings in SQL: the `ticket_ratings` table (`queueing.ratings_schema`) and the `rating` a
ticket carries in `tickets`, with the question the tablet asks (the last ticket served at its
counter). Each function runs in the caller's open connection; the rule (rated once, after being served)
is `queueing.ratings`'.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

Row = Any  # a sqlite3.Row


def exists(conn: sqlite3.Connection, ticket_id: str) -> bool:
    """Whether the ticket has a row in `ticket_ratings`."""
    return (
        conn.execute("SELECT 1 FROM ticket_ratings WHERE ticket_id = ?", (ticket_id,)).fetchone() is not None
    )


def insert(
    conn: sqlite3.Connection,
    ticket: Row,
    at: float,
    score: int,
    source: str,
    tablet_id: str | None,
    reasons: list[str],
    comment: str | None,
) -> None:
    """Add the rating of `ticket` (its `tickets` row: day, service, counter and officer come from it)
    and set the ticket's `rating`."""
    conn.execute(
        "INSERT INTO ticket_ratings(ticket_id, day, at, score, source, service, counter, staff_id, "
        "tablet_id, reasons, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            ticket["ticket_id"],
            ticket["day"],
            at,
            score,
            source,
            ticket["service"],
            ticket["counter"],
            ticket["staff_id"],
            tablet_id,
            json.dumps(reasons),
            comment,
        ),
    )
    conn.execute("UPDATE tickets SET rating = ? WHERE ticket_id = ?", (score, ticket["ticket_id"]))


def last_served_at(conn: sqlite3.Connection, counter: int, since: float) -> Row | None:
    """The newest ticket finished at `counter` since `since` (released ones excluded), or None."""
    return conn.execute(
        "SELECT * FROM tickets WHERE counter = ? AND state = 'done' AND finished_at >= ? "
        "AND void_reason IS NULL ORDER BY finished_at DESC, seq DESC LIMIT 1",
        (counter, since),
    ).fetchone()


def in_days(conn: sqlite3.Connection, start: str, end: str) -> list[Row]:
    """The ratings of days `start`..`end` (day, at, service, counter, staff_id, score, source,
    reasons, comment), newest first."""
    return conn.execute(
        "SELECT day, at, service, counter, staff_id, score, source, reasons, comment FROM ticket_ratings "
        "WHERE day BETWEEN ? AND ? ORDER BY at DESC",
        (start, end),
    ).fetchall()
