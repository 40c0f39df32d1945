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


def update_state(tx: Tx, ticket_id: str, state: str, fields: dict[str, Any]) -> None:
    """Write a ticket's new state and the columns that change with it (names from the use case,
    never from a request); the rule is `queueing.core.TicketStates.set_state`."""
    cols = "".join(f", {k} = ?" for k in fields)
    tx.run(f"UPDATE tickets SET state = ?{cols} WHERE ticket_id = ?", state, *fields.values(), ticket_id)  # noqa: S608


def at_counter(tx: Tx, counter: int) -> Row | None:
    """The ticket called to or being served at a counter (the latest call), or None."""
    return tx.one(
        "SELECT * FROM tickets WHERE counter = ? AND state IN ('called', 'serving') "
        "ORDER BY called_at DESC LIMIT 1",
        counter,
    )


def waiting_per_service(tx: Tx) -> dict[str, int]:
    """Waiting tickets per service that has any."""
    rows = tx.all("SELECT service, COUNT(*) AS n FROM tickets WHERE state = 'waiting' GROUP BY service")
    return {str(r["service"]): int(r["n"]) for r in rows}


def issued_per_service(tx: Tx, day: str) -> dict[str, int]:
    """Tickets issued on a day per service (not voided, transfers not counted twice)."""
    rows = tx.all(
        "SELECT service, COUNT(*) AS n FROM tickets WHERE day = ? AND state <> 'void' "
        "AND transferred_from IS NULL GROUP BY service",
        day,
    )
    return {str(r["service"]): int(r["n"]) for r in rows}


def waiting_normal(tx: Tx, service: str) -> int:
    """Waiting tickets of a service without a priority."""
    return int(
        tx.scalar(
            "SELECT COUNT(*) FROM tickets WHERE service = ? AND state = 'waiting' AND weight <= 0", service
        )
    )


def waiting_normal_before(tx: Tx, service: str, row: Row) -> int:
    """Waiting tickets without a priority that waited longer than `row` (seq breaks ties)."""
    return int(
        tx.scalar(
            "SELECT COUNT(*) FROM tickets WHERE service = ? AND state = 'waiting' AND weight <= 0 "
            "AND (waiting_since < ? OR (waiting_since = ? AND seq < ?))",
            service,
            row["waiting_since"],
            row["waiting_since"],
            row["seq"],
        )
    )


def waiting_prioritised(tx: Tx, service: str) -> int:
    """Waiting tickets of a service with a priority."""
    return int(
        tx.scalar(
            "SELECT COUNT(*) FROM tickets WHERE service = ? AND state = 'waiting' AND weight > 0", service
        )
    )


def waiting_prioritised_before(tx: Tx, service: str, row: Row) -> int:
    """Waiting tickets with a priority ordered before `row` (higher weight, then longer wait)."""
    return int(
        tx.scalar(
            "SELECT COUNT(*) FROM tickets WHERE service = ? AND state = 'waiting' AND weight > 0 "
            "AND seq <> ? AND (weight > ? OR (weight = ? AND (waiting_since < ? "
            "OR (waiting_since = ? AND seq < ?))))",
            service,
            row["seq"],
            row["weight"],
            row["weight"],
            row["waiting_since"],
            row["waiting_since"],
            row["seq"],
        )
    )


def waiting_ranked_from(tx: Tx, service: str, rank_key: float) -> int:
    """Waiting tickets ranked at or above `rank_key` (all ahead of a ticket being issued)."""
    return int(
        tx.scalar(
            "SELECT COUNT(*) FROM tickets WHERE service = ? AND state = 'waiting' AND rank_key >= ?",
            service,
            rank_key,
        )
    )


def waiting_ranked_before(tx: Tx, service: str, rank_key: float, seq: int) -> int:
    """Waiting tickets ranked before (`rank_key`, `seq`): two range counts on the (service, state,
    rank_key) index, since an OR would scan the queue."""
    higher = tx.scalar(
        "SELECT COUNT(*) FROM tickets WHERE service = ? AND state = 'waiting' AND rank_key > ?",
        service,
        rank_key,
    )
    tied = tx.scalar(
        "SELECT COUNT(*) FROM tickets WHERE service = ? AND state = 'waiting' AND rank_key = ? AND seq < ?",
        service,
        rank_key,
        seq,
    )
    return int(higher) + int(tied)


def recent_service_times(tx: Tx, service: str, window: int) -> list[float]:
    """The last `window` service durations of a service in seconds, oldest first (tickets closed
    without a known length left out)."""
    rows = tx.all(
        "SELECT finished_at - COALESCE(started_at, called_at) AS s FROM tickets "
        "WHERE service = ? AND state = 'done' AND finished_at IS NOT NULL AND void_reason IS NULL "
        "ORDER BY finished_at DESC LIMIT ?",
        service,
        window,
    )
    return list(reversed([float(r["s"]) for r in rows if r["s"] is not None]))


def stale(tx: Tx, cutoff: float, today: str) -> list[Row]:
    """Pending tickets issued before `cutoff`, and pending or waiting ones of an earlier day."""
    return tx.all(
        "SELECT * FROM tickets WHERE state IN ('pending', 'waiting') "
        "AND ((state = 'pending' AND issued_at < ?) OR day < ?)",
        cutoff,
        today,
    )


def left_at_counters(tx: Tx, today: str, now: float) -> list[Row]:
    """Called or served tickets of an earlier day, or at a counter no live session holds."""
    return tx.all(
        "SELECT * FROM tickets WHERE state IN ('called', 'serving') AND (day < ? OR counter IS NULL "
        "OR counter NOT IN (SELECT counter FROM sessions WHERE counter IS NOT NULL AND expires_at >= ?))",
        today,
        now,
    )


def transferred_to(tx: Tx, ticket_id: str) -> str | None:
    """The ticket a transfer made from this one, or None."""
    value = tx.scalar("SELECT transferred_to FROM tickets WHERE ticket_id = ?", ticket_id)
    return str(value) if value else None


def recent_calls(tx: Tx, since: float, limit: int) -> list[Row]:
    """The latest calls after `since`, newest first (what a board shows on connect)."""
    return tx.all(
        "SELECT number, counter, service, called_at, state FROM tickets "
        "WHERE called_at IS NOT NULL AND called_at > ? ORDER BY called_at DESC, seq DESC LIMIT ?",
        since,
        limit,
    )


def forget_keys(tx: Tx, before: float) -> int:
    """Delete idempotency keys older than `before`; how many."""
    return int(tx.run("DELETE FROM idempotency WHERE created_at < ?", before).rowcount)
