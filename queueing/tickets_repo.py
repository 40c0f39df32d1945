"""The queue's tickets in SQL: the `tickets`, `numbering`, `idempotency` and `service_state`
tables (`queueing.schema`). Each function runs its statements in the caller's open connection (a
`store.tx()` or `store.read()` block); the rules are the use cases' (`queueing.issuing`,
`queueing.calling`, `queueing.counters`).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from queueing import domain

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


def by_id(conn: sqlite3.Connection, ticket_id: str) -> Row | None:
    """The ticket row, or None."""
    return conn.execute("SELECT * FROM tickets WHERE ticket_id = ?", (ticket_id,)).fetchone()


def insert(conn: sqlite3.Connection, **columns: Any) -> None:
    """Add a ticket row (column names from `INSERT_COLUMNS`)."""
    unknown = set(columns) - INSERT_COLUMNS
    if unknown:
        raise ValueError(f"tickets has no insertable column {sorted(unknown)}")
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    conn.execute(f"INSERT INTO tickets({names}) VALUES ({marks})", tuple(columns.values()))  # noqa: S608 - fixed names


def confirm_pending(conn: sqlite3.Connection, ticket_id: str, delivery: str) -> Row | None:
    """pending -> waiting in one statement (the edge `set_state` allows); the row, or None when
    the ticket was not pending."""
    moved = conn.execute(
        "UPDATE tickets SET state = 'waiting', delivery = ? WHERE ticket_id = ? AND state = 'pending' "
        "RETURNING *",
        (delivery, ticket_id),
    ).fetchall()
    return moved[0] if moved else None


def of_number_today(conn: sqlite3.Connection, day: str, prefix: str) -> list[Row]:
    """The day's tickets of a prefix, newest first (a number's transfers share it)."""
    return conn.execute(
        "SELECT * FROM tickets WHERE day = ? AND prefix = ? ORDER BY seq DESC", (day, prefix)
    ).fetchall()


def live_numbers(conn: sqlite3.Connection, day: str, prefix: str) -> list[str]:
    """The numbers of the day's live (pending, waiting, called, serving) tickets of a prefix."""
    rows = conn.execute(
        "SELECT number FROM tickets WHERE state IN (?, ?, ?, ?) AND day = ? AND prefix = ?",
        (*sorted(s.value for s in domain.LIVE_STATES), day, prefix),
    ).fetchall()
    return [str(r["number"]) for r in rows]


def issued_today(conn: sqlite3.Connection, day: str, service: str) -> int:
    """Tickets issued today for a service (not voided, transfers not counted twice)."""
    return int(
        conn.execute(
            "SELECT COUNT(*) FROM tickets WHERE day = ? AND service = ? AND state <> 'void' "
            "AND transferred_from IS NULL",
            (day, service),
        ).fetchone()[0]
    )


def remote_taken_today(conn: sqlite3.Connection, day: str, device: str) -> int:
    """Remote tickets a phone took today (not voided)."""
    return int(
        conn.execute(
            "SELECT COUNT(*) FROM tickets WHERE day = ? AND device = ? AND channel = 'remote' "
            "AND state <> 'void'",
            (day, device),
        ).fetchone()[0]
    )


def pending_count(conn: sqlite3.Connection) -> int:
    """Tickets issued but not yet confirmed (printed or shown), all services."""
    return int(conn.execute("SELECT COUNT(*) FROM tickets WHERE state = 'pending'").fetchone()[0] or 0)


def waiting_count(conn: sqlite3.Connection, service: str) -> int:
    """Tickets waiting for a service."""
    return int(
        conn.execute(
            "SELECT COUNT(*) FROM tickets WHERE service = ? AND state = 'waiting'", (service,)
        ).fetchone()[0]
    )


def head_by_rank(conn: sqlite3.Connection, service: str) -> Row | None:
    """The waiting ticket with the highest rank key (earliest issued among equals)."""
    return conn.execute(
        "SELECT * FROM tickets WHERE service = ? AND state = 'waiting' ORDER BY rank_key DESC, seq LIMIT 1",
        (service,),
    ).fetchone()


def head_by_weight(conn: sqlite3.Connection, service: str, prioritised: bool) -> Row | None:
    """The longest-waiting ticket with a priority (highest weight first), or without one."""
    if prioritised:
        return conn.execute(
            "SELECT * FROM tickets WHERE service = ? AND state = 'waiting' AND weight > 0 "
            "ORDER BY weight DESC, waiting_since, seq LIMIT 1",
            (service,),
        ).fetchone()
    return conn.execute(
        "SELECT * FROM tickets WHERE service = ? AND state = 'waiting' AND weight <= 0 "
        "ORDER BY waiting_since, seq LIMIT 1",
        (service,),
    ).fetchone()


