"""The repository of where results wait: the `deposits` table (and `counter_results`, the results
kept at the counter instead). Every SQL statement on them is here, as a named function in the
caller's connection; the use cases (deposits, custody, pickup, dossiers, capacity, monitor) hold
none. `set_state` is the one place a deposit's state changes (checked against the life cycle,
audited); `mark_collected` adds the back-office and hub messages of a collection.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from common import outbox as hub_outbox
from common.timestamps import epoch
from locker import audit, outbox
from locker.domain import DepositState, check_transition
from locker.errors import NotFound
from locker.store import ACTIVE_IN

log = logging.getLogger(__name__)


def set_state(
    conn: sqlite3.Connection, deposit_id: str, new: DepositState, now: datetime, actor: str, **fields: Any
) -> DepositState:
    """Change a deposit's state (checked against the life cycle), with extra columns; audited."""
    row = conn.execute("SELECT state, compartment FROM deposits WHERE deposit_id=?", (deposit_id,)).fetchone()
    if row is None:
        raise NotFound("unknown_deposit", f"there is no deposit {deposit_id}")
    old = DepositState(row["state"])
    check_transition(old, new)
    cols = {"state": new.value, "updated_at": epoch(now), **fields}
    conn.execute(
        f"UPDATE deposits SET {', '.join(f'{k}=?' for k in cols)} WHERE deposit_id=?",  # noqa: S608 - fixed names
        (*cols.values(), deposit_id),
    )
    audit.append(
        conn,
        now,
        actor,
        "deposit_state",
        deposit_id=deposit_id,
        compartment=row["compartment"],
        old=old.value,
        new=new.value,
    )
    if old is not new:
        log.info("deposit %s: %s -> %s (%s)", deposit_id, old.value, new.value, actor)
    return old


def mark_collected(
    conn: sqlite3.Connection, now: datetime, actor: str, row: sqlite3.Row, *, tz: tzinfo, **event: str
) -> None:
    """The door was seen open for a pickup: collected (the code dies) and the back office is told
    "returned to citizen" through the outbox, in the caller's transaction; the province hub
    counts it (for its day in `tz`). `event` adds detail to the callback (pickup_id, or a note)."""
    deposit_id = row["deposit_id"]
    set_state(conn, deposit_id, DepositState.COLLECTED, now, actor, collected_at=epoch(now), code_digest=None)
    hub_outbox.add_now(conn, now, tz, "deposit.collected", size=row["size"])
    outbox.enqueue(
        conn,
        now,
        outbox.RETURNED,
        f"{deposit_id}:collected",
        {
            "dossier_code": row["dossier_code"],
            "deposit_id": deposit_id,
            "event": {
                "status": "returned_to_citizen",
                "at": now.isoformat(),
                "channel": "locker",
                "compartment": row["compartment"],
                **event,
            },
        },
    )


