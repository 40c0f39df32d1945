"""Events in: each `(center_id, stream, seq)` stored once, daily rollups kept in the same transaction.

A batch is one transaction. The stream's row is locked first (`FOR UPDATE`), so two batches of
one center never interleave. Under that lock the hub knows which of the batch's events it may
already hold: none if it holds nothing after the acknowledged seq (the usual case, a center
sending its outbox in order), and then the batch goes in with a plain `INSERT`; otherwise (a gap
filled, a batch sent twice because the uplink was killed before it read the answer) with
`INSERT ... ON CONFLICT DO NOTHING`. Either way only the events stored now (`RETURNING`) are
added to the rollups, so a batch sent twice counts once. The answer is the highest seq up to
which the hub holds every event of the stream: the uplink resends from there.

The per-event work is PostgreSQL's, in one statement (`hub.ingest_sql`): the hub validates the
request body with pydantic straight from its bytes (`parse_batch`) and hands PostgreSQL the
validated events as one JSON text; Python touches only the few events the citizen rollups and
the alarm episodes read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import psycopg
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from common.outbox import clean_data
from hub import alarms as fleet_alarms
from hub import citizen_rollups
from hub.ingest_sql import COUNTED, STORE_NEW, STORE_SKIPPING_HELD

COLUMNS = sorted(set(COUNTED.values()))

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


_EVENTS = TypeAdapter(list[EventIn])


async def raw_body(request: Request) -> bytes:
    """The request body as it came (the route validates it with `parse_batch`)."""
    return await request.body()


def batch_openapi() -> dict[str, Any]:
    """The events route's documented request body: `BatchIn` (FastAPI does not parse it itself)."""
    schema = BatchIn.model_json_schema()
    schema["properties"]["events"]["items"] = schema.pop("$defs")["EventIn"]
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def parse_batch(body: bytes) -> BatchIn:
    """The request body validated straight from its bytes (pydantic's JSON parser, no `json.loads`);
    bad input raises the same `RequestValidationError` FastAPI would (422 naming the field)."""
    try:
        return BatchIn.model_validate_json(body)
    except ValidationError as err:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in err.errors(include_url=False)]
        ) from None


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
    The batch's events are cleaned in place (`clean_data`; a naive `at` made aware).
    """
    for e in batch.events:  # in place: only the allowed data (the same filter as the centers' outboxes)
        e.data = clean_data(e.data)
        if e.at.tzinfo is None:
            e.at = e.at.astimezone()  # naive: the hub's local time
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
        held = _held_after(conn, center_id, batch.stream, acked)
        result = conn.execute(
            STORE_SKIPPING_HELD if held else STORE_NEW,
            {
                "events": _EVENTS.dump_json(batch.events).decode(),
                "acked": acked,
                "center_id": center_id,
                "stream": batch.stream,
                "now": now,
                "wait_target_s": wait_target_s,
            },
        ).fetchone()
        assert result is not None
        stored, new_acked, back = int(result[0]), int(result[1]), result[2] or []
        if held:
            new_acked = _contiguous(conn, center_id, batch.stream, acked)
        if back:
            _to_python_side(conn, center_id, back)
        if new_acked != acked:
            conn.execute(
                "UPDATE streams SET acked_seq = %s WHERE center_id = %s AND stream = %s",
                (new_acked, center_id, batch.stream),
            )
    return AckOut(
        stream=batch.stream,
        acked_seq=new_acked,
        stored=stored,
        duplicates=len(batch.events) - stored,
    )


@dataclass
class _Stored:
    """A stored event as `hub.citizen_rollups` reads it."""

    day: date
    kind: str
    data: dict[str, Any]


def _to_python_side(conn: psycopg.Connection, center_id: str, back: list[dict[str, Any]]) -> None:
    """The stored events the citizen rollups and the alarm episodes read (as JSON from PostgreSQL)."""
    citizen_rollups.add_to_rollups(  # appointments, ratings by level and reason
        conn,
        center_id,
        [
            _Stored(date.fromisoformat(e["day"]), e["kind"], e["data"])
            for e in back
            if e["kind"] in citizen_rollups.KINDS
        ],
    )
    alarm_rows = [
        (e["seq"], e["kind"], datetime.fromisoformat(e["at"]), e["data"].get("alarm"))
        for e in back
        if e["kind"].startswith("alarm.")
    ]
    if alarm_rows:
        fleet_alarms.record_events(conn, center_id, alarm_rows)


def _held_after(conn: psycopg.Connection, center_id: str, stream: str, acked: int) -> bool:
    """Whether the hub holds any event of the stream after `acked` (a gap was filled out of order,
    or a batch is sent again): only then can an event of a new batch already be stored."""
    row = conn.execute(
        "SELECT 1 FROM events WHERE center_id = %s AND stream = %s AND seq > %s LIMIT 1",
        (center_id, stream, acked),
    ).fetchone()
    return row is not None


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
