"""Fleet state: heartbeats in, centers and their daily summaries out (read from the rollups)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import psycopg
from pydantic import BaseModel, Field, field_validator, model_validator

from hub import citizen_rollups
from hub.alarms import note_heard
from hub.citizen_rollups import ReasonCount
from hub.ingest import COLUMNS


class LockerCompartments(BaseModel):
    """The center's locker size, from the locker's health answer (`compartments`)."""

    total: int = Field(ge=0, le=10_000, description="Every compartment of the cabinet.")
    out_of_service: int = Field(default=0, ge=0, description="Compartments taken out of service.")

    @model_validator(mode="after")
    def _within(self) -> LockerCompartments:
        if self.out_of_service > self.total:
            raise ValueError("out_of_service is more than total")
        return self


class HeartbeatIn(BaseModel):
    """What a center says every `heartbeat_interval_s` (no personal data: states and counts)."""

    version: str = Field(default="", max_length=40, description="Software version of the center.")
    waiting_now: int | None = Field(
        default=None, ge=0, le=1_000_000, description="Tickets waiting right now."
    )
    devices: dict[str, str] = Field(
        default_factory=dict, description='Each device\'s state, e.g. {"printer": "ok", "board1": "down"}.'
    )
    locker_compartments: LockerCompartments | None = Field(
        default=None,
        description="The locker's compartments (left out: the hub keeps the last it heard; a center "
        "never heard to have a locker shows none).",
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
    devices_since: dict[str, datetime] = Field(
        default_factory=dict,
        description="Since when each device is in its state (its first heartbeat so).",
    )
    version: str = Field(default="", description="The center's software version.")
    lockers_in_use: int = Field(default=0, description="Locker compartments holding a result.")
    lockers_total: int | None = Field(
        default=None, description="The locker's compartments (None: no locker)."
    )
    lockers_out_of_service: int | None = Field(default=None, description="Of those, out of service.")
    locker_occupancy: float | None = Field(
        default=None, description="In use / in service (total - out of service), 0-1; None without a locker."
    )


def occupancy(in_use: int, total: int | None, out_of_service: int | None) -> float | None:
    """Compartments in use over those in service (what the locker's nearly-full alarm also uses);
    None for a center without a locker heard of, or with none in service."""
    if total is None:
        return None
    in_service = total - (out_of_service or 0)
    return round(in_use / in_service, 3) if in_service > 0 else None


class DeviceOut(BaseModel):
    """One device of one center, as its latest heartbeat says."""

    center_id: str
    name: str
    status: str = Field(description="The center's: online, offline (the state may be old).")
    device: str
    state: str
    since: datetime | None


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
    appointments_booked: int = Field(
        default=0, description="Bookings held for the day's slots (booked or moved in, not cancelled)."
    )
    appointments_cancelled: int = Field(default=0, description="Bookings for the day cancelled.")
    appointments_moved: int = Field(default=0, description="Bookings moved into the day's slots.")
    appointments_checked_in: int = Field(default=0, description="Bookings checked in at a kiosk.")
    appointments_no_show: int = Field(default=0, description="Bookings whose check-in window passed.")
    checkin_rate: float | None = Field(
        default=None, description="Checked in / (checked in + no-shows), 0-1, if any."
    )
    mean_checkin_min: float | None = Field(
        default=None, description="Mean minutes from the slot's start to the check-in (< 0: early)."
    )
    appointments_called: int = Field(default=0, description="Booked tickets called at their slot.")
    punctual_share: float | None = Field(
        default=None, description="Share (0-1) of those called within 10 minutes of the slot's start."
    )
    ratings_by_level: dict[str, int] = Field(
        default_factory=dict, description='Ratings by score: {"5": n, ..., "1": n}.'
    )
    ratings_by_source: dict[str, int] = Field(
        default_factory=dict, description='Ratings by where they came from: {"tablet": n, "phone": n}.'
    )
    rating_reasons: list[ReasonCount] = Field(
        default_factory=list, description="Reason codes given after low ratings, most frequent first."
    )


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
    def heartbeat(
        conn: psycopg.Connection,
        center_id: str,
        beat: HeartbeatIn,
        now: datetime,
        offline_after: timedelta,
        listening_since: datetime,
    ) -> None:
        """Record a heartbeat: the latest device states, each with since when it is in that state."""
        with conn.transaction():
            note_heard(conn, center_id, now, offline_after, listening_since)
            row = conn.execute(
                "SELECT heartbeat FROM centers WHERE center_id = %s FOR UPDATE", (center_id,)
            ).fetchone()
            before = row[0] if row else {}
            old_states = before.get("devices") or {}
            old_since = before.get("devices_since") or {}
            since = {
                device: old_since.get(device, now.isoformat())
                if old_states.get(device) == state
                else now.isoformat()
                for device, state in beat.devices.items()
            }
            body = {**beat.model_dump(exclude={"locker_compartments"}), "devices_since": since}
            conn.execute(
                "UPDATE centers SET last_heartbeat_at = %s, heartbeat = %s WHERE center_id = %s",
                (now, json.dumps(body), center_id),
            )
            if beat.locker_compartments is not None:
                conn.execute(
                    "UPDATE centers SET lockers_total = %s, lockers_out_of_service = %s WHERE center_id = %s",
                    (beat.locker_compartments.total, beat.locker_compartments.out_of_service, center_id),
                )

    def centers(self, conn: psycopg.Connection, now: datetime) -> list[CenterOut]:
        """Every center, by id."""
        rows = conn.execute(
            "SELECT center_id, name, GREATEST(last_heartbeat_at, last_event_at), heartbeat, "
            "GREATEST(0, lockers_in_use), lockers_total, lockers_out_of_service "
            "FROM centers ORDER BY center_id"
        ).fetchall()
        out = []
        for center_id, name, last_seen, beat, in_use, total, out_of_service in rows:
            out.append(
                CenterOut(
                    center_id=center_id,
                    name=name,
                    status=self.status(last_seen, now),
                    last_seen=last_seen,
                    waiting_now=beat.get("waiting_now"),
                    devices=beat.get("devices", {}),
                    devices_since=beat.get("devices_since", {}),
                    version=beat.get("version", ""),
                    lockers_in_use=in_use,
                    lockers_total=total,
                    lockers_out_of_service=out_of_service,
                    locker_occupancy=occupancy(in_use, total, out_of_service),
                )
            )
        return out

    def devices(self, conn: psycopg.Connection, now: datetime, not_ok_only: bool) -> list[DeviceOut]:
        """Every center's devices (or those not `ok`), by center and device."""
        return [
            DeviceOut(
                center_id=c.center_id,
                name=c.name,
                status=c.status,
                device=device,
                state=state,
                since=c.devices_since.get(device),
            )
            for c in self.centers(conn, now)
            for device, state in sorted(c.devices.items())
            if not (not_ok_only and state == "ok")
        ]

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
            **citizen_rollups.summary_fields(conn, center_id, day),
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
    share_over_target: float | None = Field(description="Share (0-1) of calls after a wait over the target.")
    mean_rating: float | None
    results_waiting: int = Field(
        description="Results in the locker a citizen can still collect (in use, not expired)."
    )
    lockers_in_use: int = Field(description="Locker compartments holding a result (expired ones too).")
    lockers_total: int | None = Field(
        default=None, description="The locker's compartments as its heartbeat said (None: no locker)."
    )
    lockers_out_of_service: int | None = Field(default=None, description="Of those, out of service.")
    locker_occupancy: float | None = Field(
        default=None, description="Compartments in use / in service, 0-1 (None: no locker heard of)."
    )
    alarms_open: int


class OverviewOut(BaseModel):
    """Every center's day at once (the overview page reads only this)."""

    day: date
    centers: list[OverviewRow]


def overview_json(fleet: Fleet, conn: psycopg.Connection, day: date, now: datetime) -> str:
    """Every center's day as the `OverviewOut` JSON document, built by PostgreSQL in one query
    (centers, and the day's rollups found through the `daily_day` index): no row passes through
    Python, which cost ~10 times the query for 3,300 centers."""
    row = conn.execute(
        "SELECT json_build_object('day', %(day)s::date, 'centers', COALESCE(json_agg(json_build_object("
        "  'center_id', c.center_id, 'name', c.name,"
        "  'status', CASE WHEN s.seen IS NULL THEN 'never_seen' WHEN s.seen < %(offline)s THEN 'offline'"
        "    ELSE 'online' END,"
        "  'last_seen', s.seen, 'waiting_now', (c.heartbeat->>'waiting_now')::bigint,"
        "  'tickets_issued', COALESCE(d.issued, 0), 'tickets_served', COALESCE(d.served, 0),"
        "  'mean_wait_s', CASE WHEN d.wn > 0 THEN round((d.wsum / d.wn)::numeric, 1) END,"
        "  'share_over_target', CASE WHEN d.wn > 0 THEN round(d.over::numeric / d.wn, 3) END,"
        "  'mean_rating', CASE WHEN d.rn > 0 THEN round(d.rsum::numeric / d.rn, 2) END,"
        "  'results_waiting', GREATEST(0, c.lockers_in_use - c.lockers_expired),"
        "  'lockers_in_use', c.lockers_in_use, 'lockers_total', c.lockers_total,"
        "  'lockers_out_of_service', c.lockers_out_of_service,"
        "  'locker_occupancy', CASE WHEN c.lockers_total - COALESCE(c.lockers_out_of_service, 0) > 0 THEN"
        "    round(GREATEST(0, c.lockers_in_use)::numeric"
        "      / (c.lockers_total - COALESCE(c.lockers_out_of_service, 0)), 3) END,"
        "  'alarms_open', GREATEST(0, c.alarms_open)"
        ") ORDER BY c.center_id), '[]'::json))::text "
        "FROM centers c CROSS JOIN LATERAL (SELECT GREATEST(c.last_heartbeat_at, c.last_event_at) AS seen) s "
        "LEFT JOIN ("
        "  SELECT center_id, SUM(tickets_issued) AS issued, SUM(tickets_served) AS served, "
        "  SUM(wait_s_sum) AS wsum, SUM(wait_n) AS wn, SUM(ratings_n) AS rn, SUM(ratings_sum) AS rsum, "
        "  SUM(waits_over_target) AS over "
        "  FROM daily WHERE day = %(day)s GROUP BY center_id"
        ") d ON d.center_id = c.center_id",
        {"day": day, "offline": now - timedelta(seconds=fleet.interval_s * fleet.missed)},
    ).fetchone()
    assert row is not None
    return str(row[0])


def overview(fleet: Fleet, conn: psycopg.Connection, day: date, now: datetime) -> OverviewOut:
    """The same document as a model (for the CSV file)."""
    return OverviewOut.model_validate_json(overview_json(fleet, conn, day, now))
