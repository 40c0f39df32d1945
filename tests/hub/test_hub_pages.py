"""The center page and the fleet alarms page in headless Chromium, in Vietnamese and in English,
over simulated days of three centers; CSV downloads from the pages' buttons; a center's token
shows nothing. Screenshots go to $HUB_SCREENS_DIR (docs/screens to refresh the docs) or tmp."""

from __future__ import annotations

import os
import random
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from common.clock import ManualClock
from hub.simulate import center_day
from tests.harness import HubServer
from tests.hub.conftest import bearer, tokens
from tests.hub.test_hub_api import post

pytestmark = [
    pytest.mark.browser,
]
TODAY = date(2026, 1, 5)
NAMES = {"HN-BADINH": "Phường Ba Đình", "HN-HOANKIEM": "Phường Hoàn Kiếm", "HN-CAUGIAY": "Phường Cầu Giấy"}


def province(hub: HubServer, database_url: str, clock: ManualClock) -> dict[str, str]:
    """Three centers: 40 days of tickets, deposits and a few alarms; one silent, one printer out."""
    import psycopg

    t = tokens(database_url, *NAMES)
    with psycopg.connect(database_url, autocommit=True) as conn:
        for cid, name in NAMES.items():
            conn.execute("UPDATE centers SET name = %s WHERE center_id = %s", (name, cid))
    rng = random.Random(7)
    for cid in NAMES:
        events: list[dict[str, Any]] = []
        deposits: list[dict[str, Any]] = []
        for back in range(40, -1, -1):
            day = TODAY - timedelta(days=back)
            if day.weekday() == 6:
                continue  # closed on Sundays
            for e in center_day(rng, day, rng.choice((40, 60, 90))):
                events.append({**e, "seq": len(events) + 1})
            opened = events[-1]["at"] - 8 * 3600  # two counters open 4 h and 3.5 h
            for at, kind, counter in ((0, "opened", 1), (1800, "opened", 2), (14400, "closed", 1),
                                      (14400, "closed", 2)):  # fmt: skip
                events.append({"seq": len(events) + 1, "at": opened + at, "day": day.isoformat(),
                               "kind": f"counter.{kind}", "data": {"counter": counter}})  # fmt: skip
            for kind in ("deposit.loaded",) * rng.randint(2, 6) + ("deposit.collected",) * rng.randint(1, 5):
                first = events[-1]
                deposits.append({"seq": len(deposits) + 1, "at": first["at"], "day": first["day"],
                                 "kind": kind, "data": {"size": "M"}})  # fmt: skip
        for start in range(0, len(events), 200):
            assert post(hub, t[cid], events[start : start + 200]).status_code == 200
        post(hub, t[cid], deposits, stream="locker")
    alarms = [{"seq": 1000 + i, "at": a, "day": TODAY.isoformat(), "kind": k, "data": {"alarm": x}}
              for i, (a, k, x) in enumerate([
                  (1767578400.0 - 3600, "alarm.raised", "board_unreachable"),
                  (1767578400.0 - 3000, "alarm.cleared", "board_unreachable"),
                  (1767578400.0 - 600, "alarm.raised", "locker_nearly_full")])]  # fmt: skip
    # the locker stream's numbers go on after the deposits
    acked = post(hub, t["HN-CAUGIAY"], [], stream="locker").json()["acked_seq"]
    for i, a in enumerate(alarms):
        a["seq"] = acked + 1 + i
    post(hub, t["HN-CAUGIAY"], alarms, stream="locker")
    beat = {
        "version": "1.4.0",
        "waiting_now": 6,
        "devices": {"queueing": "ok", "locker": "ok", "board main/1": "ok", "kiosk k1 printer": "paper_out"},
        "locker_compartments": {"total": 48, "out_of_service": 2},
    }
    requests.post(f"{hub.url}/api/v1/heartbeat", json=beat, headers=bearer(t["HN-CAUGIAY"]), timeout=10)
    # HN-BADINH has no locker (none heard of); HN-HOANKIEM's 60 compartments, all in service
    requests.post(f"{hub.url}/api/v1/heartbeat", json={"waiting_now": 2}, headers=bearer(t["HN-BADINH"]))
    requests.post(
        f"{hub.url}/api/v1/heartbeat",
        json={"locker_compartments": {"total": 60}},
        headers=bearer(t["HN-HOANKIEM"]),
        timeout=10,
    )
    clock.advance(14 * 60)  # HN-HOANKIEM silent since its last batch: offline 14 min
    requests.post(f"{hub.url}/api/v1/heartbeat", json=beat, headers=bearer(t["HN-CAUGIAY"]), timeout=10)
    requests.post(f"{hub.url}/api/v1/heartbeat", json={"waiting_now": 3}, headers=bearer(t["HN-BADINH"]))
    return t


