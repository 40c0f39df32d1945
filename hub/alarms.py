"""Fleet alarms: each alarm of each center with when it started and whether it is still open.

Two sources, one table (`fleet_alarms`, one row per episode):

- the center's own alarms, from its `alarm.raised` / `alarm.cleared` events (door forced, board
  unreachable, printer paper out, locker nearly full, ...), at the center's times, so an alarm
  raised and cleared while the link was down still shows with its true start and end;
  a `cleared` closes the oldest open episode of that kind at that center (events carry the
  alarm's kind, never its id or message);
- the hub's own `center_offline`: a center silent longer than `offline_alarm_after_min`. While
  it lasts it is computed from `last_seen`; when the center is heard again, the episode
  (last seen .. heard again) is written, so it stays in the list as ended. Only silence while
  this hub process was listening counts (`listening_since`, its start): after the hub itself was
  down, centers are not all blamed for the hub's outage.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import psycopg
from pydantic import BaseModel, Field

from hub import texts

OFFLINE = "center_offline"


class FleetAlarm(BaseModel):
    """One alarm episode of one center."""

    center_id: str
    name: str
    kind: str = Field(description="center_offline, door_forced, board_unreachable, printer_paper_out, ...")
    label: str = Field(description="The kind in words: Vietnamese / English.")
    started_at: datetime
    ended_at: datetime | None = Field(description="None while it is still open.")
    open: bool
    minutes: int = Field(description="How long it lasted, or has lasted until now.")


def record_events(
    conn: psycopg.Connection, center_id: str, rows: list[tuple[int, str, datetime, str]]
) -> None:
    """Newly stored `(seq, kind, at, alarm)` alarm events: open or close episodes, in seq order."""
    for _seq, kind, at, alarm in sorted(rows):
        code = alarm or "unknown"
        if kind == "alarm.raised":
            conn.execute(
                "INSERT INTO fleet_alarms(center_id, kind, started_at) VALUES (%s, %s, %s)",
                (center_id, code, at),
            )
        elif kind == "alarm.cleared":
            # no open episode (its raise is older than the hub): nothing to close
            conn.execute(
                "UPDATE fleet_alarms SET ended_at = GREATEST(started_at, %s) WHERE alarm_id = ("
                "  SELECT alarm_id FROM fleet_alarms WHERE center_id = %s AND kind = %s "
                "  AND ended_at IS NULL ORDER BY started_at, alarm_id LIMIT 1)",
                (at, center_id, code),
            )


def note_heard(
    conn: psycopg.Connection,
    center_id: str,
    now: datetime,
    offline_after: timedelta,
    listening_since: datetime,
) -> None:
    """The center is heard from at `now` (inside the caller's transaction, before `last_*` move):
    if it had been silent past `offline_after` while the hub listened, write the ended
    `center_offline` episode."""
    row = conn.execute(
        "SELECT GREATEST(last_heartbeat_at, last_event_at) FROM centers WHERE center_id = %s", (center_id,)
    ).fetchone()
    note_silence(conn, center_id, row[0] if row else None, now, offline_after, listening_since)


def note_silence(
    conn: psycopg.Connection,
    center_id: str,
    seen: datetime | None,
    now: datetime,
    offline_after: timedelta,
    listening_since: datetime,
) -> None:
    """`note_heard` for a caller that read when the center was last heard of (`seen`) itself."""
    if seen is not None and now - max(seen, listening_since) > offline_after:
        conn.execute(
            "INSERT INTO fleet_alarms(center_id, kind, started_at, ended_at) VALUES (%s, %s, %s, %s)",
            (center_id, OFFLINE, seen, now),
        )


def fleet_alarms(
    conn: psycopg.Connection,
    now: datetime,
    offline_after: timedelta,
    ended_since: datetime,
    listening_since: datetime,
) -> list[FleetAlarm]:
    """Open alarms (any age) and those ended since `ended_since`: open first, newest first."""
    rows: list[tuple[Any, ...]] = conn.execute(
        "SELECT a.center_id, c.name, a.kind, a.started_at, a.ended_at FROM fleet_alarms a "
        "JOIN centers c USING (center_id) WHERE a.ended_at IS NULL OR a.ended_at >= %s",
        (ended_since,),
    ).fetchall()
    silent = (
        conn.execute(
            "SELECT center_id, name, GREATEST(last_heartbeat_at, last_event_at) AS seen FROM centers "
            "WHERE GREATEST(last_heartbeat_at, last_event_at) < %s",
            (now - offline_after,),
        ).fetchall()
        if now - listening_since > offline_after
        else []
    )
    rows += [(cid, name, OFFLINE, seen, None) for cid, name, seen in silent]
    out = [
        FleetAlarm(
            center_id=cid,
            name=name,
            kind=kind,
            label=texts.alarm_label(kind),
            started_at=started,
            ended_at=ended,
            open=ended is None,
            minutes=max(0, int(((ended or now) - started).total_seconds() // 60)),
        )
        for cid, name, kind, started, ended in rows
    ]
    out.sort(key=lambda a: (not a.open, -a.started_at.timestamp(), a.center_id))
    return out
