"""The catalogue editor in headless Chromium: Vietnamese first, supervisor sign-in (a wrong code
is refused), an edit saved reaches what a center pulls, a bad one is refused with the field named,
a center's own holidays; screenshots to the test's tmp dir."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyotp
import pytest
import requests

from common.clock import ManualClock
from tests.harness import HubServer
from tests.hub.conftest import bearer, tokens
from tests.hub.test_catalogue_api import PIN, catalogue, hub, session, supervisor

__all__ = ["hub"]  # the fixture with the test's own key file


def pulled(hub: HubServer, token: str) -> dict[str, Any]:
    r = requests.get(f"{hub.url}/api/v1/catalogue", headers=bearer(token), timeout=10)
    assert r.status_code == 200, r.text
    return dict(r.json()["catalogue"])


@pytest.mark.browser
def test_catalogue_editor_page(
    browser: Any, hub: HubServer, database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    t = tokens(database_url, "HN-01", "HN-02")
    secret = supervisor(database_url, tmp_path)
    sv = session(hub, clock, secret)
    assert requests.put(f"{hub.url}/api/v1/catalogue/all", json={"document": catalogue()}, headers=sv).ok
    clock.advance(30)  # a new authenticator code for the page's sign-in
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and "401" not in m.text and "422" not in m.text
            else None
        ),
    )
    page.goto(hub.url + "/catalogue")
    assert page.locator("h1").inner_text() == "Danh mục dịch vụ dùng chung / Central catalogue"
    page.fill("#sv-name", "sv01")
    page.fill("#sv-pin", PIN)
    page.fill("#sv-totp", "000000")
    page.click("#signin button[type=submit]")
    page.wait_for_selector("#signin-error:not([hidden])")
    assert page.locator("#signin-error").inner_text().startswith("Sai tên, mã PIN hoặc mã xác thực")
    page.screenshot(path=str(tmp_path / "catalogue-signin.png"))
    page.fill("#sv-pin", PIN)
    page.fill("#sv-totp", pyotp.TOTP(secret).at(clock.now()))
    page.click("#signin button[type=submit]")
    page.wait_for_selector("#editor:not([hidden])")
    page.wait_for_selector("#services tbody tr")
    assert page.locator("#services tbody tr").count() == len(catalogue()["services"])
    assert page.locator("#audit tbody tr").count() >= 1
    # rename the first service and give it prefix H: the centers pull it
    first = page.locator("#services tbody tr").first
    first.locator("input[data-field=name_vi]").fill("Hộ tịch – Khai sinh")
    first.locator("input[data-field=prefix]").fill("H")
    page.click("#save")
    page.wait_for_selector("#result.ok")
    assert page.locator("#result").inner_text().startswith("Đã lưu phiên bản")
    service = pulled(hub, t["HN-01"])["services"][0]
    assert (service["name_vi"], service["prefix"], service["name_en"]) == (
        "Hộ tịch – Khai sinh",
        "H",
        "Civil status registration",
    )
    assert service["policy"] == catalogue()["services"][0]["policy"]  # fields not shown are kept
    # a bad prefix is refused with the field named; nothing changes
    first.locator("input[data-field=prefix]").fill("hh")
    page.click("#save")
    page.wait_for_selector("#result.error")
    assert "services.0.prefix" in page.locator("#result").inner_text()
    page.screenshot(path=str(tmp_path / "catalogue-refused.png"), full_page=True)
    assert pulled(hub, t["HN-01"])["services"][0]["prefix"] == "H"
    # HN-01's own holidays: only HN-01's catalogue changes
    page.select_option("#scope", "HN-01")
    page.wait_for_selector("section[data-key=holidays].inherited")
    page.check("section[data-key=holidays] .own input")
    page.fill("#holidays", "2026-04-30\n2026-05-01")
    page.click("#save")
    page.wait_for_selector("#result.ok")
    assert pulled(hub, t["HN-01"])["holidays"] == ["2026-04-30", "2026-05-01"]
    assert pulled(hub, t["HN-02"])["holidays"] == []
    assert page.locator("#centers tr[data-center=HN-01] td").nth(1).inner_text() == "Có / Yes"
    assert page.locator("section[data-key=services].inherited").count() == 1
    page.screenshot(path=str(tmp_path / "catalogue-center.png"), full_page=True)
    assert not errors, errors


@pytest.mark.browser
def test_editor_saves_a_centers_differences_and_shows_the_merge(
    browser: Any, hub: HubServer, database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    t = tokens(database_url, "HN-01")
    secret = supervisor(database_url, tmp_path)
    sv = session(hub, clock, secret)
    assert requests.put(f"{hub.url}/api/v1/catalogue/all", json={"document": catalogue()}, headers=sv).ok
    clock.advance(30)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(hub.url + "/catalogue")
    page.fill("#sv-name", "sv01")
    page.fill("#sv-pin", PIN)
    page.fill("#sv-totp", pyotp.TOTP(secret).at(clock.now()))
    page.click("#signin button[type=submit]")
    page.wait_for_selector("#editor:not([hidden])")
    assert page.locator("#merged").is_hidden()  # all centers: nothing to merge
    page.select_option("#scope", "HN-01")
    page.wait_for_selector("#merged:not([hidden]) #merged-services tbody tr")
    assert page.locator("#merge-rule").inner_text().startswith("Phần riêng của trung tâm chỉ ghi")
    assert page.locator("#merged-services tbody tr").count() == 5
    # HN-01 caps land registry at 40, drops tu_phap, closes on Saturdays
    page.check("section[data-key=services] .own input")
    rows = page.locator("#services tbody tr")
    codes = [rows.nth(i).locator("input[data-field=code]").input_value() for i in range(rows.count())]
    rows.nth(codes.index("dat_dai")).locator("input[data-field=daily_cap_tickets]").fill("40")
    rows.nth(codes.index("tu_phap")).locator("button.remove").click()
    page.check("section[data-key=hours] .own input")
    page.fill("#hours input[data-day=sat]", "")
    page.click("#preview")
    page.wait_for_selector('#merged-services tr.removed[data-code="tu_phap"]')
    cap = page.locator('#merged-services tr[data-code="dat_dai"] td').nth(4)
    assert cap.inner_text() == "40" and cap.get_attribute("class") == "differs"
    assert "Thứ Bảy / Saturday: nghỉ cả ngày / closed all day" in page.locator("#merged-hours").inner_text()
    assert pulled(hub, t["HN-01"])["services"][1]["daily_cap_tickets"] == 150  # a preview saves nothing
    page.click("#save")
    page.wait_for_selector("#result.ok")
    stored = requests.get(f"{hub.url}/api/v1/catalogue/centers/HN-01", headers=sv, timeout=10).json()
    assert stored["document"] == {
        "services": [{"code": "dat_dai", "daily_cap_tickets": 40}, {"code": "tu_phap", "removed": True}],
        "hours": {"sat": []},
    }
    got = pulled(hub, t["HN-01"])
    assert [s["code"] for s in got["services"]] == ["ho_tich", "dat_dai", "kinh_doanh", "nhan_ket_qua"]
    assert got["services"][1]["daily_cap_tickets"] == 40 and got["hours"]["sat"] == []
    assert got["hours"]["mon"] == catalogue()["hours"]["mon"]
    assert page.locator("section[data-key=holidays].inherited").count() == 1
    out = Path(os.environ.get("HUB_SCREENS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / "hub-catalogue-center.png"), full_page=True)
    page.close()
