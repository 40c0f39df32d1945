"""The repository of unlocks: the `unlocks` table, one row per pulse, written in state `intent`
and committed before the frame leaves, then set to what the door did. Every SQL statement on it
is here (the cabinet writes intents and outcomes, reconciliation settles the ones a stop left).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from common.timestamps import epoch
from locker.domain import UnlockPurpose, UnlockState


def insert_intent(
    conn: sqlite3.Connection,
    label: str,
    deposit_id: str | None,
    pickup_id: str | None,
    purpose: UnlockPurpose,
    actor: str,
    now: datetime,
) -> int:
    """The intent of one pulse (in the caller's unit of work); its unlock id."""
    cur = conn.execute(
        "INSERT INTO unlocks(compartment, deposit_id, pickup_id, purpose, state, actor, created_at)"
        " VALUES (?,?,?,?,?,?,?)",
        (label, deposit_id, pickup_id, purpose.value, UnlockState.INTENT.value, actor, epoch(now)),
    )
    return int(cur.lastrowid or 0)


def finish(conn: sqlite3.Connection, unlock_id: int, state: UnlockState, now: datetime) -> None:
    """Record what the door did (or that the pulse never left)."""
    conn.execute(
        "UPDATE unlocks SET state=?, finished_at=? WHERE unlock_id=?",
        (state.value, epoch(now), unlock_id),
    )


def in_flight(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Unlocks still in state `intent` (after a stop: the pulse may or may not have left)."""
    return conn.execute("SELECT * FROM unlocks WHERE state=?", (UnlockState.INTENT.value,)).fetchall()
