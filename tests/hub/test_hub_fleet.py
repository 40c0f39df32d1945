"""Fleet health on a real PostgreSQL: alarm episodes (the centers' own and `center_offline`) with
when they started and ended, the latest device states with since when, a center's trends by
day / week / month, and every table as a UTF-8 CSV with a BOM for reader tokens only."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import requests

from common.clock import ManualClock
from hub.tokens import add_center
from tests.harness import HubServer
from tests.hub.conftest import bearer, tokens
from tests.hub.test_hub_api import ev, post

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: str, hh: int, mm: int = 0) -> float:
    """Seconds since 1970 of a local time."""
    return datetime.combine(date.fromisoformat(day), time(hh, mm), TZ).timestamp()


def event(seq: int, day: str, kind: str, hh: int = 9, **data: Any) -> dict[str, Any]:
    return {"seq": seq, "at": at(day, hh, seq % 60), "day": day, "kind": kind, "data": data}


def get(hub: HubServer, token: str, path: str, **params: Any) -> Any:
    r = requests.get(f"{hub.url}{path}", params=params, headers=bearer(token), timeout=10)
    assert r.status_code == 200, r.text
    return r.json() if r.headers["content-type"].startswith("application/json") else r


def beat(hub: HubServer, token: str, **body: Any) -> None:
    r = requests.post(f"{hub.url}/api/v1/heartbeat", json=body, headers=bearer(token), timeout=10)
    assert r.status_code == 200, r.text


def test_alarm_episodes_start_and_end(hub: HubServer, database_url: str, clock: ManualClock) -> None:
    t = tokens(database_url, "C1", "C2", "C3")
    beat(hub, t["C1"], devices={"printer": "paper_out", "board bus1/1": "ok"})
    post(hub, t["C2"], [
        ev(1, "alarm.raised", alarm="door_forced"),
        ev(2, "alarm.raised", alarm="board_unreachable"),
        ev(3, "alarm.raised", alarm="locker_nearly_full"),
        ev(60, "alarm.cleared", alarm="board_unreachable"),  # a gap: stored, closes the episode too
    ], stream="locker")  # fmt: skip
    clock.advance(9 * 60)
    beat(hub, t["C2"])

    def alarms(**params: Any) -> list[tuple[str, str, bool, int]]:
        found = get(hub, t["reader"], "/api/v1/alarms", **params)
        return [(a["center_id"], a["kind"], a["open"], a["minutes"]) for a in found]

    # C1 silent 9 min: not yet an alarm; C3 never heard from: none
    assert alarms() == [
        ("C2", "locker_nearly_full", True, 8),  # raised 09:00:03, now 09:09:00
        ("C2", "door_forced", True, 8),
        ("C2", "board_unreachable", False, 0),
    ]
    first = get(hub, t["reader"], "/api/v1/alarms")[1]
    assert first["started_at"] == "2026-01-05T02:00:01Z" and first["ended_at"] is None
    assert first["label"] == "Cửa tủ bị mở không có lệnh / Door forced" and first["name"] == "Trung tâm C2"
    clock.advance(2 * 60)  # C1 silent 11 min
    assert ("C1", "center_offline", True, 11) in alarms()
    beat(hub, t["C1"], devices={"printer": "ok"})  # heard again: the episode ends
    clock.advance(60)
    found = get(hub, t["reader"], "/api/v1/alarms")
    offline = [a for a in found if a["kind"] == "center_offline"]
    assert [(a["open"], a["minutes"], a["started_at"], a["ended_at"]) for a in offline] == [
        (False, 11, "2026-01-05T02:00:00Z", "2026-01-05T02:11:00Z")
    ]
    assert [a["kind"] for a in found if a["open"]] == ["locker_nearly_full", "door_forced"]
    # ended alarms stay alarms_ended_shown_days (7); ended_days narrows the list
    assert [k for _c, k, is_open, _m in alarms(ended_days=0) if not is_open] == []
    clock.advance(8 * 86400)
    assert [k for _c, k, _o, _m in alarms()] == ["center_offline", "center_offline", "locker_nearly_full",
                                                 "door_forced"]  # fmt: skip
    # a center token reads no alarms
    r = requests.get(f"{hub.url}/api/v1/alarms", headers=bearer(t["C1"]), timeout=10)
    assert r.status_code == 403


def test_a_resent_alarm_counts_once(hub: HubServer, database_url: str) -> None:
    t = tokens(database_url, "C1")
    batch = [ev(1, "alarm.raised", alarm="door_forced"), ev(2, "alarm.raised", alarm="door_forced")]
    post(hub, t["C1"], batch, stream="locker")
    post(hub, t["C1"], batch, stream="locker")  # the answer was lost: sent again
    post(hub, t["C1"], [ev(3, "alarm.cleared", alarm="door_forced")], stream="locker")
    found = get(hub, t["reader"], "/api/v1/alarms")
    assert [(a["kind"], a["open"]) for a in found] == [("door_forced", True), ("door_forced", False)]
    assert found[1]["started_at"] == "2026-01-05T02:00:01Z"  # the oldest open one was cleared


def test_devices_latest_state_and_since(hub: HubServer, database_url: str, clock: ManualClock) -> None:
    t = tokens(database_url, "C1", "C2")
    beat(hub, t["C1"], version="1.2.0", waiting_now=3,
         devices={"printer": "paper_out", "board bus1/1": "ok", "queueing": "ok"})  # fmt: skip
    beat(hub, t["C2"], devices={"board bus1/2": "unreachable"})
    clock.advance(30)
    beat(hub, t["C1"], devices={"printer": "paper_out", "board bus1/1": "unreachable", "queueing": "ok"})
    found = get(hub, t["reader"], "/api/v1/devices", not_ok="true")
    assert [(d["center_id"], d["device"], d["state"], d["since"]) for d in found] == [
        ("C1", "board bus1/1", "unreachable", "2026-01-05T02:00:30Z"),
        ("C1", "printer", "paper_out", "2026-01-05T02:00:00Z"),  # since its first heartbeat so
        ("C2", "board bus1/2", "unreachable", "2026-01-05T02:00:00Z"),
    ]
    assert len(get(hub, t["reader"], "/api/v1/devices")) == 4
    centers = {c["center_id"]: c for c in get(hub, t["reader"], "/api/v1/centers")}
    assert centers["C1"]["version"] == "" and centers["C1"]["waiting_now"] is None  # the latest only
    assert centers["C1"]["devices"]["queueing"] == "ok"


def fill_days(hub: HubServer, token: str) -> None:
    """Monday 5 and Tuesday 6 January, Monday 2 February 2026 (target 30 min: one wait over)."""
    events, seq = [], 0
    for day, waits, ratings in (
        ("2026-01-05", [600.0, 2400.0], [5, 4]),
        ("2026-01-06", [300.0], [2]),
        ("2026-02-02", [1200.0, 1800.0, 900.0], []),
    ):
        for wait in waits:
            steps: list[tuple[str, dict[str, Any]]] = [("ticket.issued", {})]
            steps += [("ticket.called", {"wait_s": wait}), ("ticket.served", {})]
            for kind, data in steps:
                seq += 1
                events.append(event(seq, day, kind, service="HT", **data))
        for rating in ratings:
            seq += 1
            events.append(event(seq, day, "ticket.rated", service="HT", rating=rating))
    assert post(hub, token, events).json()["acked_seq"] == seq
    deposits = [event(1, "2026-01-06", "deposit.loaded", size="M"), event(2, "2026-01-06", "deposit.loaded"),
                event(3, "2026-01-07", "deposit.collected")]  # fmt: skip
    post(hub, token, deposits, stream="locker")


def test_trends_by_day_week_month(hub: HubServer, database_url: str, clock: ManualClock) -> None:
    t = tokens(database_url, "C1")
    fill_days(hub, t["C1"])

    def rows(**params: Any) -> list[tuple[Any, ...]]:
        found = get(hub, t["reader"], "/api/v1/centers/C1/trends", **params)
        return [
            (r["start"], r["tickets_issued"], r["tickets_served"], r["mean_wait_s"], r["share_over_target"],
             r["mean_rating"], r["deposits_loaded"], r["deposits_collected"])
            for r in found["rows"]
        ]  # fmt: skip

    assert rows(by="day", **{"from": "2026-01-05", "to": "2026-01-07"}) == [
        ("2026-01-05", 2, 2, 1500.0, 0.5, 4.5, 0, 0),
        ("2026-01-06", 1, 1, 300.0, 0.0, 2.0, 2, 0),
        ("2026-01-07", 0, 0, None, None, None, 0, 1),
    ]
    assert rows(by="week", **{"from": "2026-01-07", "to": "2026-02-02"}) == [
        ("2026-01-05", 3, 3, 1100.0, 0.333, 3.67, 2, 1),  # the whole ISO week of 7 January
        ("2026-01-12", 0, 0, None, None, None, 0, 0),
        ("2026-01-19", 0, 0, None, None, None, 0, 0),
        ("2026-01-26", 0, 0, None, None, None, 0, 0),
        ("2026-02-02", 3, 3, 1300.0, 0.0, None, 0, 0),  # 1800 s is the target, not over it
    ]
    by_month = get(hub, t["reader"], "/api/v1/centers/C1/trends", by="month", to="2026-02-10")
    assert (by_month["first"], by_month["last"], len(by_month["rows"])) == ("2025-03-01", "2026-02-10", 12)
    assert [r["tickets_issued"] for r in by_month["rows"][-2:]] == [3, 3]
    assert by_month["wait_target_min"] == 30.0 and by_month["name"] == "Trung tâm C1"
    # the default: the last 31 days up to today (the hub's day: Monday 5 January)
    by_day = get(hub, t["reader"], "/api/v1/centers/C1/trends")
    assert (by_day["first"], by_day["last"], len(by_day["rows"])) == ("2025-12-06", "2026-01-05", 31)
    # bad asks are refused with what to do
    for params, code in (({"by": "year"}, 422), ({"from": "2026-02-01", "to": "2026-01-01"}, 422),
                         ({"from": "2020-01-01"}, 422)):  # fmt: skip
        r = requests.get(f"{hub.url}/api/v1/centers/C1/trends", params=params, headers=bearer(t["reader"]))
        assert r.status_code == code, (params, r.text)
    assert (
        "at most 366 periods"
        in requests.get(
            f"{hub.url}/api/v1/centers/C1/trends", params={"from": "2020-01-01"}, headers=bearer(t["reader"])
        ).json()["message"]
    )
    r = requests.get(f"{hub.url}/api/v1/centers/NOPE/trends", headers=bearer(t["reader"]))
    assert r.status_code == 404
    assert requests.get(f"{hub.url}/api/v1/centers/C1/trends", headers=bearer(t["C1"])).status_code == 403


def read_csv(r: requests.Response) -> list[list[str]]:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"].startswith("attachment; filename=")
    assert r.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel looks for
    return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))


def test_csv_of_every_table(hub: HubServer, database_url: str, clock: ManualClock) -> None:
    t = tokens(database_url, "C1", "C2")
    with psycopg.connect(database_url, autocommit=True) as conn:
        t["F"] = add_center(conn, "F1", '=HYPERLINK("http://x.example","Bấm")')
    fill_days(hub, t["C1"])
    post(hub, t["C2"], [ev(1, "alarm.raised", alarm="door_forced")], stream="locker")
    beat(hub, t["C2"], devices={"printer": "paper_out"})
    beat(hub, t["F"])

    overview = read_csv(requests.get(f"{hub.url}/api/v1/overview.csv", headers=bearer(t["reader"])))
    assert overview[0][:3] == ["Trung tâm / Center", "Trạng thái / Status", "Đang chờ / Waiting now"]
    assert overview[0][6] == "Tỷ lệ chờ quá mục tiêu / Share over wait target"
    c1 = overview[1]
    assert c1 == ["Trung tâm C1 (C1)", "Trực tuyến / Online", "", "2", "2", "25", "50", "4.5", "0",
                  "2026-01-05 09:00", "1", "1", "", "", ""]  # fmt: skip
    assert overview[3][0] == '\'=HYPERLINK("http://x.example","Bấm") (F1)'  # never a formula

    trends = read_csv(
        requests.get(
            f"{hub.url}/api/v1/centers/C1/trends.csv",
            params={"by": "week", "from": "2026-01-05", "to": "2026-01-18"},
            headers=bearer(t["reader"]),
        )
    )
    assert trends == [
        ["Kỳ / Period", "Số đã phát / Tickets issued", "Đã phục vụ / Served",
         "Chờ trung bình (phút) / Mean wait (min)",
         "Tỷ lệ chờ quá mục tiêu / Share over wait target", "Mức hài lòng (1-5) / Satisfaction (1-5)",
         "Hồ sơ gửi vào tủ / Deposits loaded", "Hồ sơ đã nhận / Deposits collected",
         "Lượt mở quầy / Counter openings", "Giờ quầy mở / Counter-hours open"],
        ["2026-01-05", "3", "3", "18.3", "33.3", "3.67", "2", "1", "0", "0"],
        ["2026-01-12", "0", "0", "", "", "", "0", "0", "0", "0"],
    ]  # fmt: skip

    alarms = read_csv(requests.get(f"{hub.url}/api/v1/alarms.csv", headers=bearer(t["reader"])))
    assert alarms[0][1] == "Cảnh báo / Alarm"
    assert alarms[1] == ["Trung tâm C2 (C2)", "Cửa tủ bị mở không có lệnh / Door forced",
                         "2026-01-05 09:00", "", "Đang mở / Open", "0"]  # fmt: skip
    devices = read_csv(requests.get(f"{hub.url}/api/v1/devices.csv", headers=bearer(t["reader"])))
    assert devices[1] == ["Trung tâm C2 (C2)", "Trực tuyến / Online", "printer", "paper_out",
                          "2026-01-05 09:00"]  # fmt: skip

    for path in ("/api/v1/overview.csv", "/api/v1/centers/C1/trends.csv", "/api/v1/alarms.csv",
                 "/api/v1/devices.csv"):  # fmt: skip
        # a center's token reads no file, nor does no token; a reader's cannot post to them
        assert requests.get(hub.url + path, headers=bearer(t["C1"])).status_code == 403, path
        assert requests.get(hub.url + path).status_code == 401, path
        assert requests.post(hub.url + path, headers=bearer(t["reader"])).status_code == 405, path


def test_a_reader_changes_nothing(hub: HubServer, database_url: str) -> None:
    t = tokens(database_url, "C1")
    before = _dump_counts(database_url)
    for method, path in (("POST", "/api/v1/events"), ("POST", "/api/v1/heartbeat"),
                         ("PUT", "/api/v1/centers"), ("DELETE", "/api/v1/centers/C1/summary"),
                         ("POST", "/api/v1/alarms"), ("PATCH", "/api/v1/devices")):  # fmt: skip
        r = requests.request(method, hub.url + path, json={"events": [ev(1)]}, headers=bearer(t["reader"]))
        assert r.status_code in (403, 405), (method, path, r.status_code)
    assert _dump_counts(database_url) == before


def _dump_counts(database_url: str) -> tuple[Any, ...]:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM fleet_alarms), "
            "(SELECT count(*) FROM daily), (SELECT string_agg(heartbeat::text, ',') FROM centers)"
        ).fetchone()
    assert row is not None
    return tuple(row)


def test_the_hubs_own_outage_is_not_the_centers(database_url: str, clock: ManualClock) -> None:
    t = tokens(database_url, "C1", "C2")
    with HubServer(database_url, clock) as first:
        beat(first, t["C1"])
        beat(first, t["C2"])
    clock.advance(30 * 60)  # the hub was down half an hour; the centers kept trying
    with HubServer(database_url, clock) as hub:
        assert get(hub, t["reader"], "/api/v1/alarms") == []  # silent only while no hub listened
        beat(hub, t["C1"])  # back: no offline episode written for it
        clock.advance(6 * 60)
        beat(hub, t["C1"])
        clock.advance(5 * 60)
        found = get(hub, t["reader"], "/api/v1/alarms")
        # C2 has now been silent 11 min with the hub listening: offline since it was last seen
        assert [(a["center_id"], a["kind"], a["started_at"], a["open"]) for a in found] == [
            ("C2", "center_offline", "2026-01-05T02:00:00Z", True)
        ]
        beat(hub, t["C2"])
        found = get(hub, t["reader"], "/api/v1/alarms")
        assert [(a["center_id"], a["minutes"], a["open"]) for a in found] == [("C2", 41, False)]
