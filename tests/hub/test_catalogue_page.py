"""The catalogue editor in headless Chromium: Vietnamese first, supervisor sign-in (a wrong code
is refused), an edit saved reaches what a center pulls, a bad one is refused with the field named,
a center's own holidays; screenshots to the test's tmp dir."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
import requests

from common.chromium import CHROMIUM, HEADLESS_ARGS
from common.clock import ManualClock
from tests.harness import HubServer
from tests.hub.conftest import bearer, tokens
from tests.hub.test_catalogue_api import PIN, catalogue, hub, session, supervisor

__all__ = ["hub"]  # the fixture with the test's own key file


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=HEADLESS_ARGS)
        yield b
        b.close()


def pulled(hub: HubServer, token: str) -> dict[str, Any]:
    r = requests.get(f"{hub.url}/api/v1/catalogue", headers=bearer(token), timeout=10)
    assert r.status_code == 200, r.text
    return dict(r.json()["catalogue"])


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed (make sysdeps)")
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
