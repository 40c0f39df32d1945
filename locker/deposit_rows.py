"""A deposit's row and its state changes: the one place a deposit's state changes (checked against
the life cycle, audited), the collected transition with its back-office and hub messages, and the
row read that answers NotFound. Used by the staff, kiosk, monitor and custody use cases.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, tzinfo
from typing import Any

from common import outbox as hub_outbox
from locker import audit, outbox
from locker.domain import DepositState, check_transition
from locker.errors import NotFound

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
    cols = {"state": new.value, "updated_at": now.isoformat(), **fields}
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
    set_state(
        conn, deposit_id, DepositState.COLLECTED, now, actor, collected_at=now.isoformat(), code_digest=None
    )
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
