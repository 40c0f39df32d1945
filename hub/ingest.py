"""Events in: each `(center_id, stream, seq)` stored once, daily rollups kept in the same transaction.

A batch is one transaction. The stream's row is locked first (`FOR UPDATE`), so two batches of
one center never interleave. Under that lock the hub knows which of the batch's events it may
already hold: none if it holds nothing after the acknowledged seq (the usual case, a center
sending its outbox in order), and then the batch goes in with one `COPY`, PostgreSQL's cheapest
way in; otherwise (a gap filled, a batch sent twice because the uplink was killed before it read
the answer) with `INSERT ... ON CONFLICT DO NOTHING`, and only the rows really inserted
(`RETURNING`) count. Either way only events stored now are added to the rollups, so a batch sent
twice counts once. The answer is the highest seq up to which the hub holds every event of the
stream: the uplink resends from there.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import psycopg
from pydantic import BaseModel, Field

from common.outbox import clean_data
from hub import alarms as fleet_alarms
from hub import citizen_rollups

#: Rollup column each event kind adds one to (other kinds are stored, not counted).
COUNTED: dict[str, str] = {
    "ticket.issued": "tickets_issued",
    "ticket.called": "tickets_called",
    "ticket.served": "tickets_served",
    "ticket.no_show": "tickets_no_show",
    "ticket.transferred": "tickets_transferred",
    "deposit.loaded": "deposits_loaded",
    "deposit.collected": "deposits_collected",
    "deposit.expired": "deposits_expired",
    "alarm.raised": "alarms_raised",
    "alarm.cleared": "alarms_cleared",
}
COLUMNS = sorted(set(COUNTED.values()))
_JSON = json.JSONEncoder(separators=(",", ":"))

STREAM_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
KIND_PATTERN = r"^[a-z_]{1,24}\.[a-z_]{1,24}$"


class EventIn(BaseModel):
    """One event from a center's outbox."""

    seq: int = Field(ge=1, description="Per-stream sequence number, growing by one per event.")
    at: datetime = Field(description="When it happened (ISO 8601, or seconds since 1970 UTC).")
    day: date = Field(description="The center's local day it counts for (YYYY-MM-DD).")
    kind: str = Field(pattern=KIND_PATTERN, description="e.g. ticket.issued, deposit.collected")
    data: dict[str, Any] = Field(default_factory=dict, description="Categories and counts only.")


class BatchIn(BaseModel):
    """A batch of events of one stream (one service's outbox) of the calling center."""

    stream: str = Field(default="queueing", pattern=STREAM_PATTERN, description="queueing, locker, ...")
    events: list[EventIn] = Field(default_factory=list, max_length=100_000)


class AckOut(BaseModel):
    """What the hub now holds of the stream."""

    stream: str
    acked_seq: int = Field(description="Every event with seq <= this is stored: resend from here.")
    stored: int = Field(description="Events of this batch stored now (not seen before).")
    duplicates: int = Field(description="Events of this batch already stored (ignored).")