def screens_dir(tmp_path: Path) -> Path:
    out = Path(os.environ.get("HUB_SCREENS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def sign_in(page: Any, url: str, token: str) -> None:
    page.goto(url)
    page.fill("#token", token)
    page.click("#signin button")


def test_center_and_alarm_pages(
    browser: Any, hub: HubServer, database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    t = province(hub, database_url, clock)
    out = screens_dir(tmp_path)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "40" not in m.text else None)

    # a center's token shows nothing
    sign_in(page, f"{hub.url}/centers/HN-BADINH", t["HN-BADINH"])
    page.wait_for_selector("#error:not([hidden])")
    assert page.locator("#content").is_hidden()

    # today at HN-BADINH: two bookings, one checked in and called on time, one no-show, two ratings
    day = TODAY.isoformat()
    more: list[tuple[str, dict[str, Any]]] = [("appointment.booked", {}), ("appointment.booked", {}),
            ("appointment.checked_in", {"late_min": -5.0}), ("ticket.called", {"late_min": 2.0}),
            ("appointment.no_show", {}),
            ("ticket.rated", {"rating": 2, "source": "tablet", "reasons": ["slow"]}),
            ("ticket.rated", {"rating": 5, "source": "phone"})]  # fmt: skip
    acked = post(hub, t["HN-BADINH"], []).json()["acked_seq"]
    extra = [{"seq": acked + 1 + i, "at": 1767578400.0, "day": day, "kind": k, "data": {"service": "HT", **d}}
             for i, (k, d) in enumerate(more)]  # fmt: skip
    assert post(hub, t["HN-BADINH"], extra).json()["acked_seq"] == acked + len(more)

    # the overview, then a center's trends by day, week and month
    sign_in(page, f"{hub.url}/", t["reader"])
    page.wait_for_selector("#overview tbody tr")
    page.screenshot(path=str(out / "hub-overview-vi.png"), full_page=True)
    assert page.locator('nav a[href="/catalogue"]').inner_text() == "Danh mục dịch vụ"
    # locker occupancy: in use / in service (share), a dash without a locker; sorted by the share
    occupancy = page.eval_on_selector_all(
        "#overview tbody tr", "rows => rows.map(r => [r.dataset.center, r.lastElementChild.textContent])"
    )
    shares = dict(occupancy)
    assert shares["HN-BADINH"] == "–"
    assert re.fullmatch(r"\d+\s/\s46\s\(\d+\s%\) · 2\sngừng\sdùng", shares["HN-CAUGIAY"]), shares
    assert re.fullmatch(r"\d+\s/\s60\s\(\d+\s%\)", shares["HN-HOANKIEM"]), shares
    page.click('th[data-key="lockers_in_use"]')
    order = page.eval_on_selector_all("#overview tbody tr", "rows => rows.map(r => r.dataset.center)")
    assert order[0] == "HN-BADINH"  # no locker sorts before any share
    page.click('tr[data-center="HN-BADINH"] a')
    page.wait_for_selector("#trends tbody tr")
    assert page.locator("h1").inner_text() == "Phường Ba Đình (HN-BADINH)"
    assert page.locator("#target").inner_text() == "Mục tiêu thời gian chờ: 30 phút"
    rows = page.locator("#trends tbody tr")
    assert rows.count() == 31 and rows.nth(0).get_attribute("data-start") == "2026-01-05"
    assert int(rows.nth(0).locator("td").nth(1).inner_text()) > 0
    assert rows.nth(1).locator("td").nth(1).inner_text() == "0"  # Sunday 4 January: closed
    assert page.locator("#chart .bar").count() == 31
    counters = [rows.nth(0).locator("td").nth(i).inner_text() for i in (8, 9)]
    assert counters == ["2", "7.5"]  # two counters opened, 4 h + 3.5 h
    assert page.locator("#trends th").nth(9).inner_text() == "Giờ quầy mở"
    page.wait_for_selector('#today-figures tr[data-key="rating_reasons"]')
    today = page.eval_on_selector_all(
        "#today-figures tr", "rows => rows.map(r => [r.dataset.key, r.querySelector('td').textContent])"
    )
    assert dict(today) | {
        "appointments_booked": "2",
        "appointments_checked_in": "1",
        "appointments_no_show": "1",
        "checkin_rate": "50 %",
        "punctual_share": "100 %",
        "rating_reasons": "slow 1",
    } == dict(today)
    assert len(dict(today)["ratings_by_level"].split(" · ")) == 5  # the simulated day rates too
    assert page.locator('#today-figures tr[data-key="appointments_no_show"] th').inner_text() == "Không đến"
    page.screenshot(path=str(out / "hub-center-vi.png"), full_page=True)
    page.click('button[data-by="week"]')
    page.wait_for_selector('#trends tbody tr[data-start="2025-07-14"]')
    assert rows.count() == 26 and rows.nth(0).locator("td").nth(0).inner_text() == "Tuần từ 2026-01-05"
    page.click('button[data-by="month"]')
    page.wait_for_selector('#trends tbody tr[data-start="2025-02-01"]')
    assert [rows.nth(i).locator("td").nth(0).inner_text() for i in (0, 1)] == ["2026-01", "2025-12"]
    with page.expect_download() as info:
        page.click('[data-csv="trends"]')
    data = Path(info.value.path()).read_bytes()
    assert info.value.suggested_filename == "HN-BADINH-month.csv"
    assert data.startswith(b"\xef\xbb\xbf" + "Kỳ / Period,".encode())
    assert b"\r\n2026-01-01," in data  # the period by its first day

    # fleet alarms and devices not ok
    page.click("nav a[href^='/alarms']")
    page.wait_for_selector("#alarms tbody tr")
    kinds = page.locator("#alarms tbody tr").evaluate_all(
        "rows => rows.map(r => [r.dataset.center, r.dataset.kind, r.className])"
    )
    assert ["HN-HOANKIEM", "center_offline", "open"] in kinds
    assert ["HN-CAUGIAY", "locker_nearly_full", "open"] in kinds
    states = [k[2] for k in kinds]
    assert states == sorted(states, key=lambda s: s != "open")  # open ones first
    assert ["HN-CAUGIAY", "board_unreachable", "ended"] in kinds
    offline = page.locator('#alarms tr[data-kind="center_offline"] td')
    assert [offline.nth(i).inner_text() for i in (1, 4, 5)] == ["Trung tâm mất liên lạc", "Đang mở", "14"]
    printer = page.locator('#devices tr[data-device="kiosk k1 printer"] td')
    assert printer.nth(3).inner_text() == "hết giấy"
    page.screenshot(path=str(out / "hub-alarms-vi.png"), full_page=True)
    with page.expect_download() as info:
        page.click('[data-csv="alarms"]')
    assert Path(info.value.path()).read_bytes().startswith(b"\xef\xbb\xbf")

    # the same in English
    page.click("#lang")
    page.wait_for_selector("#alarms tbody tr")
    assert page.locator("h1").inner_text() == "Fleet alarms"
    assert (
        page.locator('#alarms tr[data-kind="locker_nearly_full"] td').nth(1).inner_text()
        == "Locker nearly full"
    )
    assert printer.nth(3).inner_text() == "paper out"
    page.screenshot(path=str(out / "hub-alarms-en.png"), full_page=True)
    page.goto(f"{hub.url}/?lang=en")
    page.wait_for_selector("#overview tbody tr")
    page.screenshot(path=str(out / "hub-overview-en.png"), full_page=True)
    page.goto(f"{hub.url}/centers/HN-BADINH?lang=en")
    page.wait_for_selector("#trends tbody tr")
    assert page.locator("th").nth(4).inner_text() == "Share over wait target"
    page.screenshot(path=str(out / "hub-center-en.png"), full_page=True)
    assert errors == [], errors
    page.close()
