"""The queue's counters in SQL: the `counters` table (`queueing.schema`). Each function runs in
the caller's open connection; the rules are `queueing.counters`' and `queueing.calling`'s.
"""

from __future__ import annotations

import sqlite3
from typing import Any


def status(conn: sqlite3.Connection, number: int) -> str | None:
    """The counter's status (`open`, `paused`, `closed`), None when it never opened."""
    row = conn.execute("SELECT status FROM counters WHERE number = ?", (number,)).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def all_rows(conn: sqlite3.Connection) -> dict[int, Any]:
    """Every counter's row by number."""
    return {int(r["number"]): r for r in conn.execute("SELECT * FROM counters").fetchall()}


def set_current(conn: sqlite3.Connection, number: int, ticket_id: str | None) -> None:
    """The ticket at the counter (None: nobody)."""
    conn.execute("UPDATE counters SET current_ticket = ? WHERE number = ?", (ticket_id, number))


def last_recall(conn: sqlite3.Connection, number: int) -> float | None:
    """When the counter last recalled its ticket (epoch seconds), or None."""
    row = conn.execute("SELECT last_recall FROM counters WHERE number = ?", (number,)).fetchone()
    return None if row is None or row[0] is None else float(row[0])


def set_last_recall(conn: sqlite3.Connection, number: int, at: float) -> None:
    """The counter recalled its ticket now."""
    conn.execute("UPDATE counters SET last_recall = ? WHERE number = ?", (at, number))


def open_for(conn: sqlite3.Connection, number: int, staff_id: str, at: float) -> None:
    """The counter opens for `staff_id` alone: any other counter they held closes."""
    conn.execute(
        "UPDATE counters SET status = 'closed', staff_id = NULL WHERE staff_id = ? AND number <> ?",
        (staff_id, number),
    )
    conn.execute(
        "INSERT INTO counters(number, status, staff_id, since) VALUES (?, 'open', ?, ?) "
        "ON CONFLICT(number) DO UPDATE SET status = 'open', staff_id = excluded.staff_id, "
        "since = excluded.since",
        (number, staff_id, at),
    )


def close(conn: sqlite3.Connection, number: int) -> None:
    """The counter closes: nobody signed in, no ticket."""
    conn.execute(
        "UPDATE counters SET status = 'closed', staff_id = NULL, current_ticket = NULL WHERE number = ?",
        (number,),
    )


def pause_state(conn: sqlite3.Connection, number: int) -> Any | None:
    """The counter's status and pause_reason, or None when it never opened."""
    return conn.execute("SELECT status, pause_reason FROM counters WHERE number = ?", (number,)).fetchone()


def set_pause(conn: sqlite3.Connection, number: int, status: str, reason: str | None) -> None:
    """The counter's status and the reason of its pause (None unless paused)."""
    conn.execute(
        "UPDATE counters SET status = ?, pause_reason = ? WHERE number = ?", (status, reason, number)
    )


def open_numbers(conn: sqlite3.Connection) -> set[int]:
    """The counters open now (not paused, not closed)."""
    return {
        int(r["number"]) for r in conn.execute("SELECT number FROM counters WHERE status = 'open'").fetchall()
    }


def without_live_session(conn: sqlite3.Connection, now: float) -> list[int]:
    """Counters not closed that no live staff session holds."""
    rows = conn.execute(
        "SELECT number FROM counters WHERE status <> 'closed' AND number NOT IN "
        "(SELECT counter FROM sessions WHERE counter IS NOT NULL AND expires_at >= ?)",
        (now,),
    ).fetchall()
    return [int(r["number"]) for r in rows]


def close_unheld(conn: sqlite3.Connection, number: int) -> None:
    """The counter is closed and nobody holds it (its ticket stays: the sweep settles it)."""
    conn.execute("UPDATE counters SET status = 'closed', staff_id = NULL WHERE number = ?", (number,))


def clear_ticket(conn: sqlite3.Connection, ticket_id: str) -> None:
    """No counter has this ticket any more."""
    conn.execute("UPDATE counters SET current_ticket = NULL WHERE current_ticket = ?", (ticket_id,))
