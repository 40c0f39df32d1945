"""Alarms: raised (deduplicated while unacknowledged), listed and acknowledged, each audited and
counted in the province hub's events."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, tzinfo

from common import outbox as hub_outbox
from common.clock import Clock
from common.timestamps import epoch, iso
from locker import audit, failures_repo
from locker.errors import NotFound
from locker.store import Store

log = logging.getLogger(__name__)


class Alarms:
    """Raise (deduplicated while unacknowledged), list and acknowledge alarms; each raise and
    acknowledgement also writes its kind to the province hub's events (`tz`: the locker's day)."""

    def __init__(self, store: Store, clock: Clock, tz: tzinfo = UTC) -> None:
        self._store = store
        self._clock = clock
        self._tz = tz

    def raise_in(
        self, conn: sqlite3.Connection, kind: str, compartment: str | None, message: str
    ) -> int | None:
        """Raise inside the caller's transaction; None if the same alarm is already open."""
        dup = conn.execute(
            "SELECT alarm_id FROM alarms WHERE kind=? AND compartment IS ? AND acked=0", (kind, compartment)
        ).fetchone()
        if dup is not None:
            return None
        return self.record_in(conn, kind, compartment, message)

    def record_in(
        self,
        conn: sqlite3.Connection,
        kind: str,
        compartment: str | None,
        message: str,
        actor: str = "system",
    ) -> int:
        """Insert, audit and log one alarm inside the caller's transaction (the caller deduplicates)."""
        now = self._clock.now()
        cur = conn.execute(
            "INSERT INTO alarms(kind, compartment, raised_at, message) VALUES (?,?,?,?)",
            (kind, compartment, epoch(now), message),
        )
        audit.append(conn, now, actor, "alarm_raised", compartment=compartment, kind=kind, message=message)
        hub_outbox.add_now(conn, now, self._tz, "alarm.raised", alarm=kind)
        log.warning("ALARM %s%s: %s", kind, f" (compartment {compartment})" if compartment else "", message)
        return int(cur.lastrowid or 0)

    def raise_(self, kind: str, compartment: str | None, message: str) -> int | None:
        """Raise in a transaction of its own."""
        with self._store.tx() as conn:
            return self.raise_in(conn, kind, compartment, message)

    def list(self, include_acked: bool = True) -> list[dict[str, object]]:
        """Newest first."""
        with self._store.read() as conn:
            rows = conn.execute(
                "SELECT * FROM alarms WHERE acked=0 OR ? ORDER BY alarm_id DESC", (int(include_acked),)
            ).fetchall()
        return [
            {
                "alarm_id": r["alarm_id"],
                "kind": r["kind"],
                "compartment": r["compartment"],
                "raised_at": iso(r["raised_at"]),
                "message": r["message"],
                "acked": bool(r["acked"]),
                "acked_by": r["acked_by"],
                "acked_at": iso(r["acked_at"]),
            }
            for r in rows
        ]

    def open_count(self) -> int:
        """Unacknowledged alarms."""
        with self._store.read() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM alarms WHERE acked=0").fetchone()[0])

    def ack(self, alarm_id: int, staff_id: str) -> None:
        """Acknowledge one alarm (attributed)."""
        with self._store.tx() as conn:
            row = conn.execute("SELECT * FROM alarms WHERE alarm_id=?", (alarm_id,)).fetchone()
            if row is None:
                raise NotFound("unknown_alarm", f"there is no alarm {alarm_id}")
            if row["acked"]:
                return
            self.ack_in(conn, row, staff_id)

    def ack_in(self, conn: sqlite3.Connection, row: sqlite3.Row, actor: str, **detail: str) -> None:
        """Acknowledge the open alarm `row` inside the caller's transaction, audited as `actor`."""
        now = self._clock.now()
        conn.execute(
            "UPDATE alarms SET acked=1, acked_by=?, acked_at=? WHERE alarm_id=?",
            (actor, epoch(now), row["alarm_id"]),
        )
        if row["kind"] == "code_guessing":
            # staff have looked: the cabinet-wide slow-down (locker.pickup) starts over
            failures_repo.forget(conn, failures_repo.CABINET)
        audit.append(
            conn,
            now,
            actor,
            "alarm_acked",
            compartment=row["compartment"],
            alarm_id=row["alarm_id"],
            kind=row["kind"],
            **detail,
        )
        hub_outbox.add_now(conn, now, self._tz, "alarm.cleared", alarm=row["kind"])


def open_kiosk_alarms(
    conn: sqlite3.Connection, kind_prefix: str = "", kiosk: str | None = None
) -> list[sqlite3.Row]:
    """Open alarms raised for kiosks (no compartment, message `kiosk <id>: ...`), oldest first;
    only kinds starting with `kind_prefix`, and only of `kiosk` when given."""
    prefix = "kiosk " if kiosk is None else f"kiosk {kiosk}: "
    rows = conn.execute(
        "SELECT * FROM alarms WHERE acked=0 AND compartment IS NULL AND kind LIKE ? "
        "AND substr(message, 1, ?) = ? ORDER BY alarm_id",
        (f"{kind_prefix}%", len(prefix), prefix),
    ).fetchall()
    return [r for r in rows if str(r["kind"]).startswith(kind_prefix)]  # LIKE ignores case and `_`
