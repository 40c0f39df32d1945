"""Fleet state: heartbeats in, centers and their daily summaries out (read from the rollups)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import psycopg
from pydantic import BaseModel, Field, field_validator

from hub.ingest import COLUMNS


class HeartbeatIn(BaseModel):
    """What a center says every `heartbeat_interval_s` (no personal data: states and counts)."""

    version: str = Field(default="", max_length=40, description="Software version of the center.")
    waiting_now: int | None = Field(default=None, ge=0, description="Tickets waiting right now.")
    devices: dict[str, str] = Field(
        default_factory=dict, description='Each device\'s state, e.g. {"printer": "ok", "board1": "down"}.'
    )

    @field_validator("devices")
    @classmethod
    def _bounded(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > 64:
            raise ValueError("at most 64 devices")
        return {k[:32]: v[:32] for k, v in value.items()}


class HeartbeatOut(BaseModel):
    """The hub's answer: when to send the next one."""

    interval_s: int


class CenterOut(BaseModel):
    """One center as the overview lists it."""

    center_id: str
    name: str
    status: str = Field(description="online, offline, or never_seen")
    last_seen: datetime | None = Field(description="Last heartbeat or event (ISO 8601).")
    waiting_now: int | None
    devices: dict[str, str]


class SummaryOut(BaseModel):
    """A center's day, from the daily rollups (every counter an integer)."""

    center_id: str
    day: date
    status: str
    last_seen: datetime | None
    tickets_issued: int
    tickets_called: int
    tickets_served: int
    tickets_no_show: int
    tickets_transferred: int
    deposits_loaded: int
    deposits_collected: int
    deposits_expired: int
    alarms_open: int = Field(description="Alarms raised and not yet cleared (all days).")
    mean_wait_s: float | None = Field(description="Mean issue-to-call wait of the day, if any call.")
    ratings: int = Field(description="Citizens' satisfaction ratings given that day.")
    mean_rating: float | None = Field(description="Their mean (1-5), if any.")


class Fleet:
    """Reads and writes of fleet state; `offline` after `missed` heartbeat intervals of silence."""

    def __init__(self, interval_s: int, missed: int) -> None:
        self.interval_s = interval_s
        self.missed = missed

    def status(self, last_seen: datetime | None, now: datetime) -> str:
        """online / offline / never_seen."""
        if last_seen is None:
            return "never_seen"
        silent = now - last_seen
        return "offline" if silent > timedelta(seconds=self.interval_s * self.missed) else "online"

    @staticmethod
    def heartbeat(conn: psycopg.Connection, center_id: str, beat: HeartbeatIn, now: datetime) -> None:
        """Record a heartbeat."""
        with conn.transaction():
            conn.execute(
                "UPDATE centers SET last_heartbeat_at = %s, heartbeat = %s WHERE center_id = %s",
                (now, json.dumps(beat.model_dump()), center_id),
            )

    def centers(self, conn: psycopg.Connection, now: datetime) -> list[CenterOut]:
        """Every center, by id."""
        rows = conn.execute(
            "SELECT center_id, name, GREATEST(last_heartbeat_at, last_event_at), heartbeat "
            "FROM centers ORDER BY center_id"
        ).fetchall()
        out = []
        for center_id, name, last_seen, beat in rows:
            out.append(
                CenterOut(
                    center_id=center_id,
                    name=name,
                    status=self.status(last_seen, now),
                    last_seen=last_seen,
                    waiting_now=beat.get("waiting_now"),
                    devices=beat.get("devices", {}),
                )
            )
        return out

    def summary(
        self, conn: psycopg.Connection, center_id: str, day: date, now: datetime
    ) -> SummaryOut | None:
        """The center's day, or None for an unknown center."""
        center = conn.execute(
            "SELECT GREATEST(last_heartbeat_at, last_event_at) FROM centers WHERE center_id = %s",
            (center_id,),
        ).fetchone()
        if center is None:
            return None
        sums = ", ".join(f"COALESCE(SUM({c}), 0)" for c in COLUMNS)
        row = conn.execute(
            f"SELECT {sums}, COALESCE(SUM(ratings_n), 0), COALESCE(SUM(ratings_sum), 0), "  # noqa: S608
            "COALESCE(SUM(wait_s_sum), 0), COALESCE(SUM(wait_n), 0) "
            "FROM daily WHERE center_id = %s AND day = %s",
            (center_id, day),
        ).fetchone()
        assert row is not None
        values: dict[str, Any] = {c: int(v) for c, v in zip(COLUMNS, row, strict=False)}
        wait_sum, wait_n = float(row[-2]), int(row[-1])
        ratings_n, ratings_sum = int(row[-4]), int(row[-3])
        open_row = conn.execute(
            "SELECT alarms_open FROM centers WHERE center_id = %s", (center_id,)
        ).fetchone()
        alarms_open = int(open_row[0]) if open_row else 0
        return SummaryOut(
            center_id=center_id,
            day=day,
            status=self.status(center[0], now),
            last_seen=center[0],
            alarms_open=alarms_open,
            mean_wait_s=round(wait_sum / wait_n, 1) if wait_n else None,
            ratings=ratings_n,
            mean_rating=round(ratings_sum / ratings_n, 2) if ratings_n else None,
            **{k: v for k, v in values.items() if k in SummaryOut.model_fields},
        )


