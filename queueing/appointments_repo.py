"""The appointments in SQL: the `appointments` table (`queueing.schema`), and its joins with
`tickets` for the calling order. Each function runs in the caller's open connection; the rules are the
appointment parts' (`queueing.appointment_booking`, `appointment_move`, `appointment_checkin`,
`appointment_calls`). A slot's places are counted inside the statement that takes one, so a
crowd of bookings or moves into the last place never over-books it (SQLite has one writer).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from queueing.slots import HOLDING_STATES

Row = Any  # a sqlite3.Row of `appointments`

#: Columns a new booking row is given (`insert_if_free`); the rest keep their defaults.
INSERT_COLUMNS = (
    "appointment_id",
    "code",
    "service",
    "day",
    "slot_start",
    "slot_end",
    "phone_hash",
    "phone_masked",
    "id_hash",
    "manage_hash",
    "created_at",
    "contact_sealed",
)


def taken_per_slot(conn: sqlite3.Connection, service: str, day: str) -> dict[float, int]:
    """Places held (booked or checked in) per slot start of a service's day."""
    rows = conn.execute(
        "SELECT slot_start, COUNT(*) AS n FROM appointments WHERE service = ? AND day = ? "
        "AND state IN (?, ?) GROUP BY slot_start",
        (service, day, *HOLDING_STATES),
    ).fetchall()
    return {float(r["slot_start"]): int(r["n"]) for r in rows}


def held_by_phone(conn: sqlite3.Connection, phone_hash: str, since: float) -> int:
    """Bookings of a phone still `booked` with a slot from `since` on."""
    return int(
        conn.execute(
            "SELECT COUNT(*) FROM appointments WHERE phone_hash = ? AND state = 'booked' AND slot_start >= ?",
            (phone_hash, since),
        ).fetchone()[0]
    )


def missed_by_phone(conn: sqlite3.Connection, phone_hash: str, since: float, until: float) -> int:
    """Bookings of a phone left `booked` (never checked in) with a slot in [since, until)."""
    return int(
        conn.execute(
            "SELECT COUNT(*) FROM appointments WHERE phone_hash = ? AND state = 'booked' "
            "AND slot_start >= ? AND slot_start < ?",
            (phone_hash, since, until),
        ).fetchone()[0]
    )


def code_is_live(conn: sqlite3.Connection, code: str) -> bool:
    """True when a `booked` booking holds this short code."""
    return (
        conn.execute("SELECT 1 FROM appointments WHERE code = ? AND state = 'booked'", (code,)).fetchone()
        is not None
    )


def insert_if_free(conn: sqlite3.Connection, capacity: int, **columns: Any) -> bool:
    """Add a `booked` row unless its slot already holds `capacity` places; True when added."""
    if set(columns) != set(INSERT_COLUMNS):
        raise ValueError(f"a booking row takes exactly {INSERT_COLUMNS}")
    values = [columns[c] for c in INSERT_COLUMNS]
    return bool(
        conn.execute(
            f"INSERT INTO appointments({', '.join(INSERT_COLUMNS)}, state) "  # noqa: S608 - fixed names
            f"SELECT {', '.join('?' for _ in INSERT_COLUMNS)}, 'booked' WHERE (SELECT COUNT(*) "
            "FROM appointments WHERE service = ? AND slot_start = ? AND state IN (?, ?)) < ?",
            (*values, columns["service"], columns["slot_start"], *HOLDING_STATES, capacity),
        ).rowcount
    )


def move_if_free(
    conn: sqlite3.Connection, row: Row, start_ts: float, end_ts: float, day: str, now: float, capacity: int
) -> bool:
    """Move a `booked` row to the slot at `start_ts` unless that slot holds `capacity` places."""
    return bool(
        conn.execute(
            "UPDATE appointments SET slot_start = ?, slot_end = ?, day = ?, moved_at = ?, moves = moves + 1 "
            "WHERE appointment_id = ? AND state = 'booked' AND (SELECT COUNT(*) FROM appointments "
            "WHERE service = ? AND slot_start = ? AND state IN (?, ?)) < ?",
            (
                start_ts,
                end_ts,
                day,
                now,
                row["appointment_id"],
                row["service"],
                start_ts,
                *HOLDING_STATES,
                capacity,
            ),
        ).rowcount
    )


