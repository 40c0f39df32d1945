"""The staff sessions in SQL that the queue's housekeeping needs (sign-in keeps its own in
`queueing.staff`). Each function runs in the caller's open connection."""

from __future__ import annotations

import sqlite3


def delete_expired(conn: sqlite3.Connection, now: float) -> None:
    """Forget sessions that ran out."""
    conn.execute("DELETE FROM sessions WHERE expires_at < ?", (now,))
