"""Events in: each `(center_id, stream, seq)` stored once, daily rollups kept in the same transaction.

A batch is one transaction. The center's row is locked first (`FOR UPDATE`), so two batches of
one center never interleave. Under that lock the hub knows which of the batch's events it may
already hold: none if it holds nothing after the acknowledged seq (the usual case, a center
sending its outbox in order), and then the batch goes in with a plain `INSERT`; otherwise (a gap
filled, a batch sent twice because the uplink was killed before it read the answer) with
`INSERT ... ON CONFLICT DO NOTHING`. Either way only the events stored now (`RETURNING`) are
added to the rollups, so a batch sent twice counts once. The answer is the highest seq up to
which the hub holds every event of the stream: the uplink resends from there.

The per-event work is PostgreSQL's, in one statement (`hub.ingest_sql`). The hub validates the
request body with pydantic straight from its bytes (`parse_batch`): a batch already in the
strict form every center of this release sends is taken as parsed, any other is cleaned value by
value (`common.outbox.clean_data`), with the same result (a property test stores both ways and
compares); either is written out for PostgreSQL as one JSON text. Python keeps none of the parsed
events while the statement runs, and reads back only the few the citizen rollups and the alarm
episodes need.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, NotRequired, cast

import psycopg
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, StringConstraints, TypeAdapter, ValidationError
from pydantic.types import AllowInfNan, Strict
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from common.outbox import ALLOWED_DATA, MAX_ITEMS, MAX_NUMBER, MAX_TEXT, WORD_RE, clean_data
from hub import alarms as fleet_alarms
from hub import citizen_rollups, partitions
from hub.ingest_sql import COUNTED, STORE_NEW, STORE_SKIPPING_HELD, goes_back

COLUMNS = sorted(set(COUNTED.values()))

STREAM_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
KIND_PATTERN = r"^[a-z_]{1,24}\.[a-z_]{1,24}$"
_SEQ = Field(ge=1, le=2**63 - 1, description="Per-stream sequence number, growing by one per event.")
#: The days an event may carry (and `at`'s years): a center's clock, even one reset to 1970, is
#: inside; a date outside is refused (422) before PostgreSQL or Python's dates could overflow.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)
_AT_RANGE = f"a time from {FIRST_DAY.year} to {LAST_DAY.year} (is the center's clock right?)"


_AT = Field(
    description=f"When it happened (ISO 8601, or seconds since 1970 UTC), {FIRST_DAY.year}-{LAST_DAY.year}."
)
_DAY = Field(ge=FIRST_DAY, le=LAST_DAY, description="The center's local day it counts for (YYYY-MM-DD).")
_KIND = Field(pattern=KIND_PATTERN, description="e.g. ticket.issued, deposit.collected")
_DATA = Field(description="Categories and counts only; other keys and values are dropped.")


class _EventFields(TypedDict):
    seq: Annotated[int, _SEQ]
    at: Annotated[datetime, _AT]  # its years are checked in `parse_batch` (no call per event here)
    day: Annotated[date, _DAY]
    kind: Annotated[str, _KIND]


class EventIn(_EventFields):
    """One event from a center's outbox."""

    data: NotRequired[Annotated[dict[str, Any], _DATA]]


class BatchIn(BaseModel):
    """A batch of events of one stream (one service's outbox) of the calling center."""

    stream: str = Field(default="queueing", pattern=STREAM_PATTERN, description="queueing, locker, ...")
    events: list[EventIn] = Field(default_factory=list, max_length=100_000)


# What a center that runs this release sends (`common.outbox.pending`): `at` in seconds since
# 1970, `data` exactly as `common.outbox.clean_data` keeps it (each allowed key strictly of its
# type, text a short code word). A batch that fits is taken as parsed (keys not in the form are
# dropped by the parser) and written out for PostgreSQL by the same typed schema; any other is
# parsed again as `BatchIn`, cleaned value by value (`clean_data`, which drops what the strict form
# refuses) and written out. Either way PostgreSQL reads only what Python validated and wrote: each
# number a double, each text a checked one, no key outside the form (never the request's bytes:
# jsonb would keep a number's every digit, and the server's log an unknown key's text).
_Word = Annotated[str, StringConstraints(strict=True, max_length=MAX_TEXT, pattern=WORD_RE.pattern)]
_Int = Annotated[int, Strict(), Field(ge=-MAX_NUMBER, le=MAX_NUMBER)]
_STRICT: dict[Any, Any] = {
    str: _Word,
    bool: Annotated[bool, Strict()],
    int: _Int,
    (int, float): _Int | Annotated[float, Strict(), AllowInfNan(False), Field(ge=-MAX_NUMBER, le=MAX_NUMBER)],
    list: Annotated[list[_Word], Field(max_length=MAX_ITEMS), Strict()],
}
_CleanData = TypedDict(  # type: ignore[misc]  # built from the allow-list, one source of truth
    "_CleanData", {key: NotRequired[_STRICT[allowed]] for key, allowed in ALLOWED_DATA.items()}
)
#: `at` in seconds, inside the years an event may carry.
_FIRST_AT = datetime(FIRST_DAY.year, 1, 1, tzinfo=UTC).timestamp()
_AFTER_AT = datetime(LAST_DAY.year + 1, 1, 1, tzinfo=UTC).timestamp()


