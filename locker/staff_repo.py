"""The repository of staff: the `staff` table (accounts: role, PIN hash, sealed TOTP secret,
sign-in failures) and `sessions` (bearer tokens by digest). Every SQL statement on them is here;
`locker.staff` (enrolment, sign-in, sessions) holds none.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime
from pathlib import Path

from common.timestamps import epoch, iso
from locker import audit

log = logging.getLogger(__name__)


# ----- accounts -----
def get(conn: sqlite3.Connection, staff_id: str) -> sqlite3.Row | None:
    """The account's row, or None."""
    row: sqlite3.Row | None = conn.execute("SELECT * FROM staff WHERE staff_id=?", (staff_id,)).fetchone()
    return row


def exists(conn: sqlite3.Connection, staff_id: str) -> bool:
    """An account with this id exists."""
    return conn.execute("SELECT 1 FROM staff WHERE staff_id=?", (staff_id,)).fetchone() is not None


def insert(
    conn: sqlite3.Connection, staff_id: str, role: str, pin_hash: str, sealed_secret: str, now: datetime
) -> None:
    """A new account."""
    conn.execute(
        "INSERT INTO staff(staff_id, role, pin_hash, totp_secret, created_at) VALUES (?,?,?,?,?)",
        (staff_id, role, pin_hash, sealed_secret, epoch(now)),
    )


def ids(conn: sqlite3.Connection) -> list[str]:
    """Every account's id."""
    return [r[0] for r in conn.execute("SELECT staff_id FROM staff")]


def accounts(conn: sqlite3.Connection) -> list[dict[str, object]]:
    """Every account without its secrets (staff_id, role, active, created_at in ISO 8601), by id."""
    rows = conn.execute("SELECT staff_id, role, active, created_at FROM staff ORDER BY staff_id").fetchall()
    return [{**dict(r), "created_at": iso(r["created_at"])} for r in rows]


def secrets(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """(staff_id, totp_secret) of every account, as stored."""
    return conn.execute("SELECT staff_id, totp_secret FROM staff").fetchall()


def secret_of(conn: sqlite3.Connection, staff_id: str) -> str | None:
    """The stored (sealed) TOTP secret of an account, or None when there is no such account."""
    row = conn.execute("SELECT totp_secret FROM staff WHERE staff_id=?", (staff_id,)).fetchone()
    return None if row is None else str(row["totp_secret"])


def set_secret(conn: sqlite3.Connection, staff_id: str, sealed_secret: str) -> bool:
    """A new TOTP secret (its steps start over); False when there is no such account."""
    cur = conn.execute(
        "UPDATE staff SET totp_secret=?, last_totp_step=0 WHERE staff_id=?", (sealed_secret, staff_id)
    )
    return cur.rowcount != 0


def set_active(conn: sqlite3.Connection, staff_id: str, active: bool) -> bool:
    """Enable or disable an account; False when there is no such account."""
    cur = conn.execute("UPDATE staff SET active=? WHERE staff_id=?", (int(active), staff_id))
    return cur.rowcount != 0


def signed_in(conn: sqlite3.Connection, staff_id: str, totp_step: int) -> None:
    """A successful sign-in: failures cleared, the TOTP step used."""
    conn.execute(
        "UPDATE staff SET failed_signins=0, locked_until=NULL, last_totp_step=? WHERE staff_id=?",
        (totp_step, staff_id),
    )


def set_failures(conn: sqlite3.Connection, staff_id: str, count: int, locked_until: float | None) -> None:
    """Failed sign-ins so far and the lockout's end (epoch s; None: not locked)."""
    conn.execute(
        "UPDATE staff SET failed_signins=?, locked_until=? WHERE staff_id=?", (count, locked_until, staff_id)
    )


def seal_clear_secrets(db: Path, sealed: list[tuple[str, str, str]], now: datetime) -> None:
    """Replace clear secrets (staff_id, clear, sealed) and scrub the old bytes from the file.

    Its own connection with secure_delete (SQLite zeroes overwritten and freed content) and a
    truncating WAL checkpoint afterwards, so the clear secrets do not linger in free pages.
    """
    conn = sqlite3.connect(db, isolation_level=None, timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("PRAGMA secure_delete=ON")
        conn.execute("BEGIN IMMEDIATE")
        for staff_id, clear, new in sealed:
            conn.execute(
                "UPDATE staff SET totp_secret=? WHERE staff_id=? AND totp_secret=?", (new, staff_id, clear)
            )
        audit.append(conn, now, "locker", "staff_secrets_encrypted", accounts=len(sealed))
        conn.execute("COMMIT")
        busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        if busy:
            log.warning("WAL checkpoint busy: old clear secrets leave %s at the next checkpoint", db)
    finally:
        conn.close()


# ----- sessions -----
def add_session(
    conn: sqlite3.Connection, token_digest: str, staff_id: str, now: datetime, expires: datetime
) -> None:
    """A new session, known by its token's digest."""
    conn.execute(
        "INSERT INTO sessions(token_digest, staff_id, created_at, last_seen_at, expires_at)"
        " VALUES (?,?,?,?,?)",
        (token_digest, staff_id, epoch(now), epoch(now), epoch(expires)),
    )


def session(conn: sqlite3.Connection, token_digest: str) -> sqlite3.Row | None:
    """The session with its account's role and active flag, or None."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT s.*, st.role, st.active FROM sessions s JOIN staff st USING(staff_id) WHERE token_digest=?",
        (token_digest,),
    ).fetchone()
    return row


def touch_session(conn: sqlite3.Connection, token_digest: str, now: datetime, expires: datetime) -> None:
    """The session was used: its idle expiry slides."""
    conn.execute(
        "UPDATE sessions SET last_seen_at=?, expires_at=? WHERE token_digest=?",
        (epoch(now), epoch(expires), token_digest),
    )


def end_session(conn: sqlite3.Connection, token_digest: str) -> None:
    """End one session."""
    conn.execute("DELETE FROM sessions WHERE token_digest=?", (token_digest,))


def end_sessions(conn: sqlite3.Connection, staff_id: str | None = None) -> None:
    """End every session of one account (None: of every account)."""
    if staff_id is None:
        conn.execute("DELETE FROM sessions")
    else:
        conn.execute("DELETE FROM sessions WHERE staff_id=?", (staff_id,))