def by_manage_hash(conn: sqlite3.Connection, digest: str) -> Row | None:
    """The booking behind a manage link, or None."""
    return conn.execute("SELECT * FROM appointments WHERE manage_hash = ?", (digest,)).fetchone()


def live_by(conn: sqlite3.Connection, column: str, value: str | None, today: str) -> Row | None:
    """Today's or a later live booking by `code` or `id_hash` (a booked one first), or None."""
    if column not in ("code", "id_hash"):
        raise ValueError(f"bookings are found by code or id_hash, not {column!r}")
    return conn.execute(
        f"SELECT * FROM appointments WHERE {column} = ? AND day >= ? "  # noqa: S608 - fixed names
        "AND state IN ('booked', 'checked_in') ORDER BY state = 'checked_in', slot_start LIMIT 1",
        (value, today),
    ).fetchone()


def cancel(conn: sqlite3.Connection, appointment_id: str, now: float) -> None:
    """The booking is cancelled: its place goes back to the slot."""
    conn.execute(
        "UPDATE appointments SET state = 'cancelled', cancelled_at = ? WHERE appointment_id = ?",
        (now, appointment_id),
    )


def check_in(conn: sqlite3.Connection, appointment_id: str, now: float, ticket_id: str, attempt: int) -> None:
    """The booking is checked in with the ticket issued for it (`attempt`: how many check-ins)."""
    conn.execute(
        "UPDATE appointments SET state = 'checked_in', checked_in_at = ?, ticket_id = ?, "
        "checkin_attempts = ? WHERE appointment_id = ?",
        (now, ticket_id, attempt, appointment_id),
    )


def no_show_due(conn: sqlite3.Connection, after_s: float, now: float) -> bool:
    """True when a `booked` booking more than `after_s` past its slot start was not yet sent to
    the hub as a no-show."""
    return (
        conn.execute(
            "SELECT 1 FROM appointments WHERE no_show_sent_at IS NULL AND state = 'booked' "
            "AND slot_start + ? < ? LIMIT 1",
            (after_s, now),
        ).fetchone()
        is not None
    )


def due_head(conn: sqlite3.Connection, service: str, now_ts: float) -> Row | None:
    """The waiting checked-in ticket of `service` whose slot has begun (earliest slot first), with
    `appointment_start`, or None."""
    return conn.execute(
        "SELECT t.*, a.slot_start AS appointment_start FROM appointments a "
        "JOIN tickets t ON t.ticket_id = a.ticket_id WHERE a.service = ? AND a.state = 'checked_in' "
        "AND a.slot_start <= ? AND t.state = 'waiting' ORDER BY a.slot_start, t.seq LIMIT 1",
        (service, now_ts),
    ).fetchone()


def waiting_list(conn: sqlite3.Connection, service: str, now_ts: float, limit: int) -> list[Row]:
    """A service's waiting tickets as they will be called: checked-in appointments whose slot has
    begun first, then by rank; each with `appointment_start` (None: walk-in)."""
    return conn.execute(
        "SELECT t.number, t.priority, t.waiting_since, a.slot_start AS appointment_start FROM tickets t "
        "LEFT JOIN appointments a ON a.ticket_id = t.ticket_id WHERE t.service = ? AND t.state = 'waiting' "
        "ORDER BY COALESCE(a.slot_start <= ?, 0) DESC, CASE WHEN a.slot_start <= ? THEN a.slot_start END, "
        "t.rank_key DESC, t.seq LIMIT ?",
        (service, now_ts, now_ts, limit),
    ).fetchall()


def slot_of_ticket(conn: sqlite3.Connection, ticket_id: str) -> float | None:
    """The slot start of the booking a ticket was issued for; None for a walk-in."""
    row = conn.execute("SELECT slot_start FROM appointments WHERE ticket_id = ?", (ticket_id,)).fetchone()
    return None if row is None or row[0] is None else float(row[0])


def booked_from(conn: sqlite3.Connection, day: str, since: float) -> list[Row]:
    """A day's `booked` (not checked in) bookings with a slot from `since`: service, slot_start."""
    return conn.execute(
        "SELECT service, slot_start FROM appointments WHERE day = ? AND state = 'booked' AND slot_start >= ?",
        (day, since),
    ).fetchall()
