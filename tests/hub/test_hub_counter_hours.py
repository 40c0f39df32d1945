"""Counter-hours on a center's trends, computed at query time from the stored counter events:
each `counter.opened` paired with its counter's next `counter.closed` (pauses inside a session
count as open), one still open counted up to the hub's now, at most to its day's end."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import requests

from common.clock import ManualClock
from tests.hub.conftest import HubServer, bearer, tokens
from tests.hub.test_hub_api import post

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def cev(seq: int, day: int, hh: int, mm: int, kind: str, counter: int, **data: Any) -> dict[str, Any]:
    at = datetime(2026, 1, day, hh, mm, tzinfo=TZ)
    return {"seq": seq, "at": at.timestamp(), "day": at.date().isoformat(), "kind": f"counter.{kind}",
            "data": {"counter": counter, **data}}  # fmt: skip


def trend(hub: HubServer, reader: str, by: str) -> list[dict[str, Any]]:
    r = requests.get(
        f"{hub.url}/api/v1/centers/C1/trends",
        params={"by": by, "from": "2026-01-05", "to": "2026-01-06"},
        headers=bearer(reader),
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return [{k: row[k] for k in ("start", "counter_openings", "counter_hours")} for row in r.json()["rows"]]


def test_counter_hours_by_day_and_week(hub: HubServer, database_url: str, clock: ManualClock) -> None:
    t = tokens(database_url, "C1", "C2")
    events = [
        cev(1, 5, 7, 30, "opened", 1),
        cev(2, 5, 8, 0, "opened", 2),
        cev(3, 5, 8, 30, "paused", 2, reason="meeting"),
        cev(4, 5, 9, 0, "resumed", 2, reason="meeting", paused_s=1800.0),
        cev(5, 5, 10, 0, "closed", 2),  # counter 2: 2 h, its pause inside
        cev(6, 5, 11, 30, "closed", 1),  # counter 1: 4 h
        cev(7, 5, 16, 0, "opened", 1),  # its close never came: up to midnight, 8 h
        cev(8, 6, 14, 0, "opened", 3),  # still open at the hub's now (15:00): 1 h
    ]
    assert post(hub, t["C1"], events).status_code == 200
    assert post(hub, t["C1"], events[:3]).status_code == 200  # sent again: stored once
    post(hub, t["C2"], [cev(1, 5, 7, 0, "opened", 1), cev(2, 5, 17, 0, "closed", 1)])  # another center's
    clock.set(datetime(2026, 1, 6, 15, 0, tzinfo=TZ))
    assert trend(hub, t["reader"], "day") == [
        {"start": "2026-01-05", "counter_openings": 3, "counter_hours": 14.0},
        {"start": "2026-01-06", "counter_openings": 1, "counter_hours": 1.0},
    ]
    assert trend(hub, t["reader"], "week") == [
        {"start": "2026-01-05", "counter_openings": 4, "counter_hours": 15.0}
    ]
    # the close arrives: counter 3's session is 2.5 h, whatever the clock says
    post(hub, t["C1"], [cev(9, 6, 16, 30, "closed", 3)])
    clock.set(datetime(2026, 1, 7, 9, 0, tzinfo=TZ))
    assert trend(hub, t["reader"], "day")[1]["counter_hours"] == 2.5
    csv = requests.get(
        f"{hub.url}/api/v1/centers/C1/trends.csv",
        params={"from": "2026-01-05", "to": "2026-01-06"},
        headers=bearer(t["reader"]),
        timeout=10,
    )
    assert csv.text.splitlines()[1].endswith(",3,14")
