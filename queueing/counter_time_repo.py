"""Counter time in SQL: the `counter_spans` table (schema step 4, `SCHEMA` below)
and what the spans are planned from. Each function runs in the caller's open connection; which spans
open and end is `queueing.counter_time`'s rule, the reports are `queueing.counter_time_report`'s.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

Row = Any  # a sqlite3.Row

#: Schema step of the queue database (`queueing.schema.MIGRATIONS`): the reason of a paused
#: counter, and the spans. Never edited once released; a change is a new step.
SCHEMA = """
ALTER TABLE counters ADD COLUMN pause_reason TEXT;
CREATE TABLE IF NOT EXISTS counter_spans (
    span_id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,          -- open | pause | idle
    counter INTEGER NOT NULL,
    staff_id TEXT,
    reason TEXT,                 -- pause reason code (pause spans only)
    started_at REAL NOT NULL,
    ended_at REAL                -- NULL while the span lasts
);
CREATE INDEX IF NOT EXISTS counter_spans_start ON counter_spans(started_at);
CREATE INDEX IF NOT EXISTS counter_spans_end ON counter_spans(ended_at);
"""


def counters_not_closed(conn: sqlite3.Connection) -> list[Row]:
    """Every counter not closed: number, status, staff_id, pause_reason, and `busy` (a ticket is
    called or being served there)."""
    return conn.execute(
        "SELECT c.number, c.status, c.staff_id, c.pause_reason, EXISTS (SELECT 1 FROM tickets t "
        "WHERE t.state IN ('called', 'serving') AND t.counter = c.number) AS busy "
        "FROM counters c WHERE c.status <> 'closed'"
    ).fetchall()


def services_waiting(conn: sqlite3.Connection, services: list[str]) -> set[str]:
    """Those of `services` with at least one waiting ticket."""
    return {
        str(r[0])
        for r in conn.execute(
            "SELECT value FROM json_each(?) WHERE EXISTS (SELECT 1 FROM tickets "
            "WHERE service = json_each.value AND state = 'waiting')",
            (json.dumps(services),),
        ).fetchall()
    }


def open_spans(conn: sqlite3.Connection) -> list[Row]:
    """The spans not ended yet: span_id, kind, counter, staff_id, reason, started_at."""
    return conn.execute(
        "SELECT span_id, kind, counter, staff_id, reason, started_at FROM counter_spans "
        "WHERE ended_at IS NULL"
    ).fetchall()


def end_span(conn: sqlite3.Connection, span_id: int, at: float) -> None:
    """The span ends at `at`."""
    conn.execute("UPDATE counter_spans SET ended_at = ? WHERE span_id = ?", (at, span_id))


def start_span(
    conn: sqlite3.Connection, kind: str, counter: int, staff_id: str | None, reason: str | None, at: float
) -> None:
    """A span begins at `at`."""
    conn.execute(
        "INSERT INTO counter_spans(kind, counter, staff_id, reason, started_at) VALUES (?, ?, ?, ?, ?)",
        (kind, counter, staff_id, reason, at),
    )


def pause_since(conn: sqlite3.Connection, counter: int) -> float | None:
    """When the counter's pause began (its open pause span), or None."""
    value = conn.execute(
        "SELECT MAX(started_at) FROM counter_spans WHERE counter = ? AND kind = 'pause' AND ended_at IS NULL",
        (counter,),
    ).fetchone()[0]
    return None if value is None else float(value)


def spans_between(conn: sqlite3.Connection, start: float, end: float) -> list[Row]:
    """Spans overlapping [start, end): begun inside it, or begun before and not ended by `start`."""
    return conn.execute(
        "SELECT kind, counter, staff_id, reason, started_at, ended_at FROM counter_spans "
        "WHERE started_at >= ? AND started_at < ? "
        "UNION ALL SELECT kind, counter, staff_id, reason, started_at, ended_at FROM counter_spans "
        "WHERE started_at < ? AND (ended_at > ? OR ended_at IS NULL)",
        (start, end, start, start),
    ).fetchall()