def bump_call_count(conn: sqlite3.Connection, ticket_id: str) -> None:
    """One more call of a ticket (a recall)."""
    conn.execute("UPDATE tickets SET call_count = call_count + 1 WHERE ticket_id = ?", (ticket_id,))


def key_ticket(conn: sqlite3.Connection, key: str) -> Row | None:
    """The ticket an idempotency key gave (`ticket_id`, `service`), or None."""
    return conn.execute("SELECT ticket_id, service FROM idempotency WHERE key = ?", (key,)).fetchone()


def remember_key(conn: sqlite3.Connection, key: str, ticket_id: str, service: str, now: float) -> None:
    """The idempotency key gave this ticket (a retry gets it again)."""
    conn.execute(
        "INSERT INTO idempotency(key, ticket_id, service, created_at) VALUES (?, ?, ?, ?)",
        (key, ticket_id, service, now),
    )


def next_serial(conn: sqlite3.Connection, day: str, prefix: str) -> int:
    """Take the day's next serial of a prefix (one statement: atomic under the writer)."""
    return int(
        conn.execute(
            "INSERT INTO numbering(day, prefix, last_serial) VALUES (?, ?, 1) "
            "ON CONFLICT(day, prefix) DO UPDATE SET last_serial = last_serial + 1 "
            "RETURNING last_serial",
            (day, prefix),
        ).fetchall()[0][0]
    )


def move_serial(conn: sqlite3.Connection, day: str, prefix: str, serial: int) -> None:
    """The day's numbering of a prefix goes on from `serial` (numbers skipped after a wrap)."""
    conn.execute("UPDATE numbering SET last_serial = ? WHERE day = ? AND prefix = ?", (serial, day, prefix))


def normal_streak(conn: sqlite3.Connection, day: str, service: str) -> int:
    """How many tickets without a priority a one-per-N service called in a row today."""
    row = conn.execute(
        "SELECT normal_streak FROM service_state WHERE day = ? AND service = ?", (day, service)
    ).fetchone()
    return 0 if row is None else int(row[0] or 0)


def set_normal_streak(conn: sqlite3.Connection, day: str, service: str, streak: int) -> None:
    """How many tickets without a priority a one-per-N service called in a row."""
    conn.execute(
        "INSERT INTO service_state(day, service, normal_streak) VALUES (?, ?, ?) "
        "ON CONFLICT(day, service) DO UPDATE SET normal_streak = excluded.normal_streak",
        (day, service, streak),
    )


def update_state(conn: sqlite3.Connection, ticket_id: str, state: str, fields: dict[str, Any]) -> None:
    """Write a ticket's new state and the columns that change with it (names from the use case,
    never from a request); the rule is `queueing.core.TicketStates.set_state`."""
    cols = "".join(f", {k} = ?" for k in fields)
    sql = f"UPDATE tickets SET state = ?{cols} WHERE ticket_id = ?"  # noqa: S608
    conn.execute(sql, (state, *fields.values(), ticket_id))


def at_counter(conn: sqlite3.Connection, counter: int) -> Row | None:
    """The ticket called to or being served at a counter (the latest call), or None."""
    return conn.execute(
        "SELECT * FROM tickets WHERE counter = ? AND state IN ('called', 'serving') "
        "ORDER BY called_at DESC LIMIT 1",
        (counter,),
    ).fetchone()


def waiting_per_service(conn: sqlite3.Connection) -> dict[str, int]:
    """Waiting tickets per service that has any."""
    rows = conn.execute(
        "SELECT service, COUNT(*) AS n FROM tickets WHERE state = 'waiting' GROUP BY service"
    ).fetchall()
    return {str(r["service"]): int(r["n"]) for r in rows}


def issued_per_service(conn: sqlite3.Connection, day: str) -> dict[str, int]:
    """Tickets issued on a day per service (not voided, transfers not counted twice)."""
    rows = conn.execute(
        "SELECT service, COUNT(*) AS n FROM tickets WHERE day = ? AND state <> 'void' "
        "AND transferred_from IS NULL GROUP BY service",
        (day,),
    ).fetchall()
    return {str(r["service"]): int(r["n"]) for r in rows}


def waiting_normal(conn: sqlite3.Connection, service: str) -> int:
    """Waiting tickets of a service without a priority."""
    return int(
        conn.execute(
            "SELECT COUNT(*) FROM tickets WHERE service = ? AND state = 'waiting' AND weight <= 0", (service,)
        ).fetchone()[0]
    )


def waiting_normal_before(conn: sqlite3.Connection, service: str, row: Row) -> int:
    """Waiting tickets without a priority that waited longer than `row` (seq breaks ties)."""
    return int(
        conn.execute(
            "SELECT COUNT(*) FROM tickets WHERE service = ? AND state = 'waiting' AND weight <= 0 "
            "AND (waiting_since < ? OR (waiting_since = ? AND seq < ?))",
            (service, row["waiting_since"], row["waiting_since"], row["seq"]),
        ).fetchone()[0]
    )


