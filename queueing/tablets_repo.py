"""Rating tablets in SQL: the `tablets` table (`queueing.ratings_schema`). Each function runs in
the caller's open `Tx`; pairing, claiming and revoking are `queueing.tablets`' rules. Codes and
tokens arrive here already hashed.
"""

from __future__ import annotations

from typing import Any

from queueing.store import Tx

Row = Any  # a sqlite3.Row of `tablets`


def insert(
    tx: Tx,
    tablet_id: str,
    counter: int,
    label: str,
    code_hash: str,
    code_expires_at: float,
    at: float,
    by: str,
) -> None:
    """Add a tablet slot waiting for its pairing code."""
    tx.run(
        "INSERT INTO tablets(tablet_id, counter, label, code_hash, code_expires_at, created_at, "
        "created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
        tablet_id,
        counter,
        label,
        code_hash,
        code_expires_at,
        at,
        by,
    )


def by_live_code(tx: Tx, code_hash: str, now: float) -> Row | None:
    """The unrevoked tablet whose pairing code is `code_hash` and still valid at `now`, or None."""
    return tx.one(
        "SELECT * FROM tablets WHERE code_hash = ? AND revoked_at IS NULL AND code_expires_at > ?",
        code_hash,
        now,
    )


def set_paired(tx: Tx, tablet_id: str, token_hash: str, at: float) -> None:
    """The code is used up; the tablet holds the token from `at`."""
    tx.run(
        "UPDATE tablets SET code_hash = NULL, code_expires_at = NULL, token_hash = ?, paired_at = ?, "
        "last_seen_at = ? WHERE tablet_id = ?",
        token_hash,
        at,
        at,
        tablet_id,
    )


def by_token(tx: Tx, token_hash: str) -> Row | None:
    """The unrevoked tablet holding the token (tablet_id, counter, label, last_seen_at), or None."""
    return tx.one(
        "SELECT tablet_id, counter, label, last_seen_at FROM tablets "
        "WHERE token_hash = ? AND revoked_at IS NULL",
        token_hash,
    )


def set_seen(tx: Tx, tablet_id: str, at: float) -> None:
    """The tablet was last seen at `at`."""
    tx.run("UPDATE tablets SET last_seen_at = ? WHERE tablet_id = ?", at, tablet_id)


def by_id(tx: Tx, tablet_id: str) -> Row | None:
    """The tablet (tablet_id, counter, revoked_at), or None."""
    return tx.one("SELECT tablet_id, counter, revoked_at FROM tablets WHERE tablet_id = ?", tablet_id)


def revoke(tx: Tx, tablet_id: str, at: float, by: str) -> None:
    """The tablet's token and any code stop working."""
    tx.run(
        "UPDATE tablets SET revoked_at = ?, revoked_by = ?, code_hash = NULL, token_hash = NULL "
        "WHERE tablet_id = ?",
        at,
        by,
        tablet_id,
    )


def all_rows(tx: Tx) -> list[Row]:
    """Every tablet, by counter then creation."""
    return tx.all("SELECT * FROM tablets ORDER BY counter, created_at")
