"""The province outbox: events for the hub, written in the same SQLite transaction as the change.

Every service that has something a province counts (queueing: tickets; locker: deposits and
alarms) keeps a `hub_events` table in its own database and calls `add()` inside the transaction
that makes the change, so an event exists exactly when its change was committed. `seq` is the
table's AUTOINCREMENT key: it grows by one per committed event (a rolled-back transaction takes
its number back), so the hub can acknowledge "everything up to N" and the uplink resends from N.

What may leave the center is decided here, once: `add()` keeps only the keys in `ALLOWED_DATA`
with the types given there, and refuses unknown kinds. No name, phone, ID number or its hash,
code, ticket id or free text can be put in an outbox row. The hub applies the same filter
(`clean_data`) to what it receives.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

#: The events' table in each service's database (not `outbox`: the locker's SMS outbox has that name).
TABLE = "hub_events"
#: One statement, so `ensure` can run inside a transaction (the locker's writer unit) or outside.
SCHEMA = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL
)"""

#: Every event kind a center sends. Kinds only grow; the hub stores kinds it does not know yet
#: (a newer center) without counting them.
KINDS = frozenset(
    {
        "ticket.issued",
        "ticket.called",
        "ticket.served",
        "ticket.no_show",
        "ticket.transferred",
        "ticket.void",
        "ticket.rated",
        "appointment.booked",
        "appointment.moved",
        "appointment.cancelled",
        "appointment.checked_in",
        "appointment.no_show",
        "counter.opened",
        "counter.paused",
        "counter.resumed",
        "counter.closed",
        "deposit.loaded",
        "deposit.collected",
        "deposit.expired",
        "deposit.withdrawn",
        "alarm.raised",
        "alarm.cleared",
    }
)

#: The only data keys an event may carry, with their types: categories and counts, never people.
ALLOWED_DATA: dict[str, type | tuple[type, ...]] = {
    "service": str,  # service code, e.g. "HT" (the catalogue's, not the citizen's)
    "to_service": str,  # transfer target service code
    "channel": str,  # kiosk, remote, counter
    "priority": bool,  # a priority ticket or not (never which class: it can reveal health)
    "counter": int,  # counter number
    "wait_s": (int, float),  # issue -> first call
    "service_s": (int, float),  # start -> finish
    "rating": int,  # 1..5
    "source": str,  # where a rating came from: tablet, phone
    "reasons": list,  # a low rating's reason codes from [queueing.ratings] reasons (never the comment)
    "slot_min": int,  # an appointment's slot start, minutes after the center's local midnight
    "from_day": str,  # a moved appointment's former slot day (YYYY-MM-DD); the event's day is the new one
    "late_min": (int, float),  # check-in (or a booked ticket's call) minus the slot start; < 0: early
    "size": str,  # compartment size
    "alarm": str,  # alarm code, e.g. door_forced
    "reason": str,  # a counter's pause reason code, e.g. lunch (from config, never typed text)
    "paused_s": (int, float),  # how long a counter's pause lasted
}
MAX_TEXT = 32
#: At most this many items in a list value (a rating's reasons).
MAX_ITEMS = 12
#: Every number is finite and at most this far from zero (a count, seconds, minutes): a larger one
#: is dropped, so no sum at the hub can overflow.
MAX_NUMBER = 10**9
#: Every text value is a code word (letters, digits, `_ . -`), never a sentence someone typed.
WORD_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
#: A center's id at the hub (in `[hub] center_id` and `python -m hub center add`).
CENTER_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class OutboxError(ValueError):
    """An event that must not be written (unknown kind, or a value of the wrong type)."""


def ensure(conn: sqlite3.Connection) -> None:
    """Create the events table if missing (at the service's start; inside or outside a transaction)."""
    conn.execute(SCHEMA)


def clean_data(data: dict[str, Any]) -> dict[str, Any]:
    """The allowed keys of `data` with values of the allowed types; the rest is dropped."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        allowed = ALLOWED_DATA.get(key)
        if allowed is None or value is None:
            continue
        if isinstance(value, bool) and allowed is not bool:
            continue  # bool is an int in Python; a flag is not a count
        if not isinstance(value, allowed):
            continue
        if isinstance(value, int | float) and not isinstance(value, bool) and not abs(value) <= MAX_NUMBER:
            continue  # not a plausible count or duration (NaN fails the test too)
        if isinstance(value, list):
            # a list of code words only (reasons from config): anything else in it is dropped
            value = [v for v in value if isinstance(v, str) and len(v) <= MAX_TEXT and WORD_RE.fullmatch(v)]
            out[key] = value[:MAX_ITEMS]
            continue
        if isinstance(value, str):
            value = value[:MAX_TEXT]
            if not WORD_RE.fullmatch(value):
                continue  # codes and categories only: a word like "HT", "kiosk" or "door_forced"
        out[key] = value
    return out


def add(conn: sqlite3.Connection, at: float, day: date | str, kind: str, **data: Any) -> int:
    """Append one event inside the caller's open transaction; returns its seq.

    `day` is the service's local day the event counts for (the hub's daily rollups use it).
    """
    if kind not in KINDS:
        raise OutboxError(f"unknown outbox event kind {kind!r}; add it to common.outbox.KINDS")
    cur = conn.execute(
        f"INSERT INTO {TABLE}(at, day, kind, data) VALUES (?, ?, ?, ?)",  # noqa: S608 - constant name
        (at, str(day), kind, json.dumps(clean_data(data), separators=(",", ":"))),
    )
    return int(cur.lastrowid or 0)


def add_now(conn: sqlite3.Connection, now: datetime, tz: tzinfo, kind: str, **data: Any) -> int:
    """`add` at the aware time `now`, counted for its day in the service's time zone `tz`."""
    return add(conn, now.timestamp(), now.astimezone(tz).date(), kind, **data)