def waiting_prioritised(conn: sqlite3.Connection, service: str) -> int:
    """Waiting tickets of a service with a priority."""
    return int(
        conn.execute(
            "SELECT COUNT(*) FROM tickets WHERE service = ? AND state = 'waiting' AND weight > 0", (service,)
        ).fetchone()[0]
    )


def waiting_prioritised_before(conn: sqlite3.Connection, service: str, row: Row) -> int:
    """Waiting tickets with a priority ordered before `row` (higher weight, then longer wait)."""
    return int(
        conn.execute(
            "SELECT COUNT(*) FROM tickets WHERE service = ? AND state = 'waiting' AND weight > 0 "
            "AND seq <> ? AND (weight > ? OR (weight = ? AND (waiting_since < ? "
            "OR (waiting_since = ? AND seq < ?))))",
            (
                service,
                row["seq"],
                row["weight"],
                row["weight"],
                row["waiting_since"],
                row["waiting_since"],
                row["seq"],
            ),
        ).fetchone()[0]
    )


def waiting_ranked_from(conn: sqlite3.Connection, service: str, rank_key: float) -> int:
    """Waiting tickets ranked at or above `rank_key` (all ahead of a ticket being issued)."""
    return int(
        conn.execute(
            "SELECT COUNT(*) FROM tickets WHERE service = ? AND state = 'waiting' AND rank_key >= ?",
            (service, rank_key),
        ).fetchone()[0]
    )


def waiting_ranked_before(conn: sqlite3.Connection, service: str, rank_key: float, seq: int) -> int:
    """Waiting tickets ranked before (`rank_key`, `seq`): two range counts on the (service, state,
    rank_key) index, since an OR would scan the queue."""
    higher = conn.execute(
        "SELECT COUNT(*) FROM tickets WHERE service = ? AND state = 'waiting' AND rank_key > ?",
        (service, rank_key),
    ).fetchone()[0]
    tied = conn.execute(
        "SELECT COUNT(*) FROM tickets WHERE service = ? AND state = 'waiting' AND rank_key = ? AND seq < ?",
        (service, rank_key, seq),
    ).fetchone()[0]
    return int(higher) + int(tied)


def recent_service_times(conn: sqlite3.Connection, service: str, window: int) -> list[float]:
    """The last `window` service durations of a service in seconds, oldest first (tickets closed
    without a known length left out)."""
    rows = conn.execute(
        "SELECT finished_at - COALESCE(started_at, called_at) AS s FROM tickets "
        "WHERE service = ? AND state = 'done' AND finished_at IS NOT NULL AND void_reason IS NULL "
        "ORDER BY finished_at DESC LIMIT ?",
        (service, window),
    ).fetchall()
    return list(reversed([float(r["s"]) for r in rows if r["s"] is not None]))


def stale(conn: sqlite3.Connection, cutoff: float, today: str) -> list[Row]:
    """Pending tickets issued before `cutoff`, and pending or waiting ones of an earlier day."""
    return conn.execute(
        "SELECT * FROM tickets WHERE state IN ('pending', 'waiting') "
        "AND ((state = 'pending' AND issued_at < ?) OR day < ?)",
        (cutoff, today),
    ).fetchall()


def left_at_counters(conn: sqlite3.Connection, today: str, now: float) -> list[Row]:
    """Called or served tickets of an earlier day, or at a counter no live session holds."""
    return conn.execute(
        "SELECT * FROM tickets WHERE state IN ('called', 'serving') AND (day < ? OR counter IS NULL "
        "OR counter NOT IN (SELECT counter FROM sessions WHERE counter IS NOT NULL AND expires_at >= ?))",
        (today, now),
    ).fetchall()


def transferred_to(conn: sqlite3.Connection, ticket_id: str) -> str | None:
    """The ticket a transfer made from this one, or None."""
    row = conn.execute("SELECT transferred_to FROM tickets WHERE ticket_id = ?", (ticket_id,)).fetchone()
    return str(row[0]) if row is not None and row[0] else None


def recent_calls(conn: sqlite3.Connection, since: float, limit: int) -> list[Row]:
    """The latest calls after `since`, newest first (what a board shows on connect)."""
    return conn.execute(
        "SELECT number, counter, service, called_at, state FROM tickets "
        "WHERE called_at IS NOT NULL AND called_at > ? ORDER BY called_at DESC, seq DESC LIMIT ?",
        (since, limit),
    ).fetchall()


def forget_keys(conn: sqlite3.Connection, before: float) -> int:
    """Delete idempotency keys older than `before`; how many."""
    return int(conn.execute("DELETE FROM idempotency WHERE created_at < ?", (before,)).rowcount)