def deposit_row(conn: sqlite3.Connection, deposit_id: str) -> sqlite3.Row:
    """The deposit row or NotFound."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM deposits WHERE deposit_id=?", (deposit_id,)
    ).fetchone()
    if row is None:
        raise NotFound("unknown_deposit", f"there is no deposit {deposit_id}")
    return row


def by_code_digest(conn: sqlite3.Connection, digest: str) -> sqlite3.Row | None:
    """The deposit holding this code (one indexed lookup by the code's HMAC), or None."""
    row: sqlite3.Row | None = conn.execute("SELECT * FROM deposits WHERE code_digest=?", (digest,)).fetchone()
    return row


def kill_code(conn: sqlite3.Connection, deposit_id: str) -> None:
    """The deposit's code opens nothing from now on (its state unchanged)."""
    conn.execute("UPDATE deposits SET code_digest = NULL WHERE deposit_id = ?", (deposit_id,))


def code_digest_taken(conn: sqlite3.Connection, digest: str) -> bool:
    """A live code already has this HMAC."""
    return conn.execute("SELECT 1 FROM deposits WHERE code_digest=?", (digest,)).fetchone() is not None


def waiting_matching_id(conn: sqlite3.Connection, id_digest: str) -> list[tuple[str, str]]:
    """(deposit, compartment) of each deposit waiting for pickup whose citizen or authorised person
    has this ID number digest."""
    rows = conn.execute(
        "SELECT deposit_id, compartment FROM deposits"
        " WHERE (id_digest=? OR authorised_id_digest=?) AND state=?",
        (id_digest, id_digest, DepositState.CODE_SENT.value),
    ).fetchall()
    return [(r["deposit_id"], r["compartment"]) for r in rows]


def waiting_matching_phone(conn: sqlite3.Connection, last4: str) -> list[tuple[str, str]]:
    """(deposit, compartment) of each deposit waiting for pickup whose citizen's or authorised
    person's phone ends in `last4`."""
    rows = conn.execute(
        "SELECT deposit_id, compartment FROM deposits"
        " WHERE (phone LIKE ? OR authorised_phone LIKE ?) AND state=?",
        ("%" + last4, "%" + last4, DepositState.CODE_SENT.value),
    ).fetchall()
    return [(r["deposit_id"], r["compartment"]) for r in rows]


def active_rows(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """The deposits still in the cabinet (at most one per compartment), newest first."""
    return conn.execute(
        "SELECT * FROM deposits WHERE " + ACTIVE_IN + " ORDER BY created_at DESC",  # noqa: S608 - fixed SQL
    ).fetchall()


def active_compartments(conn: sqlite3.Connection) -> set[str]:
    """The compartments holding a deposit still in the cabinet."""
    return {r[0] for r in conn.execute("SELECT compartment FROM deposits WHERE " + ACTIVE_IN)}  # noqa: S608


def active_in(conn: sqlite3.Connection, label: str) -> str | None:
    """The deposit still in compartment `label`, or None."""
    row = conn.execute(
        "SELECT deposit_id FROM deposits WHERE compartment=? AND " + ACTIVE_IN,  # noqa: S608 - fixed SQL
        (label,),
    ).fetchone()
    return None if row is None else str(row["deposit_id"])


def dossier_active(conn: sqlite3.Connection, dossier_code: str) -> bool:
    """A deposit of this dossier is still in the cabinet."""
    return (
        conn.execute(
            "SELECT 1 FROM deposits WHERE dossier_code=? AND " + ACTIVE_IN,  # noqa: S608 - fixed SQL
            (dossier_code,),
        ).fetchone()
        is not None
    )


def in_state_at(conn: sqlite3.Connection, label: str, *states: DepositState) -> str | None:
    """The deposit in compartment `label` in one of `states`, or None."""
    row = conn.execute(
        f"SELECT deposit_id FROM deposits WHERE compartment=? AND state IN ({','.join('?' * len(states))})",  # noqa: S608
        (label, *(s.value for s in states)),
    ).fetchone()
    return None if row is None else str(row["deposit_id"])


def in_state(conn: sqlite3.Connection, state: DepositState | None, limit: int = 1000) -> list[sqlite3.Row]:
    """Deposits of one state (None: any), newest first, at most `limit`."""
    if state is None:
        return conn.execute("SELECT * FROM deposits ORDER BY created_at DESC LIMIT ?", (limit,)).fetchall()
    return conn.execute(
        "SELECT * FROM deposits WHERE state=? ORDER BY created_at DESC LIMIT ?", (state.value, limit)
    ).fetchall()


def waiting(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every deposit waiting for pickup (code sent), for the expiry and reminder sweep."""
    return conn.execute("SELECT * FROM deposits WHERE state=?", (DepositState.CODE_SENT.value,)).fetchall()


def latest_with_code(conn: sqlite3.Connection, dossier_code: str) -> sqlite3.Row | None:
    """The dossier's most recent deposit that got as far as a code (none while staff still load it)."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM deposits WHERE dossier_code=? AND state NOT IN (?,?,?)"
        " ORDER BY created_at DESC LIMIT 1",
        (dossier_code, DepositState.RESERVED.value, DepositState.LOADING.value, DepositState.CANCELLED.value),
    ).fetchone()
    return row


@dataclass(frozen=True)
class NewDeposit:
    """A deposit as staff reserve it (state `reserved`); digests and phones as stored."""

    deposit_id: str
    dossier_code: str
    phone: str
    citizen_name: str
    id_digest: str | None
    authorised_id_digest: str | None
    authorised_phone: str | None
    compartment: str
    size: str
    created_by: str


def insert(conn: sqlite3.Connection, new: NewDeposit, now: datetime) -> None:
    """Insert a reserved deposit (the partial unique indexes refuse a double booking)."""
    conn.execute(
        "INSERT INTO deposits(deposit_id, dossier_code, phone, citizen_name, id_digest,"
        " authorised_id_digest, authorised_phone, compartment,"
        " size, state, created_by, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            new.deposit_id,
            new.dossier_code,
            new.phone,
            new.citizen_name,
            new.id_digest,
            new.authorised_id_digest,
            new.authorised_phone,
            new.compartment,
            new.size,
            DepositState.RESERVED.value,
            new.created_by,
            epoch(now),
            epoch(now),
        ),
    )


def unblock(conn: sqlite3.Connection, deposit_id: str, now: datetime) -> None:
    """Clear the lock and the wrong tries (the state does not change)."""
    conn.execute(
        "UPDATE deposits SET locked=0, wrong_tries=0, updated_at=? WHERE deposit_id=?",
        (epoch(now), deposit_id),
    )


def set_wrong_tries(conn: sqlite3.Connection, deposit_id: str, wrong: int, locked: bool) -> None:
    """The deposit's count of wrong tries, and whether they locked it."""
    conn.execute(
        "UPDATE deposits SET wrong_tries=?, locked=? WHERE deposit_id=?", (wrong, int(locked), deposit_id)
    )


def mark_reminded(conn: sqlite3.Connection, deposit_id: str) -> None:
    """The expiry reminder was queued for the current code."""
    conn.execute("UPDATE deposits SET reminder_sent=1 WHERE deposit_id=?", (deposit_id,))


def forget_personal_data(conn: sqlite3.Connection, cutoff: float) -> int:
    """Blank phone, name and ID digests of deposits finished before `cutoff` (epoch s); how many."""
    cur = conn.execute(
        "UPDATE deposits SET phone='', citizen_name='', id_digest=NULL,"
        " authorised_id_digest=NULL, authorised_phone=NULL"
        " WHERE state IN ('collected', 'withdrawn', 'cancelled') AND updated_at < ? AND phone != ''",
        (cutoff,),
    )
    return cur.rowcount


def count_active_compartments(conn: sqlite3.Connection) -> int:
    """Compartments holding a deposit still in the cabinet."""
    return int(
        conn.execute("SELECT COUNT(DISTINCT compartment) FROM deposits WHERE " + ACTIVE_IN).fetchone()[0]  # noqa: S608
    )


def counter_result_at(conn: sqlite3.Connection, dossier_code: str) -> float | None:
    """When this dossier's result was last recorded as kept at the counter (epoch s), or None."""
    row = conn.execute(
        "SELECT created_at FROM counter_results WHERE dossier_code=? ORDER BY counter_id DESC LIMIT 1",
        (dossier_code,),
    ).fetchone()
    return None if row is None else float(row["created_at"])


def add_counter_result(conn: sqlite3.Connection, dossier_code: str, staff_id: str, now: datetime) -> int:
    """Record that the result stays at the counter; its id."""
    cur = conn.execute(
        "INSERT INTO counter_results(dossier_code, created_by, created_at) VALUES (?,?,?)",
        (dossier_code, staff_id, epoch(now)),
    )
    return int(cur.lastrowid or 0)
