"""Counter staff in SQL: the `staff`, `staff_devices`, `staff_audit` and `sessions` tables (the
first three created by `queueing.staff_accounts.ensure_schema`, `sessions` by `queueing.schema`).
Each function runs in the caller's open connection; the rules (PIN checks, lockout, one person per
counter) are `queueing.staff_accounts`' and `queueing.staff`'s.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

Row = Any  # a sqlite3.Row

#: The staff tables, created at start (CREATE ... IF NOT EXISTS inside one transaction).
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS staff (
        staff_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        pin_hash TEXT NOT NULL,
        supervisor INTEGER NOT NULL DEFAULT 0,
        active INTEGER NOT NULL DEFAULT 1,
        demo INTEGER NOT NULL DEFAULT 0,
        failed_signins INTEGER NOT NULL DEFAULT 0,
        locked_until REAL,
        created_at REAL NOT NULL
    )""",
    # Browsers where an account signed in before (a hash of the `qstaffdevice` cookie): their
    # wrong PINs are counted here, not on the account, so a stranger's tries cannot lock them out.
    """CREATE TABLE IF NOT EXISTS staff_devices (
        token_hash TEXT NOT NULL,
        staff_id TEXT NOT NULL,
        failed_signins INTEGER NOT NULL DEFAULT 0,
        locked_until REAL,
        last_signin_at REAL NOT NULL,
        PRIMARY KEY (token_hash, staff_id)
    )""",
    "CREATE INDEX IF NOT EXISTS staff_devices_staff ON staff_devices (staff_id, last_signin_at)",
    """CREATE TABLE IF NOT EXISTS staff_audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        data TEXT NOT NULL
    )""",
)


def create_tables(conn: sqlite3.Connection) -> None:
    """Create the staff tables if missing."""
    for statement in SCHEMA:
        conn.execute(statement)


# ---------------------------------------------------------------------- staff_audit


def audit(conn: sqlite3.Connection, at: float, actor: str, action: str, **data: Any) -> None:
    """Append one staff action to `staff_audit`."""
    conn.execute(
        "INSERT INTO staff_audit(at, actor, action, data) VALUES (?, ?, ?, ?)",
        (at, actor, action, json.dumps(data, ensure_ascii=False, sort_keys=True)),
    )


# ---------------------------------------------------------------------- staff


def by_id(conn: sqlite3.Connection, staff_id: str) -> Row | None:
    """The account's row (any state), or None."""
    return conn.execute("SELECT * FROM staff WHERE staff_id = ?", (staff_id,)).fetchone()


def active_by_id(conn: sqlite3.Connection, staff_id: str) -> Row | None:
    """The account's row when it is active, or None."""
    return conn.execute("SELECT * FROM staff WHERE staff_id = ? AND active = 1", (staff_id,)).fetchone()


def exists(conn: sqlite3.Connection, staff_id: str) -> bool:
    """Whether an account has this ID (active or not)."""
    return conn.execute("SELECT 1 FROM staff WHERE staff_id = ?", (staff_id,)).fetchone() is not None


def all_rows(conn: sqlite3.Connection) -> dict[str, Row]:
    """Every account's row by staff ID."""
    return {r["staff_id"]: r for r in conn.execute("SELECT * FROM staff").fetchall()}


def listing(conn: sqlite3.Connection) -> list[Row]:
    """Every account without its PIN hash, by staff ID."""
    return conn.execute(
        "SELECT staff_id, name, supervisor, active, demo, failed_signins, locked_until, created_at "
        "FROM staff ORDER BY staff_id"
    ).fetchall()


def names(conn: sqlite3.Connection) -> dict[str, str]:
    """staff_id -> name of every account."""
    return {r["staff_id"]: r["name"] for r in conn.execute("SELECT staff_id, name FROM staff").fetchall()}


def count_real_active(conn: sqlite3.Connection) -> int:
    """How many active accounts are not demo accounts."""
    return int(conn.execute("SELECT COUNT(*) FROM staff WHERE demo = 0 AND active = 1").fetchone()[0] or 0)


def insert(
    conn: sqlite3.Connection,
    staff_id: str,
    name: str,
    pin_hash: str,
    supervisor: bool,
    at: float,
    demo: bool = False,
) -> None:
    """Add an account."""
    if demo:
        conn.execute(
            "INSERT INTO staff(staff_id, name, pin_hash, supervisor, demo, created_at) "
            "VALUES (?, ?, ?, ?, 1, ?)",
            (staff_id, name, pin_hash, int(supervisor), at),
        )
    else:
        conn.execute(
            "INSERT INTO staff(staff_id, name, pin_hash, supervisor, created_at) VALUES (?, ?, ?, ?, ?)",
            (staff_id, name, pin_hash, int(supervisor), at),
        )


def update_demo(conn: sqlite3.Connection, staff_id: str, name: str, supervisor: bool, pin_hash: str) -> None:
    """A demo account takes its configured name, role and PIN, and is active."""
    conn.execute(
        "UPDATE staff SET name = ?, supervisor = ?, active = 1, pin_hash = ? WHERE staff_id = ?",
        (name, int(supervisor), pin_hash, staff_id),
    )


def reset_pin(conn: sqlite3.Connection, staff_id: str, pin_hash: str) -> bool:
    """A new PIN hash, no lockout, no longer a demo account; False when there is no such account."""
    return bool(
        conn.execute(
            "UPDATE staff SET pin_hash = ?, failed_signins = 0, locked_until = NULL, demo = 0 "
            "WHERE staff_id = ?",
            (pin_hash, staff_id),
        ).rowcount
    )


