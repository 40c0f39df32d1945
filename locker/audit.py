"""Append-only, hash-chained audit log: every action and attempt, exportable as CSV.

Each row's hash is SHA-256 over the previous row's hash and the row's canonical JSON, so
changing, inserting or removing a row anywhere breaks the chain from there on. The time is stored
as epoch seconds (`common.timestamps`) and hashed, shown and exported as its ISO 8601 text.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from common.csv_text import csv_text
from common.timestamps import epoch, iso

GENESIS = "0" * 64


def _row_hash(
    prev: str,
    seq: int,
    at: str,
    actor: str,
    action: str,
    deposit_id: str | None,
    compartment: str | None,
    detail: str,
) -> str:
    body = json.dumps([seq, at, actor, action, deposit_id, compartment, detail], ensure_ascii=False)
    return hashlib.sha256((prev + body).encode()).hexdigest()


def append(
    conn: sqlite3.Connection,
    at: datetime,
    actor: str,
    action: str,
    *,
    deposit_id: str | None = None,
    compartment: str | None = None,
    **detail: Any,
) -> int:
    """Append one record inside the caller's transaction; returns its sequence number."""
    last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq = 1 if last is None else int(last["seq"]) + 1
    prev = GENESIS if last is None else str(last["hash"])
    at_ts = epoch(at)
    at_s = iso(at_ts)
    detail_s = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    digest = _row_hash(prev, seq, at_s, actor, action, deposit_id, compartment, detail_s)
    conn.execute(
        "INSERT INTO audit(seq, at, actor, action, deposit_id, compartment, detail, prev_hash, hash)"
        " VALUES (?,?,?,?,?,?,?,?,?)",
        (seq, at_ts, actor, action, deposit_id, compartment, detail_s, prev, digest),
    )
    return seq


def count_of(conn: sqlite3.Connection, deposit_id: str, action: str) -> tuple[int, float | None]:
    """How many `action` records the deposit has, and when the last one was (epoch s; None: never)."""
    row = conn.execute(
        "SELECT COUNT(*) AS n, MAX(at) AS last FROM audit WHERE deposit_id=? AND action=?",
        (deposit_id, action),
    ).fetchone()
    return int(row["n"]), row["last"]


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of a chain check."""

    ok: bool
    records: int
    first_bad_seq: int | None = None
    problem: str = ""


def verify(conn: sqlite3.Connection) -> VerifyResult:
    """Walk the whole chain; report the first broken record."""
    prev = GENESIS
    expected_seq = 1
    n = 0
    for row in conn.execute("SELECT * FROM audit ORDER BY seq"):
        seq = int(row["seq"])
        if seq != expected_seq:
            return VerifyResult(False, n, seq, f"record {expected_seq} is missing")
        if row["prev_hash"] != prev:
            return VerifyResult(False, n, seq, "previous-hash link does not match")
        digest = _row_hash(
            prev,
            seq,
            iso(row["at"]),
            row["actor"],
            row["action"],
            row["deposit_id"],
            row["compartment"],
            row["detail"],
        )
        if digest != row["hash"]:
            return VerifyResult(False, n, seq, "record content does not match its hash")
        prev = digest
        expected_seq += 1
        n += 1
    return VerifyResult(True, n)


def query(
    conn: sqlite3.Connection,
    deposit_id: str | None = None,
    day_start: float | None = None,
    day_end: float | None = None,
    limit: int = 10000,
) -> list[dict[str, Any]]:
    """Records filtered by deposit and/or a [start, end) time range (epoch s), oldest first; each
    record's `at` in ISO 8601."""
    sql = "SELECT * FROM audit WHERE 1=1"
    args: list[Any] = []
    if deposit_id:
        sql += " AND deposit_id = ?"
        args.append(deposit_id)
    if day_start is not None and day_end is not None:
        sql += " AND at >= ? AND at < ?"
        args += [day_start, day_end]
    sql += " ORDER BY seq LIMIT ?"
    args.append(limit)
    out = []
    for row in conn.execute(sql, args):
        rec = dict(row)
        rec["at"] = iso(rec["at"])
        rec["detail"] = json.loads(rec["detail"])
        out.append(rec)
    return out


CSV_COLUMNS = ["seq", "at", "actor", "action", "deposit_id", "compartment", "detail", "hash"]


def to_csv(records: list[dict[str, Any]]) -> str:
    """A handover record: one line per audit record, detail as JSON; every cell safe to open in a
    spreadsheet (`common.csv_text.safe_cell`)."""
    return csv_text(
        CSV_COLUMNS,
        (
            (
                rec["seq"],
                rec["at"],
                rec["actor"],
                rec["action"],
                rec["deposit_id"],
                rec["compartment"],
                json.dumps(rec["detail"], ensure_ascii=False, sort_keys=True),
                rec["hash"],
            )
            for rec in records
        ),
        crlf=True,
    )
