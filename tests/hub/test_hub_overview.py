"""The province overview page in headless Chromium: Vietnamese first, a reader token asked once,
every center's day from the rollups, offline centers marked, sortable; /api/v1/overview behind it."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from common.clock import ManualClock
from tests.harness import HubServer
from tests.hub.conftest import DAY, bearer, tokens
from tests.hub.test_hub_api import ev, post


def fill(hub: HubServer, database_url: str, clock: ManualClock) -> dict[str, str]:
    t = tokens(database_url, "HN-01", "HN-02", "HN-03")
    post(hub, t["HN-01"], [ev(1), ev(2), ev(3), ev(4, "ticket.called", wait_s=600.0), ev(5, "ticket.served"),
         ev(6, "ticket.rated", rating=4), ev(7, "ticket.rated", rating=5)])  # fmt: skip
    post(hub, t["HN-02"], [ev(1), ev(2, "alarm.raised", alarm="door_forced")])
    clock.advance(120)  # HN-01 and HN-02 were last seen 2 minutes ago: offline
    requests.post(f"{hub.url}/api/v1/heartbeat", json={"waiting_now": 7}, headers=bearer(t["HN-02"]))
    return t


def test_overview_api(hub: HubServer, database_url: str, clock: ManualClock) -> None:
    t = fill(hub, database_url, clock)
    got = requests.get(f"{hub.url}/api/v1/overview", params={"day": DAY}, headers=bearer(t["reader"])).json()
    by_id = {c["center_id"]: c for c in got["centers"]}
    assert (by_id["HN-01"]["tickets_issued"], by_id["HN-01"]["tickets_served"]) == (3, 1)
    assert by_id["HN-01"]["mean_wait_s"] == 600.0 and by_id["HN-01"]["status"] == "offline"
    assert by_id["HN-01"]["mean_rating"] == 4.5 and by_id["HN-02"]["mean_rating"] is None
    assert by_id["HN-02"]["status"] == "online" and by_id["HN-02"]["alarms_open"] == 1
    assert by_id["HN-03"]["status"] == "never_seen" and by_id["HN-03"]["tickets_issued"] == 0
    assert requests.get(f"{hub.url}/api/v1/overview", headers=bearer(t["HN-01"])).status_code == 403


@pytest.mark.browser
def test_overview_page(browser: Any, hub: HubServer, database_url: str, clock: ManualClock) -> None:
    t = fill(hub, database_url, clock)
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "401" not in m.text else None)
    page.goto(hub.url + "/")
    assert page.locator("h1").inner_text() == "Tổng quan các trung tâm"
    page.fill("#token", "wrong")
    page.click("#signin button")
    page.wait_for_selector("#error:not([hidden])")
    assert page.locator("#error").inner_text().startswith("Mã truy cập không đúng")
    page.fill("#token", t["reader"])
    page.click("#signin button")
    page.wait_for_selector("#overview tbody tr")
    rows = page.locator("#overview tbody tr")
    assert rows.count() == 3
    first = rows.nth(0).locator("td")
    assert first.nth(0).inner_text() == "Trung tâm HN-01 (HN-01)"
    assert first.nth(1).inner_text() == "Mất liên lạc"
    assert [first.nth(i).inner_text() for i in (3, 4, 5, 6, 7)] == ["3", "1", "10.0", "0 %", "4.5"]
    assert rows.nth(1).locator("td").nth(1).inner_text() == "Trực tuyến"
    assert rows.nth(1).locator("td").nth(2).inner_text() == "7"
    # sort by tickets issued, then again (descending)
    page.click('th[data-key="tickets_issued"]')
    page.click('th[data-key="tickets_issued"]')
    assert rows.nth(0).get_attribute("data-center") == "HN-01"
    assert page.locator('th[data-key="tickets_issued"]').get_attribute("aria-sort") == "descending"
    # the token stays for the tab: a reload shows the table at once
    page.reload()
    page.wait_for_selector("#overview tbody tr")
    # in English, and each center leads to its page
    page.click("#lang")
    page.wait_for_selector("#overview tbody tr")
    assert page.locator("h1").inner_text() == "Centers overview"
    assert page.locator('tr[data-center="HN-01"] td').nth(1).inner_text() == "Offline"
    page.click('tr[data-center="HN-01"] a')
    page.wait_for_selector("#trends tbody tr")
    assert page.url.endswith("/centers/HN-01?lang=en")
    assert errors == [], errors
    page.close()