def set_active(conn: sqlite3.Connection, staff_id: str, active: bool) -> bool:
    """Enable or disable an account; False when there is no such account."""
    return bool(
        conn.execute("UPDATE staff SET active = ? WHERE staff_id = ?", (int(active), staff_id)).rowcount
    )


def delete(conn: sqlite3.Connection, staff_id: str) -> None:
    """Remove an account."""
    conn.execute("DELETE FROM staff WHERE staff_id = ?", (staff_id,))


def set_failures(conn: sqlite3.Connection, staff_id: str, failures: int, locked_until: float | None) -> None:
    """The account's failed sign-in count and lockout end (None: not locked)."""
    conn.execute(
        "UPDATE staff SET failed_signins = ?, locked_until = ? WHERE staff_id = ?",
        (failures, locked_until, staff_id),
    )


def clear_failures(conn: sqlite3.Connection, staff_id: str) -> None:
    """The failed sign-in count starts again and no lockout holds."""
    conn.execute("UPDATE staff SET failed_signins = 0, locked_until = NULL WHERE staff_id = ?", (staff_id,))


# ---------------------------------------------------------------------- staff_devices


def trusted_device(conn: sqlite3.Connection, token_hash: str, staff_id: str, since: float) -> Row | None:
    """The device row (failed_signins, locked_until) when the account signed in from this browser
    at or after `since`, else None."""
    return conn.execute(
        "SELECT failed_signins, locked_until FROM staff_devices "
        "WHERE token_hash = ? AND staff_id = ? AND last_signin_at >= ?",
        (token_hash, staff_id, since),
    ).fetchone()


def set_device_failures(
    conn: sqlite3.Connection, token_hash: str, staff_id: str, failures: int, locked_until: float | None
) -> None:
    """The device's failed sign-in count for the account and its lockout end (None: not locked)."""
    conn.execute(
        "UPDATE staff_devices SET failed_signins = ?, locked_until = ? WHERE token_hash = ? AND staff_id = ?",
        (failures, locked_until, token_hash, staff_id),
    )


def remember_device(
    conn: sqlite3.Connection, token_hash: str, staff_id: str, now: float, since: float, keep: int
) -> None:
    """The account signed in from this browser now (its count starts again); the account's devices
    not used since `since`, and all but its `keep` most recent, are forgotten."""
    conn.execute(
        "INSERT INTO staff_devices(token_hash, staff_id, last_signin_at) VALUES (?, ?, ?) "
        "ON CONFLICT (token_hash, staff_id) DO UPDATE SET failed_signins = 0, locked_until = NULL, "
        "last_signin_at = excluded.last_signin_at",
        (token_hash, staff_id, now),
    )
    conn.execute(
        "DELETE FROM staff_devices WHERE staff_id = ? AND (last_signin_at < ? OR token_hash NOT IN ("
        "SELECT token_hash FROM staff_devices WHERE staff_id = ? ORDER BY last_signin_at DESC LIMIT ?))",
        (staff_id, since, staff_id, keep),
    )


def forget_devices(conn: sqlite3.Connection, staff_id: str) -> None:
    """No browser is trusted for the account any more."""
    conn.execute("DELETE FROM staff_devices WHERE staff_id = ?", (staff_id,))


# ---------------------------------------------------------------------- sessions


def delete_sessions_of(conn: sqlite3.Connection, staff_id: str) -> None:
    """End every session of an account."""
    conn.execute("DELETE FROM sessions WHERE staff_id = ?", (staff_id,))


def delete_expired_sessions(conn: sqlite3.Connection, now: float) -> None:
    """Forget sessions that ended before `now`."""
    conn.execute("DELETE FROM sessions WHERE expires_at < ?", (now,))


def counter_holder(conn: sqlite3.Connection, counter: int, other_than: str, now: float) -> str | None:
    """Who other than `other_than` holds `counter` with a live session, or None."""
    row = conn.execute(
        "SELECT staff_id FROM sessions WHERE counter = ? AND staff_id <> ? AND expires_at >= ? LIMIT 1",
        (counter, other_than, now),
    ).fetchone()
    return None if row is None else str(row["staff_id"])


def delete_counter_sessions(conn: sqlite3.Connection, counter: int, staff_id: str) -> None:
    """End the sessions at `counter` and `staff_id`'s sessions at any counter."""
    conn.execute("DELETE FROM sessions WHERE counter = ?", (counter,))
    conn.execute("DELETE FROM sessions WHERE staff_id = ? AND counter IS NOT NULL", (staff_id,))


def insert_session(
    conn: sqlite3.Connection,
    token_hash: str,
    staff_id: str,
    counter: int | None,
    at: float,
    expires_at: float,
) -> None:
    """Add a session."""
    conn.execute(
        "INSERT INTO sessions(token_hash, staff_id, counter, created_at, expires_at) VALUES (?,?,?,?,?)",
        (token_hash, staff_id, counter, at, expires_at),
    )


def session_with_staff(conn: sqlite3.Connection, token_hash: str) -> Row | None:
    """The session of a token hash joined with its active account (counter, expires_at,
    staff_id, name, supervisor), or None."""
    return conn.execute(
        "SELECT s.counter, s.expires_at, st.staff_id, st.name, st.supervisor FROM sessions s "
        "JOIN staff st ON st.staff_id = s.staff_id AND st.active = 1 WHERE s.token_hash = ?",
        (token_hash,),
    ).fetchone()


def delete_session(conn: sqlite3.Connection, token_hash: str) -> None:
    """End one session."""
    conn.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))
