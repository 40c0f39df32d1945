"""The queue's counters in SQL: the `counters` table (`queueing.schema`). Each function runs in
the caller's open `Tx`; the rules are `queueing.counters`' and `queueing.calling`'s.
"""

from __future__ import annotations

from typing import Any

from queueing.store import Tx


def status(tx: Tx, number: int) -> str | None:
    """The counter's status (`open`, `paused`, `closed`), None when it never opened."""
    value = tx.scalar("SELECT status FROM counters WHERE number = ?", number)
    return None if value is None else str(value)


def all_rows(tx: Tx) -> dict[int, Any]:
    """Every counter's row by number."""
    return {int(r["number"]): r for r in tx.all("SELECT * FROM counters")}


def set_current(tx: Tx, number: int, ticket_id: str | None) -> None:
    """The ticket at the counter (None: nobody)."""
    tx.run("UPDATE counters SET current_ticket = ? WHERE number = ?", ticket_id, number)


def last_recall(tx: Tx, number: int) -> float | None:
    """When the counter last recalled its ticket (epoch seconds), or None."""
    value = tx.scalar("SELECT last_recall FROM counters WHERE number = ?", number)
    return None if value is None else float(value)


def set_last_recall(tx: Tx, number: int, at: float) -> None:
    """The counter recalled its ticket now."""
    tx.run("UPDATE counters SET last_recall = ? WHERE number = ?", at, number)


def open_for(tx: Tx, number: int, staff_id: str, at: float) -> None:
    """The counter opens for `staff_id` alone: any other counter they held closes."""
    tx.run(
        "UPDATE counters SET status = 'closed', staff_id = NULL WHERE staff_id = ? AND number <> ?",
        staff_id,
        number,
    )
    tx.run(
        "INSERT INTO counters(number, status, staff_id, since) VALUES (?, 'open', ?, ?) "
        "ON CONFLICT(number) DO UPDATE SET status = 'open', staff_id = excluded.staff_id, "
        "since = excluded.since",
        number,
        staff_id,
        at,
    )


def close(tx: Tx, number: int) -> None:
    """The counter closes: nobody signed in, no ticket."""
    tx.run(
        "UPDATE counters SET status = 'closed', staff_id = NULL, current_ticket = NULL WHERE number = ?",
        number,
    )


def pause_state(tx: Tx, number: int) -> Any | None:
    """The counter's status and pause_reason, or None when it never opened."""
    return tx.one("SELECT status, pause_reason FROM counters WHERE number = ?", number)


def set_pause(tx: Tx, number: int, status: str, reason: str | None) -> None:
    """The counter's status and the reason of its pause (None unless paused)."""
    tx.run("UPDATE counters SET status = ?, pause_reason = ? WHERE number = ?", status, reason, number)


def open_numbers(tx: Tx) -> set[int]:
    """The counters open now (not paused, not closed)."""
    return {int(r["number"]) for r in tx.all("SELECT number FROM counters WHERE status = 'open'")}


def without_live_session(tx: Tx, now: float) -> list[int]:
    """Counters not closed that no live staff session holds."""
    rows = tx.all(
        "SELECT number FROM counters WHERE status <> 'closed' AND number NOT IN "
        "(SELECT counter FROM sessions WHERE counter IS NOT NULL AND expires_at >= ?)",
        now,
    )
    return [int(r["number"]) for r in rows]


def close_unheld(tx: Tx, number: int) -> None:
    """The counter is closed and nobody holds it (its ticket stays: the sweep settles it)."""
    tx.run("UPDATE counters SET status = 'closed', staff_id = NULL WHERE number = ?", number)


def clear_ticket(tx: Tx, ticket_id: str) -> None:
    """No counter has this ticket any more."""
    tx.run("UPDATE counters SET current_ticket = NULL WHERE current_ticket = ?", ticket_id)