class _CleanEventIn(TypedDict):
    seq: Annotated[int, Strict(), _SEQ]
    at: Annotated[float, Strict(), AllowInfNan(False), Field(ge=_FIRST_AT, lt=_AFTER_AT)]
    day: Annotated[date, Strict(), _DAY]
    kind: Annotated[str, _KIND]
    data: NotRequired[_CleanData]


class _CleanBatchIn(TypedDict):
    stream: NotRequired[Annotated[str, Field(pattern=STREAM_PATTERN)]]
    events: NotRequired[Annotated[list[_CleanEventIn], Field(max_length=100_000)]]


_CLEAN_BATCH = TypeAdapter(_CleanBatchIn)
#: A batch written out for PostgreSQL by Python: `{"events": [...]}`, `at` in seconds.
_EVENTS_JSON = TypeAdapter(dict[str, list[dict[str, Any]]])


#: The calling center's row, locked, with when it was last heard of (`hub.alarms.note_silence`).
_LOCK_CENTER = (
    "SELECT GREATEST(last_heartbeat_at, last_event_at) FROM centers WHERE center_id = %s FOR UPDATE"
)
#: The stream's ack, and whether the hub holds any event of it after the ack (a gap was filled out
#: of order, or a batch is sent again): only then can an event of a new batch already be stored.
_STREAM_STATE = (
    "SELECT acked_seq, EXISTS (SELECT 1 FROM events e WHERE e.center_id = s.center_id "
    "AND e.stream = s.stream AND e.seq > s.acked_seq) FROM streams s WHERE center_id = %s AND stream = %s"
)


@dataclass
class Batch:
    """A validated batch, ready for the store statement (`parse_batch`)."""

    stream: str
    #: How many events it came with (repeats included).
    sent: int
    #: The days its events count for (their months get a partition first).
    days: set[date]
    #: Whether an event of it goes back to Python once stored (`hub.ingest_sql.goes_back`).
    back: bool
    #: Its events as the store statement reads them, written out by Python: `{"events": [...]}`
    #: with `at` in seconds and `data` clean, the last event of a repeated seq only.
    events_json: str


class AckOut(BaseModel):
    """What the hub now holds of the stream."""

    stream: str
    acked_seq: int = Field(description="Every event with seq <= this is stored: resend from here.")
    stored: int = Field(description="Events of this batch stored now (not seen before).")
    duplicates: int = Field(description="Events of this batch already stored (ignored).")


def batch_openapi() -> dict[str, Any]:
    """The events route's documented header and request body (`BatchIn`): the route reads both
    itself, so FastAPI does not document them on its own."""
    schema = BatchIn.model_json_schema()
    schema["properties"]["events"]["items"] = schema.pop("$defs")["EventIn"]
    header = {"type": "string", "description": "Bearer <the center's token>"}
    return {
        "parameters": [{"name": "Authorization", "in": "header", "required": False, "schema": header}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
    }


def parse_batch(body: bytes, strict_first: bool = True) -> Batch:
    """The request body validated straight from its bytes (pydantic's JSON parser, no `json.loads`);
    bad input raises the same `RequestValidationError` FastAPI would (422 naming the field).

    A batch in the strict form a center of this release sends is written out as parsed; any other
    (or every one, `strict_first` false: the tests compare the two) is cleaned value by value first.
    The parsed events are not kept: a batch holds only its JSON text while it is stored.
    """
    if strict_first:
        try:
            fast = _CLEAN_BATCH.validate_json(body)
        except ValidationError:
            pass
        else:
            events = cast(list[dict[str, Any]], fast.get("events", []))
            sent = len(events)
            if len({e["seq"] for e in events}) < sent:  # a seq repeated in the batch: its last event
                events = list({e["seq"]: e for e in events}.values())
            return Batch(
                fast.get("stream", "queueing"),
                sent,
                {e["day"] for e in events},
                any(goes_back(e["kind"], e.get("data", _NO_DATA)) for e in events),
                str(_CLEAN_BATCH.dump_json({"events": cast(Any, events)}), "utf-8"),
            )
    try:
        slow = BatchIn.model_validate_json(body)
    except ValidationError as err:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in err.errors(include_url=False)]
        ) from None
    by_seq: dict[int, dict[str, Any]] = {}
    for i, e in enumerate(cast(list[dict[str, Any]], slow.events)):
        at: datetime = e["at"]
        if not FIRST_DAY.year <= at.year <= LAST_DAY.year:
            raise RequestValidationError(
                [
                    {
                        "type": "value_error",
                        "loc": ("body", "events", i, "at"),
                        "msg": _AT_RANGE,
                        "input": at.isoformat(),
                    }
                ]
            )
        if at.tzinfo is None:
            at = at.astimezone()  # naive: the hub's local time
        by_seq[e["seq"]] = {**e, "at": at.timestamp(), "data": clean_data(e.get("data", {}))}
    events = list(by_seq.values())
    return Batch(
        slow.stream,
        len(slow.events),
        {e["day"] for e in events},
        any(goes_back(e["kind"], e["data"]) for e in events),
        str(_EVENTS_JSON.dump_json({"events": events}), "utf-8"),
    )


