"""Rating tablets in SQL: the `tablets` table (`queueing.ratings_schema`). Each function runs in
the caller's open connection; pairing, claiming and revoking are `queueing.tablets`' rules. Codes and
tokens arrive here already hashed.
"""

from __future__ import annotations

import sqlite3
from typing import Any

Row = Any  # a sqlite3.Row of `tablets`


def insert(
    conn: sqlite3.Connection,
    tablet_id: str,
    counter: int,
    label: str,
    code_hash: str,
    code_expires_at: float,
    at: float,
    by: str,
) -> None:
    """Add a tablet slot waiting for its pairing code."""
    conn.execute(
        "INSERT INTO tablets(tablet_id, counter, label, code_hash, code_expires_at, created_at, "
        "created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (tablet_id, counter, label, code_hash, code_expires_at, at, by),
    )


def by_live_code(conn: sqlite3.Connection, code_hash: str, now: float) -> Row | None:
    """The unrevoked tablet whose pairing code is `code_hash` and still valid at `now`, or None."""
    return conn.execute(
        "SELECT * FROM tablets WHERE code_hash = ? AND revoked_at IS NULL AND code_expires_at > ?",
        (code_hash, now),
    ).fetchone()


def set_paired(conn: sqlite3.Connection, tablet_id: str, token_hash: str, at: float) -> None:
    """The code is used up; the tablet holds the token from `at`."""
    conn.execute(
        "UPDATE tablets SET code_hash = NULL, code_expires_at = NULL, token_hash = ?, paired_at = ?, "
        "last_seen_at = ? WHERE tablet_id = ?",
        (token_hash, at, at, tablet_id),
    )


def by_token(conn: sqlite3.Connection, token_hash: str) -> Row | None:
    """The unrevoked tablet holding the token (tablet_id, counter, label, last_seen_at), or None."""
    return conn.execute(
        "SELECT tablet_id, counter, label, last_seen_at FROM tablets "
        "WHERE token_hash = ? AND revoked_at IS NULL",
        (token_hash,),
    ).fetchone()


def set_seen(conn: sqlite3.Connection, tablet_id: str, at: float) -> None:
    """The tablet was last seen at `at`."""
    conn.execute("UPDATE tablets SET last_seen_at = ? WHERE tablet_id = ?", (at, tablet_id))


def by_id(conn: sqlite3.Connection, tablet_id: str) -> Row | None:
    """The tablet (tablet_id, counter, revoked_at), or None."""
    return conn.execute(
        "SELECT tablet_id, counter, revoked_at FROM tablets WHERE tablet_id = ?", (tablet_id,)
    ).fetchone()


def revoke(conn: sqlite3.Connection, tablet_id: str, at: float, by: str) -> None:
    """The tablet's token and any code stop working."""
    conn.execute(
        "UPDATE tablets SET revoked_at = ?, revoked_by = ?, code_hash = NULL, token_hash = NULL "
        "WHERE tablet_id = ?",
        (at, by, tablet_id),
    )


def all_rows(conn: sqlite3.Connection) -> list[Row]:
    """Every tablet, by counter then creation."""
    return conn.execute("SELECT * FROM tablets ORDER BY counter, created_at").fetchall()
