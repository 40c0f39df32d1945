"""The queue's tickets in SQL: the `tickets`, `numbering`, `idempotency` and `service_state`
tables (`queueing.schema`). Each function runs its statements in the caller's open `Tx` (a
`store.tx()` or `store.read()` block); the rules are the use cases' (`queueing.issuing`,
`queueing.calling`, `queueing.counters`).
"""

from __future__ import annotations

from typing import Any

from queueing import domain
from queueing.store import Tx

Row = Any  # a sqlite3.Row of `tickets`

#: The columns a new ticket row may be given (`insert`); the rest keep their defaults.
INSERT_COLUMNS = frozenset(
    {
        "ticket_id",
        "day",
        "service",
        "prefix",
        "serial",
        "number",
        "priority",
        "weight",
        "channel",
        "delivery",
        "id_hash",
        "device",
        "state",
        "issued_at",
        "waiting_since",
        "rank_key",
        "est_wait_s",
        "transferred_from",
    }
)


def by_id(tx: Tx, ticket_id: str) -> Row | None:
    """The ticket row, or None."""
    return tx.one("SELECT * FROM tickets WHERE ticket_id = ?", ticket_id)


def insert(tx: Tx, **columns: Any) -> None:
    """Add a ticket row (column names from `INSERT_COLUMNS`)."""
    unknown = set(columns) - INSERT_COLUMNS
    if unknown:
        raise ValueError(f"tickets has no insertable column {sorted(unknown)}")
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    tx.run(f"INSERT INTO tickets({names}) VALUES ({marks})", *columns.values())  # noqa: S608 - fixed names


def confirm_pending(tx: Tx, ticket_id: str, delivery: str) -> Row | None:
    """pending -> waiting in one statement (the edge `set_state` allows); the row, or None when
    the ticket was not pending."""
    moved = tx.all(
        "UPDATE tickets SET state = 'waiting', delivery = ? WHERE ticket_id = ? AND state = 'pending' "
        "RETURNING *",
        delivery,
        ticket_id,
    )
    return moved[0] if moved else None


def of_number_today(tx: Tx, day: str, prefix: str) -> list[Row]:
    """The day's tickets of a prefix, newest first (a number's transfers share it)."""
    return tx.all("SELECT * FROM tickets WHERE day = ? AND prefix = ? ORDER BY seq DESC", day, prefix)


def live_numbers(tx: Tx, day: str, prefix: str) -> list[str]:
    """The numbers of the day's live (pending, waiting, called, serving) tickets of a prefix."""
    rows = tx.all(
        "SELECT number FROM tickets WHERE state IN (?, ?, ?, ?) AND day = ? AND prefix = ?",
        *sorted(s.value for s in domain.LIVE_STATES),
        day,
        prefix,
    )
    return [str(r["number"]) for r in rows]


def issued_today(tx: Tx, day: str, service: str) -> int:
    """Tickets issued today for a service (not voided, transfers not counted twice)."""
    return int(
        tx.scalar(
            "SELECT COUNT(*) FROM tickets WHERE day = ? AND service = ? AND state <> 'void' "
            "AND transferred_from IS NULL",
            day,
            service,
        )
    )


def remote_taken_today(tx: Tx, day: str, device: str) -> int:
    """Remote tickets a phone took today (not voided)."""
    return int(
        tx.scalar(
            "SELECT COUNT(*) FROM tickets WHERE day = ? AND device = ? AND channel = 'remote' "
            "AND state <> 'void'",
            day,
            device,
        )
    )


def waiting_count(tx: Tx, service: str) -> int:
    """Tickets waiting for a service."""
    return int(tx.scalar("SELECT COUNT(*) FROM tickets WHERE service = ? AND state = 'waiting'", service))


def head_by_rank(tx: Tx, service: str) -> Row | None:
    """The waiting ticket with the highest rank key (earliest issued among equals)."""
    return tx.one(
        "SELECT * FROM tickets WHERE service = ? AND state = 'waiting' ORDER BY rank_key DESC, seq LIMIT 1",
        service,
    )


def head_by_weight(tx: Tx, service: str, prioritised: bool) -> Row | None:
    """The longest-waiting ticket with a priority (highest weight first), or without one."""
    if prioritised:
        return tx.one(
            "SELECT * FROM tickets WHERE service = ? AND state = 'waiting' AND weight > 0 "
            "ORDER BY weight DESC, waiting_since, seq LIMIT 1",
            service,
        )
    return tx.one(
        "SELECT * FROM tickets WHERE service = ? AND state = 'waiting' AND weight <= 0 "
        "ORDER BY waiting_since, seq LIMIT 1",
        service,
    )


def bump_call_count(tx: Tx, ticket_id: str) -> None:
    """One more call of a ticket (a recall)."""
    tx.run("UPDATE tickets SET call_count = call_count + 1 WHERE ticket_id = ?", ticket_id)


def key_ticket(tx: Tx, key: str) -> Row | None:
    """The ticket an idempotency key gave (`ticket_id`, `service`), or None."""
    return tx.one("SELECT ticket_id, service FROM idempotency WHERE key = ?", key)


def remember_key(tx: Tx, key: str, ticket_id: str, service: str, now: float) -> None:
    """The idempotency key gave this ticket (a retry gets it again)."""
    tx.run(
        "INSERT INTO idempotency(key, ticket_id, service, created_at) VALUES (?, ?, ?, ?)",
        key,
        ticket_id,
        service,
        now,
    )


def next_serial(tx: Tx, day: str, prefix: str) -> int:
    """Take the day's next serial of a prefix (one statement: atomic under the writer)."""
    return int(
        tx.all(
            "INSERT INTO numbering(day, prefix, last_serial) VALUES (?, ?, 1) "
            "ON CONFLICT(day, prefix) DO UPDATE SET last_serial = last_serial + 1 "
            "RETURNING last_serial",
            day,
            prefix,
        )[0][0]
    )


def move_serial(tx: Tx, day: str, prefix: str, serial: int) -> None:
    """The day's numbering of a prefix goes on from `serial` (numbers skipped after a wrap)."""
    tx.run("UPDATE numbering SET last_serial = ? WHERE day = ? AND prefix = ?", serial, day, prefix)


def normal_streak(tx: Tx, day: str, service: str) -> int:
    """How many tickets without a priority a one-per-N service called in a row today."""
    return int(
        tx.scalar("SELECT normal_streak FROM service_state WHERE day = ? AND service = ?", day, service) or 0
    )


def set_normal_streak(tx: Tx, day: str, service: str, streak: int) -> None:
    """How many tickets without a priority a one-per-N service called in a row."""
    tx.run(
        "INSERT INTO service_state(day, service, normal_streak) VALUES (?, ?, ?) "
        "ON CONFLICT(day, service) DO UPDATE SET normal_streak = excluded.normal_streak",
        day,
        service,
        streak,
    )