_NO_DATA: dict[str, Any] = {}


def store_batch(
    conn: psycopg.Connection,
    center_id: str,
    batch: Batch,
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
    partitions.ensure_months(conn, batch.days, now.date())
    with conn.transaction():
        # The center's row first: it is locked until the commit, so two batches of one center
        # (its two streams, or a batch sent again while the first is still being stored) never
        # interleave; the statements after it see what the other one committed.
        center = conn.execute(_LOCK_CENTER, (center_id,)).fetchone()
        assert center is not None  # a center's token names its row (tokens.center_id references it)
        if offline_after is not None:
            fleet_alarms.note_silence(conn, center_id, center[0], now, offline_after, listening_since or now)
        stream = conn.execute(_STREAM_STATE, (center_id, batch.stream)).fetchone()
        acked, held = (int(stream[0]), bool(stream[1])) if stream else (0, False)
        result = conn.execute(
            STORE_SKIPPING_HELD if held else STORE_NEW,
            {
                "events": batch.events_json,
                "acked": acked,
                "center_id": center_id,
                "stream": batch.stream,
                "now": now,
                "wait_target_s": wait_target_s,
                "back": batch.back,
            },
        ).fetchone()
        assert result is not None
        stored, new_acked, back = int(result[0]), int(result[1]), result[2] or []
        if held:  # the statement did not save the ack: what is stored now decides it
            new_acked = _contiguous(conn, center_id, batch.stream, acked)
            if new_acked != acked:
                conn.execute(
                    "UPDATE streams SET acked_seq = %s WHERE center_id = %s AND stream = %s",
                    (new_acked, center_id, batch.stream),
                )
        if back:
            _to_python_side(conn, center_id, back)
    return AckOut(
        stream=batch.stream,
        acked_seq=new_acked,
        stored=stored,
        duplicates=batch.sent - stored,
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


def skip_gap(conn: psycopg.Connection, center_id: str, stream: str, to_seq: int) -> tuple[int, int]:
    """An operator's decision (`python -m hub stream skip`): the events of `stream` up to `to_seq`
    that the hub lacks are gone for good (pruned at the center after an ack the hub then lost to
    an older backup); the ack moves past them and on through what is held. Returns (old, new) ack;
    LookupError for an unknown center."""
    with conn.transaction():
        if conn.execute(_LOCK_CENTER, (center_id,)).fetchone() is None:
            raise LookupError(f"no center {center_id!r} at this hub (python -m hub center add)")
        row = conn.execute(
            "SELECT acked_seq FROM streams WHERE center_id = %s AND stream = %s", (center_id, stream)
        ).fetchone()
        old = int(row[0]) if row else 0
        new = _contiguous(conn, center_id, stream, max(old, to_seq))
        conn.execute(
            "INSERT INTO streams (center_id, stream, acked_seq) VALUES (%s, %s, %s) "
            "ON CONFLICT (center_id, stream) DO UPDATE SET acked_seq = excluded.acked_seq",
            (center_id, stream, new),
        )
    return old, new


def _contiguous(conn: psycopg.Connection, center_id: str, stream: str, acked: int) -> int:
    """The highest seq such that every seq from 1 to it is stored (starting from `acked`)."""
    while True:
        rows = conn.execute(  # DISTINCT: the key is (center, stream, seq, day) since migration 12
            "SELECT DISTINCT seq FROM events WHERE center_id = %s AND stream = %s AND seq > %s "
            "ORDER BY seq LIMIT 10000",
            (center_id, stream, acked),
        ).fetchall()
        for (seq,) in rows:
            if seq != acked + 1:
                return acked
            acked = seq
        if len(rows) < 10000:
            return acked
