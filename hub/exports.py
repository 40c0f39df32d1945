"""CSV files of every table the pages show (overview, a center's trends, fleet alarms, devices).

Read with a reader token like the API they come from (a center's token is refused). UTF-8 with a
byte-order mark so Excel shows Vietnamese right; headings `Vietnamese / English`; times in the
hub's time zone as `YYYY-MM-DD HH:MM`; decimals with a point. A text cell starting with `=`,
`+`, `-` or `@` gets a leading `'`, so a spreadsheet never runs a center's name as a formula.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Annotated, Any

from fastapi import FastAPI, Query
from fastapi.responses import Response

from common.api_errors import error_responses
from common.csv_text import csv_text, safe_cell
from hub import texts
from hub.alarms import FleetAlarm
from hub.auth import AuthHeader
from hub.fleet import DeviceOut, OverviewOut
from hub.pages import ALARM_COLUMNS, DEVICE_COLUMNS, OVERVIEW_COLUMNS
from hub.trends import TREND_COLUMNS, Period, TrendsOut

#: The overview file: the page's columns, the locker's share as its parts (a page shows
#: "in use / in service (NN %)" in one cell; a spreadsheet wants numbers).
OVERVIEW_CSV_COLUMNS = (*OVERVIEW_COLUMNS, "lockers_total", "lockers_out_of_service", "locker_occupancy")


@dataclass(frozen=True)
class Readers:
    """The API's reads the files are made from (each checks the token itself)."""

    overview: Callable[[str | None, date | None], OverviewOut]
    trends: Callable[[str, str | None, Period, date | None, date | None], TrendsOut]
    alarms: Callable[[str | None, int | None], list[FleetAlarm]]
    devices: Callable[[str | None], list[DeviceOut]]
    tz: tzinfo


def cell(value: Any, tz: tzinfo) -> str:
    """One value as a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e15 else str(value)
    return safe_cell(value)


def csv_response(
    headings: Iterable[str], rows: Iterable[Iterable[Any]], filename: str, tz: tzinfo
) -> Response:
    """A CSV download: BOM, one heading row, CRLF lines."""
    text = csv_text([texts.both(h) for h in headings], rows, cell=lambda v: cell(v, tz), crlf=True, bom=True)
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def register(app: FastAPI, read: Readers) -> None:
    """Add the CSV routes to `app`."""
    tz = read.tz
    csv_doc: dict[int | str, dict[str, Any]] = {
        200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a BOM"},
        **error_responses(401, 403, 404, 422),
    }

    @app.get("/api/v1/overview.csv", response_class=Response, responses=csv_doc)
    def overview_csv(
        authorization: AuthHeader = None,
        day: Annotated[date | None, Query(description="YYYY-MM-DD; default today (hub time zone)")] = None,
    ) -> Response:
        """The overview table (share over target in %, waits in minutes)."""
        found = read.overview(authorization, day)
        rows = (
            [
                f"{r.name} ({r.center_id})",
                texts.both(r.status),
                r.waiting_now,
                r.tickets_issued,
                r.tickets_served,
                _minutes(r.mean_wait_s),
                _percent(r.share_over_target),
                r.mean_rating,
                r.alarms_open,
                r.last_seen,
                r.results_waiting,
                r.lockers_in_use,
                r.lockers_total,
                r.lockers_out_of_service,
                _percent(r.locker_occupancy),
            ]  # fmt: skip
            for r in found.centers
        )
        return csv_response(OVERVIEW_CSV_COLUMNS, rows, f"overview-{found.day}.csv", tz)

    @app.get("/api/v1/centers/{center_id}/trends.csv", response_class=Response, responses=csv_doc)
    def trends_csv(
        center_id: str,
        authorization: AuthHeader = None,
        by: Period = "day",
        first: Annotated[date | None, Query(alias="from", description="YYYY-MM-DD")] = None,
        last: Annotated[date | None, Query(alias="to", description="YYYY-MM-DD; default today")] = None,
    ) -> Response:
        """A center's trend table (the period's first day, oldest first)."""
        found = read.trends(center_id, authorization, by, first, last)
        rows = (
            [
                r.start,
                r.tickets_issued,
                r.tickets_served,
                _minutes(r.mean_wait_s),
                _percent(r.share_over_target),
                r.mean_rating,
                r.deposits_loaded,
                r.deposits_collected,
                r.counter_openings,
                r.counter_hours,
            ]  # fmt: skip
            for r in found.rows
        )
        headings = ["issued" if c == "tickets_issued" else c for c in TREND_COLUMNS]
        return csv_response(headings, rows, f"{center_id}-{by}-{found.first}-{found.last}.csv", tz)

    @app.get("/api/v1/alarms.csv", response_class=Response, responses=csv_doc)
    def alarms_csv(
        authorization: AuthHeader = None,
        ended_days: Annotated[int | None, Query(ge=0, le=366)] = None,
    ) -> Response:
        """The fleet alarms table."""
        rows = (
            [
                f"{a.name} ({a.center_id})",
                a.label,
                a.started_at,
                a.ended_at,
                texts.both("open" if a.open else "closed"),
                a.minutes,
            ]  # fmt: skip
            for a in read.alarms(authorization, ended_days)
        )
        return csv_response(ALARM_COLUMNS, rows, "fleet-alarms.csv", tz)

    @app.get("/api/v1/devices.csv", response_class=Response, responses=csv_doc)
    def devices_csv(authorization: AuthHeader = None) -> Response:
        """The devices-not-ok table."""
        rows = (
            [f"{d.name} ({d.center_id})", texts.both(d.status), d.device, d.state, d.since]
            for d in read.devices(authorization)
        )
        return csv_response(DEVICE_COLUMNS, rows, "devices-not-ok.csv", tz)
