"""The repository of pickups: the `pickups` table (one row per accepted code, with who collected and
what the door did) and `handover_photos` (the kiosk's photo of a pickup, kept for a while). Every
SQL statement on them is here; the use cases (pickup, handover) hold none.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from common.timestamps import epoch, iso


def insert(
    conn: sqlite3.Connection,
    pickup_id: str,
    deposit_id: str,
    kiosk: str,
    now: datetime,
    collected_by: str,
    collector_masked: str,
) -> None:
    """Record an accepted code (in the unit of its unlock intent)."""
    conn.execute(
        "INSERT INTO pickups(pickup_id, deposit_id, kiosk, created_at, collected_by,"
        " collector_masked) VALUES (?,?,?,?,?,?)",
        (pickup_id, deposit_id, kiosk, epoch(now), collected_by, collector_masked),
    )


def get(conn: sqlite3.Connection, pickup_id: str) -> sqlite3.Row | None:
    """The pickup's row, or None."""
    row: sqlite3.Row | None = conn.execute("SELECT * FROM pickups WHERE pickup_id=?", (pickup_id,)).fetchone()
    return row


def set_door(conn: sqlite3.Connection, pickup_id: str, door: str) -> None:
    """What the door did for this pickup."""
    conn.execute("UPDATE pickups SET door=? WHERE pickup_id=?", (door, pickup_id))


def collector(conn: sqlite3.Connection, pickup_id: str) -> tuple[str | None, str | None]:
    """(who collected, their masked identity) as recorded when the code was accepted."""
    row = conn.execute(
        "SELECT collected_by, collector_masked FROM pickups WHERE pickup_id=?", (pickup_id,)
    ).fetchone()
    return (None, None) if row is None else (row["collected_by"], row["collector_masked"])


def delete(conn: sqlite3.Connection, pickup_id: str) -> None:
    """Forget a pickup whose pulse never left (the code stays valid)."""
    conn.execute("DELETE FROM pickups WHERE pickup_id=?", (pickup_id,))


def forget_of_deposit(conn: sqlite3.Connection, deposit_id: str) -> None:
    """Close the deposit's earlier pickup (its door jammed or unknown) when a new code is issued:
    one pickup record per deposit, the audit keeps what happened."""
    conn.execute("DELETE FROM pickups WHERE deposit_id=?", (deposit_id,))


def use_retry(conn: sqlite3.Connection, pickup_id: str) -> bool:
    """Spend the pickup's one second pulse; False when it was already spent."""
    cur = conn.execute(
        "UPDATE pickups SET retries_used=retries_used+1 WHERE pickup_id=? AND retries_used=0", (pickup_id,)
    )
    return cur.rowcount == 1


def with_compartment(conn: sqlite3.Connection, pickup_id: str) -> sqlite3.Row | None:
    """The pickup (deposit_id, kiosk, door, created_at) with its deposit's compartment, or None."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT p.deposit_id, p.kiosk, p.door, p.created_at, d.compartment FROM pickups p"
        " JOIN deposits d ON d.deposit_id = p.deposit_id WHERE p.pickup_id=?",
        (pickup_id,),
    ).fetchone()
    return row


def receipt_of(conn: sqlite3.Connection, pickup_id: str) -> sqlite3.Row | None:
    """What a printed receipt shows (the deposit's state, dossier_code, compartment, citizen_name,
    collected_at and the pickup's collected_by), or None for an unknown pickup."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT d.state, d.dossier_code, d.compartment, d.citizen_name, d.collected_at,"
        " p.collected_by FROM pickups p JOIN deposits d USING(deposit_id) WHERE p.pickup_id=?",
        (pickup_id,),
    ).fetchone()
    return row


# ----- handover photos -----
def photo(conn: sqlite3.Connection, pickup_id: str) -> sqlite3.Row | None:
    """The kept photo's row of this pickup, or None."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM handover_photos WHERE pickup_id=?", (pickup_id,)
    ).fetchone()
    return row


def add_photo(
    conn: sqlite3.Connection, pickup_id: str, deposit_id: str, kiosk: str, now: datetime, size_bytes: int
) -> None:
    """Record a kept photo (its sealed file is written by the caller before the COMMIT)."""
    conn.execute(
        "INSERT INTO handover_photos(pickup_id, deposit_id, kiosk, taken_at, size_bytes) VALUES (?,?,?,?,?)",
        (pickup_id, deposit_id, kiosk, epoch(now), size_bytes),
    )


def photos(conn: sqlite3.Connection, limit: int) -> list[dict[str, str]]:
    """Kept photos, newest first: pickup_id, dossier_code, compartment, kiosk, taken_at (ISO 8601)."""
    rows = conn.execute(
        "SELECT h.pickup_id, d.dossier_code, d.compartment, h.kiosk, h.taken_at"
        " FROM handover_photos h JOIN deposits d ON d.deposit_id = h.deposit_id"
        " ORDER BY h.taken_at DESC LIMIT ?",
        (limit,),
    ).fetchall()
    return [{**dict(r), "taken_at": iso(r["taken_at"])} for r in rows]


def erase_photos_before(conn: sqlite3.Connection, cutoff: float) -> tuple[int, set[str]]:
    """Delete the rows of photos taken before `cutoff` (epoch s): (how many, the pickups whose
    photo stays)."""
    old = conn.execute("SELECT COUNT(*) FROM handover_photos WHERE taken_at < ?", (cutoff,)).fetchone()[0]
    conn.execute("DELETE FROM handover_photos WHERE taken_at < ?", (cutoff,))
    return int(old), {r[0] for r in conn.execute("SELECT pickup_id FROM handover_photos")}