def store_batch(
    conn: psycopg.Connection,
    center_id: str,
    batch: BatchIn,
    now: datetime,
    offline_after: timedelta | None = None,
    wait_target_s: float | None = None,
    listening_since: datetime | None = None,
) -> AckOut:
    """Store a batch in one transaction; returns the acknowledgement.

    `offline_after`: a center silent longer (while the hub listened, since `listening_since`) is
    written an ended `center_offline` alarm now;
    `wait_target_s`: calls after a longer wait count in `waits_over_target`.
    """
    with conn.transaction():
        if offline_after is not None:
            fleet_alarms.note_heard(conn, center_id, now, offline_after, listening_since or now)
        conn.execute(
            "INSERT INTO streams(center_id, stream) VALUES (%s, %s) ON CONFLICT DO NOTHING",
            (center_id, batch.stream),
        )
        row = conn.execute(
            "SELECT acked_seq FROM streams WHERE center_id = %s AND stream = %s FOR UPDATE",
            (center_id, batch.stream),
        ).fetchone()
        acked = int(row[0]) if row else 0
        fresh = {e.seq: e for e in batch.events if e.seq > acked}  # a repeated seq: the last wins
        inserted: list[tuple[Any, ...]] = []
        new_acked = acked
        if fresh:
            if _held_after(conn, center_id, batch.stream, acked):
                inserted = _insert_skipping_held(conn, center_id, batch.stream, fresh)
                new_acked = _contiguous(conn, center_id, batch.stream, acked)
            else:
                inserted = _copy_new(conn, center_id, batch.stream, fresh)
                new_acked = _contiguous_in(sorted(fresh), acked)
            _add_to_rollups(conn, center_id, inserted, wait_target_s)
            citizen_rollups.add_to_rollups(  # appointments, ratings by level and reason
                conn, center_id, [fresh[r[5]] for r in inserted if r[1] in citizen_rollups.KINDS]
            )
            alarm_rows = [(r[5], r[1], r[6], r[7]) for r in inserted if r[1].startswith("alarm.")]
            if alarm_rows:
                fleet_alarms.record_events(conn, center_id, alarm_rows)
        elif _held_after(conn, center_id, batch.stream, acked):
            new_acked = _contiguous(conn, center_id, batch.stream, acked)
        if new_acked != acked:
            conn.execute(
                "UPDATE streams SET acked_seq = %s WHERE center_id = %s AND stream = %s",
                (new_acked, center_id, batch.stream),
            )
        n = Counter(r[1] for r in inserted)
        conn.execute(
            "UPDATE centers SET last_event_at = %s, alarms_open = GREATEST(0, alarms_open + %s), "
            "lockers_in_use = GREATEST(0, lockers_in_use + %s), "
            "lockers_expired = GREATEST(0, lockers_expired + %s) WHERE center_id = %s",
            (
                now,
                n["alarm.raised"] - n["alarm.cleared"],
                n["deposit.loaded"] - n["deposit.collected"] - n["deposit.withdrawn"],
                n["deposit.expired"] - n["deposit.withdrawn"],
                center_id,
            ),
        )
    return AckOut(
        stream=batch.stream,
        acked_seq=new_acked,
        stored=len(inserted),
        duplicates=len(batch.events) - len(inserted),
    )


#: `_copy_new` and `_insert_skipping_held` give back each event stored now as the tuple that
#: `_add_to_rollups` and the alarm episodes read: (day, kind, service, wait_s, rating, seq, at, alarm).
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _held_after(conn: psycopg.Connection, center_id: str, stream: str, acked: int) -> bool:
    """Whether the hub holds any event of the stream after `acked` (a gap was filled out of order,
    or a batch is sent again): only then can an event of a new batch already be stored."""
    row = conn.execute(
        "SELECT 1 FROM events WHERE center_id = %s AND stream = %s AND seq > %s LIMIT 1",
        (center_id, stream, acked),
    ).fetchone()
    return row is not None


def _copy_new(
    conn: psycopg.Connection, center_id: str, stream: str, fresh: dict[int, EventIn]
) -> list[tuple[Any, ...]]:
    """Store events none of which can be held yet (nothing after the ack is; the stream's row is
    locked): one COPY, the cheapest way PostgreSQL takes rows. Every one is stored."""
    lines: list[str] = []
    stored: list[tuple[Any, ...]] = []
    encode = _JSON.encode
    for e in fresh.values():
        data = clean_data(e.data)
        service = str(data.get("service", ""))
        at = e.at if e.at.tzinfo is not None else e.at.astimezone()  # naive: the hub's local time
        wait, rating = data.get("wait_s"), data.get("rating")
        lines.append(
            f"{center_id}\t{stream}\t{e.seq}\t{at.isoformat()}\t{e.day.isoformat()}\t{e.kind}\t"
            f"{service.translate(_COPY_ESCAPES)}\t{encode(data).translate(_COPY_ESCAPES)}\n"
        )
        stored.append(
            (
                e.day,
                e.kind,
                service,
                None if wait is None else float(wait),
                rating,
                e.seq,
                at,
                data.get("alarm"),
            )
        )
    with (
        conn.cursor() as cur,
        cur.copy("COPY events (center_id, stream, seq, at, day, kind, service, data) FROM STDIN") as copy,
    ):
        copy.write("".join(lines))
    return stored