def read_after(conn: sqlite3.Connection, seq: int, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` events after `seq`, oldest first, as the hub's ingest API takes them."""
    rows = conn.execute(
        f"SELECT seq, at, day, kind, data FROM {TABLE} WHERE seq > ? ORDER BY seq LIMIT ?",  # noqa: S608
        (seq, limit),
    ).fetchall()
    return [
        {"seq": int(r[0]), "at": float(r[1]), "day": str(r[2]), "kind": str(r[3]), "data": json.loads(r[4])}
        for r in rows
    ]


#: Acknowledged events stay this many days in the outbox after the hub holds them (to look into).
KEEP_ACKED_DAYS = 7
#: Next to each service's database the uplink keeps what the hub acknowledged, by stream
#: ({"queueing": 1234}); the service reads it to prune (it stays the only writer of its database).
ACKED_FILE = "outbox-acked.json"


def write_acked(db_dir: Path, stream: str, seq: int) -> None:
    """Record (atomically) that the hub holds `stream` up to `seq` (the uplink calls this)."""
    path = db_dir / ACKED_FILE
    data = _read_acked_file(path)
    if data.get(stream) == seq:
        return
    data[stream] = seq
    tmp = path.with_suffix(f".{os.getpid()}.tmp")  # two uplinks by mistake never share one
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def read_acked(db_dir: Path, stream: str) -> int:
    """What the hub acknowledged of `stream` as the uplink last wrote it (0: nothing known)."""
    value = _read_acked_file(db_dir / ACKED_FILE).get(stream, 0)
    return value if isinstance(value, int) else 0


def _read_acked_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def prune_acked(conn: sqlite3.Connection, db_dir: Path, stream: str, now: float) -> int:
    """The service's periodic prune: events the hub holds, older than KEEP_ACKED_DAYS; how many.

    Without a hub (no file) nothing is pruned: the events wait for one.
    """
    return prune(conn, read_acked(db_dir, stream), now - KEEP_ACKED_DAYS * 86400)


def prune(conn: sqlite3.Connection, acked_seq: int, before_ts: float) -> int:
    """Delete events the hub acknowledged (seq <= acked_seq) older than `before_ts`; returns how many.

    AUTOINCREMENT keeps its high-water mark in sqlite_sequence, so numbers are never reused.
    """
    cur = conn.execute(
        f"DELETE FROM {TABLE} WHERE seq <= ? AND at < ?",  # noqa: S608 - constant table name
        (acked_seq, before_ts),
    )
    return int(cur.rowcount or 0)


#: A queue ticket's new state (or "issued": it joined the queue) -> the event kind sent.
TICKET_KINDS = {
    "issued": "ticket.issued",
    "called": "ticket.called",
    "done": "ticket.served",
    "no_show": "ticket.no_show",
    "transferred": "ticket.transferred",
    "void": "ticket.void",
    "rated": "ticket.rated",
}


def ticket(conn: sqlite3.Connection, at: float, row: Any, state: str) -> None:
    """The queue's hook: record that ticket `row` (a tickets row) reached `state`, if the hub counts it.

    Only the service, channel, a priority flag, the counter and durations are taken from the row
    (for a rating also its source and reason codes; for a booked ticket's call how late it was).
    """
    kind = TICKET_KINDS.get(state)
    if kind is None:
        return
    keys = set(row.keys())

    def field(name: str) -> Any:
        return row[name] if name in keys else None

    data: dict[str, Any] = {
        "service": field("service"),
        "channel": field("channel"),
        "priority": field("priority") is not None if "priority" in keys else None,
        "counter": field("counter"),
    }
    if state == "called" and field("waiting_since") is not None:
        data["wait_s"] = round(max(0.0, at - float(field("waiting_since"))), 1)
    if state == "called" and field("appointment_start") is not None:
        # a booked ticket called at its slot (queueing.appointment_calls.due_head): how late
        data["late_min"] = round((at - float(field("appointment_start"))) / 60, 1)
    if state == "rated":
        data["rating"] = field("rating")
        data["source"] = field("rating_source")
        data["reasons"] = field("rating_reasons")
    if state == "done" and field("started_at") is not None:
        data["service_s"] = round(max(0.0, at - float(field("started_at"))), 1)
    add(conn, at, field("day") or "", kind, **data)