class OverviewRow(BaseModel):
    """One center's line of the province overview."""

    center_id: str
    name: str
    status: str
    last_seen: datetime | None
    waiting_now: int | None
    tickets_issued: int
    tickets_served: int
    mean_wait_s: float | None
    mean_rating: float | None
    alarms_open: int


class OverviewOut(BaseModel):
    """Every center's day at once (the overview page reads only this)."""

    day: date
    centers: list[OverviewRow]


def overview(fleet: Fleet, conn: psycopg.Connection, day: date, now: datetime) -> OverviewOut:
    """One query over centers and the daily rollups."""
    rows = conn.execute(
        "SELECT c.center_id, c.name, GREATEST(c.last_heartbeat_at, c.last_event_at), "
        "(c.heartbeat->>'waiting_now')::int, "
        "COALESCE(d.issued, 0), COALESCE(d.served, 0), COALESCE(d.wsum, 0), COALESCE(d.wn, 0), "
        "COALESCE(d.rn, 0), COALESCE(d.rsum, 0), c.alarms_open "
        "FROM centers c LEFT JOIN ("
        "  SELECT center_id, SUM(tickets_issued) AS issued, SUM(tickets_served) AS served, "
        "  SUM(wait_s_sum) AS wsum, SUM(wait_n) AS wn, SUM(ratings_n) AS rn, SUM(ratings_sum) AS rsum "
        "  FROM daily WHERE day = %s GROUP BY center_id"
        ") d ON d.center_id = c.center_id ORDER BY c.center_id",
        (day,),
    ).fetchall()
    return OverviewOut(
        day=day,
        centers=[
            OverviewRow(
                center_id=cid,
                name=name,
                status=fleet.status(seen, now),
                last_seen=seen,
                waiting_now=waiting,
                tickets_issued=int(issued),
                tickets_served=int(served),
                mean_wait_s=round(float(wsum) / int(wn), 1) if wn else None,
                mean_rating=round(int(rsum) / int(rn), 2) if rn else None,
                alarms_open=max(0, int(alarms)),
            )
            for cid, name, seen, waiting, issued, served, wsum, wn, rn, rsum, alarms in rows
        ],
    )


class FleetAlarm(BaseModel):
    """Something the province should look at in one center."""

    center_id: str
    code: str = Field(description="center_offline, device (a device not ok), or alarms_open")
    message: str = Field(description="Vietnamese / English, for the page")
    device: str | None = None
    state: str | None = None
    since: datetime | None = None
    count: int | None = None


def fleet_alarms(conn: psycopg.Connection, now: datetime, offline_after: timedelta) -> list[FleetAlarm]:
    """Centers silent longer than `offline_after`, devices whose last reported state is not `ok`,
    and centers with alarms raised and not cleared; by center."""
    rows = conn.execute(
        "SELECT center_id, GREATEST(last_heartbeat_at, last_event_at), heartbeat, alarms_open "
        "FROM centers ORDER BY center_id"
    ).fetchall()
    out: list[FleetAlarm] = []
    for center_id, seen, beat, open_alarms in rows:
        if seen is not None and now - seen > offline_after:
            minutes = int((now - seen).total_seconds() // 60)
            out.append(
                FleetAlarm(
                    center_id=center_id,
                    code="center_offline",
                    since=seen,
                    message=f"Mất liên lạc {minutes} phút / Offline for {minutes} min",
                )
            )
        for device, state in sorted((beat.get("devices") or {}).items()):
            if state != "ok":
                out.append(
                    FleetAlarm(
                        center_id=center_id,
                        code="device",
                        device=device,
                        state=state,
                        message=f"Thiết bị {device}: {state} / Device {device}: {state}",
                    )
                )
        if int(open_alarms) > 0:
            n = int(open_alarms)
            out.append(
                FleetAlarm(
                    center_id=center_id,
                    code="alarms_open",
                    count=n,
                    message=f"{n} cảnh báo chưa xử lý / {n} open alarms",
                )
            )
    return out