def _insert_skipping_held(
    conn: psycopg.Connection, center_id: str, stream: str, fresh: dict[int, EventIn]
) -> list[tuple[Any, ...]]:
    """Store the events not held yet (`ON CONFLICT DO NOTHING`); the rows really stored."""
    # one JSON document for the whole batch, unpacked by PostgreSQL in C: much cheaper than
    # binding one array per column (psycopg quotes array items in Python)
    rows = [
        {
            "seq": e.seq,
            "at": e.at.timestamp(),
            "day": e.day.isoformat(),
            "kind": e.kind,
            "service": str(data.get("service", "")),
            "data": data,
        }
        for e in fresh.values()
        for data in (clean_data(e.data),)
    ]
    return conn.execute(
        "INSERT INTO events(center_id, stream, seq, at, day, kind, service, data) "
        "SELECT %s, %s, u.seq, to_timestamp(u.at), u.day, u.kind, u.service, u.data "
        "FROM jsonb_to_recordset(%s::jsonb) AS u(seq bigint, at double precision, day date, "
        "kind text, service text, data jsonb) "
        "ON CONFLICT DO NOTHING RETURNING day, kind, service, (data->>'wait_s')::float8, "
        "(data->>'rating')::int, seq, at, data->>'alarm'",
        (center_id, stream, json.dumps(rows, separators=(",", ":"))),
    ).fetchall()


def _contiguous_in(seqs: list[int], acked: int) -> int:
    """The highest seq reached from `acked` by steps of one through the sorted `seqs`."""
    for seq in seqs:
        if seq != acked + 1:
            break
        acked = seq
    return acked


def _add_to_rollups(
    conn: psycopg.Connection, center_id: str, rows: list[tuple[Any, ...]], wait_target_s: float | None
) -> None:
    """Add the newly stored events to `daily`, one upsert per (day, service)."""
    sums: dict[tuple[date, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for day, kind, service, wait, rating, *_ in rows:
        if kind == "ticket.rated" and rating is not None and 1 <= rating <= 5:
            cell = sums[(day, service)]
            cell["ratings_n"] += 1
            cell["ratings_sum"] += rating
        column = COUNTED.get(kind)
        if column is None:
            continue
        cell = sums[(day, service)]
        cell[column] += 1
        if kind == "ticket.called" and wait is not None:
            cell["wait_s_sum"] += float(wait)
            cell["wait_n"] += 1
            if wait_target_s is not None and float(wait) > wait_target_s:
                cell["waits_over_target"] += 1
    if not sums:
        return
    cols = [*COLUMNS, "wait_s_sum", "wait_n", "ratings_n", "ratings_sum", "waits_over_target"]
    insert_cols = ", ".join(cols)
    placeholders = ", ".join(["%s"] * len(cols))
    updates = ", ".join(f"{c} = daily.{c} + excluded.{c}" for c in cols)
    sql = (
        f"INSERT INTO daily(center_id, day, service, {insert_cols}) "  # noqa: S608  (our column names)
        f"VALUES (%s, %s, %s, {placeholders}) "
        f"ON CONFLICT (center_id, day, service) DO UPDATE SET {updates}"
    )
    params = []
    for (day, service), cell in sorted(sums.items()):
        values: list[Any] = [int(cell.get(c, 0)) for c in COLUMNS]
        values += [float(cell.get("wait_s_sum", 0.0)), int(cell.get("wait_n", 0))]
        values += [int(cell.get("ratings_n", 0)), int(cell.get("ratings_sum", 0))]
        values += [int(cell.get("waits_over_target", 0))]
        params.append((center_id, day, service, *values))
    with conn.cursor() as cur:
        cur.executemany(sql, params)  # type: ignore[arg-type]


def _contiguous(conn: psycopg.Connection, center_id: str, stream: str, acked: int) -> int:
    """The highest seq such that every seq from 1 to it is stored (starting from `acked`)."""
    while True:
        rows = conn.execute(
            "SELECT seq FROM events WHERE center_id = %s AND stream = %s AND seq > %s "
            "ORDER BY seq LIMIT 10000",
            (center_id, stream, acked),
        ).fetchall()
        for (seq,) in rows:
            if seq != acked + 1:
                return acked
            acked = seq
        if len(rows) < 10000:
            return acked
