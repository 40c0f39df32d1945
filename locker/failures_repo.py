"""The repository of failed pickup tries: `kiosk_failures` (each kiosk's run of failures in a row,
and the cabinet-wide run under the key `CABINET`) and `failures` (recent failures, for the burst
alarm). Every SQL statement on them is here; `locker.attempts` (the throttle's policy) holds none.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from common.timestamps import epoch

CABINET = "*cabinet*"
"""The `kiosk_failures` row of the cabinet-wide run (kiosk ids cannot contain '*')."""


def run_of(conn: sqlite3.Connection, kiosk: str) -> tuple[int, float] | None:
    """(failures in a row, the last one's time in epoch s) of a kiosk or of `CABINET`, or None."""
    row = conn.execute(
        "SELECT consecutive, last_failure_at FROM kiosk_failures WHERE kiosk=?", (kiosk,)
    ).fetchone()
    return None if row is None else (int(row["consecutive"]), float(row["last_failure_at"]))


def touch(conn: sqlite3.Connection, kiosk: str, now: datetime) -> None:
    """The run's last try is now (the cabinet brake's pause starts over)."""
    conn.execute("UPDATE kiosk_failures SET last_failure_at=? WHERE kiosk=?", (epoch(now), kiosk))


def forget(conn: sqlite3.Connection, kiosk: str) -> None:
    """End a run (a right code at the kiosk; staff acknowledged the cabinet's alarm)."""
    conn.execute("DELETE FROM kiosk_failures WHERE kiosk=?", (kiosk,))


def forget_idle(conn: sqlite3.Connection, before: datetime) -> None:
    """Forget kiosks' runs whose last failure is older than `before` (never the cabinet's)."""
    conn.execute(
        "DELETE FROM kiosk_failures WHERE kiosk != ? AND last_failure_at < ?", (CABINET, epoch(before))
    )


def count(conn: sqlite3.Connection, kiosk: str, now: datetime, quiet_since: datetime | None = None) -> int:
    """One more failure in `kiosk`'s run (with `quiet_since`: a run whose last failure is older
    starts over at 1); the failures in a row now."""
    upsert = (
        "INSERT INTO kiosk_failures(kiosk, consecutive, last_failure_mono, last_failure_at) VALUES (?,1,0,?)"
    )
    if quiet_since is None:
        conn.execute(
            upsert + " ON CONFLICT(kiosk) DO UPDATE SET consecutive=consecutive+1,"
            " last_failure_at=excluded.last_failure_at",
            (kiosk, epoch(now)),
        )
    else:
        conn.execute(
            upsert + " ON CONFLICT(kiosk) DO UPDATE SET"
            " consecutive=CASE WHEN last_failure_at < ? THEN 1 ELSE consecutive+1 END,"
            " last_failure_at=excluded.last_failure_at",
            (kiosk, epoch(now), epoch(quiet_since)),
        )
    row = conn.execute("SELECT consecutive FROM kiosk_failures WHERE kiosk=?", (kiosk,)).fetchone()
    return int(row[0])


def add(conn: sqlite3.Connection, kiosk: str, now: datetime) -> None:
    """Note one failure for the burst count."""
    conn.execute("INSERT INTO failures(at, kiosk) VALUES (?,?)", (epoch(now), kiosk))


def recent(conn: sqlite3.Connection, since: datetime) -> int:
    """Failures after `since`; older ones are deleted (they no longer count)."""
    n = conn.execute("SELECT COUNT(*) FROM failures WHERE at > ?", (epoch(since),)).fetchone()[0]
    conn.execute("DELETE FROM failures WHERE at <= ?", (epoch(since),))
    return int(n)
