"""Moving a booking on its manage page in headless Chromium on a phone-sized screen: change the
time → a day → a free time → confirm; a time taken meanwhile is said clearly (Vietnamese, then
English) and the list refreshed; the page comes back at the new time and the confirmation SMS
says it. Screenshots in the test's tmp dir only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from common.clock import ManualClock
from tests.harness import MONDAY_9AM, QueueingServer, free_port
from tests.queueing.helpers import make_config
from tests.queueing.test_appointment_sms import book, inbox, sms_of

pytestmark = [
    pytest.mark.browser,
]

PHONE = {"width": 360, "height": 740}
MON = "2026-01-05"


@pytest.fixture(name="srv")
def srv_fixture(tmp_path: Path) -> Iterator[QueueingServer]:
    cfg = make_config(
        appointments={
            "id_hash_key_file": str(tmp_path / "id-hash.key"),
            "services": [{"code": "ho_tich", "slot_length_min": 20, "capacity_per_slot": 1}],
            "sms": {"center_name": "TT HCC thu nghiem"},
        }
    )
    with QueueingServer(cfg, tmp_path / "data", free_port(), ManualClock(MONDAY_9AM)) as server:
        yield server


def test_move_a_booking_on_the_manage_page(browser: Any, srv: QueueingServer, tmp_path: Path) -> None:
    booking = book(srv, f"{MON}T10:00+07:00", phone="0912345678")
    page = browser.new_page(viewport=PHONE, locale="vi-VN")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(booking["manage_url"])
    assert "10:00 · 05/01/2026" in page.locator("#when").inner_text()
    assert "Đổi giờ hẹn" in page.locator("#move-open").inner_text()
    assert "Change the time" in page.locator("#move-open").inner_text()
    page.click("#move-open")
    page.locator("#move-days button").first.click()  # today
    slots = page.locator("#move-slots button")
    slots.first.wait_for()
    times = [t[:5] for t in slots.all_inner_texts()]
    assert times[0] == "09:40" and "10:00" not in times  # its own time is not offered
    # 11:00 is taken by another phone while this one looks at the list
    page.locator("#move-slots button", has_text="11:00").click()
    submit = page.locator("#move-submit")
    assert "Đổi sang 11:00 · 05/01" in submit.inner_text() and "Move to 11:00 · 05/01" in submit.inner_text()
    page.screenshot(path=str(tmp_path / "move-pick.png"), full_page=True)
    book(srv, f"{MON}T11:00+07:00", phone="0987000001")
    submit.click()
    err = page.locator("#move-err")
    err.wait_for()
    assert "vừa hết chỗ" in err.inner_text() and "fully booked" in err.inner_text()
    page.locator("#move-slots button", has_text="10:40").wait_for()
    assert "11:00" not in [t[:5] for t in page.locator("#move-slots button").all_inner_texts()]
    page.screenshot(path=str(tmp_path / "move-full.png"), full_page=True)
    page.locator("#move-slots button", has_text="10:40").click()
    page.click("#move-submit")
    page.wait_for_url("**?moved=1")
    assert "10:40 · 05/01/2026" in page.locator("#when").inner_text()
    assert page.locator("#code").inner_text() == booking["code"]
    moved = page.locator("#moved").inner_text()
    assert "Đã đổi giờ hẹn" in moved and "The time is changed" in moved
    assert "nhắc lịch" in page.locator("main").inner_text()  # the SMS and its reminders are said
    page.screenshot(path=str(tmp_path / "moved.png"), full_page=True)
    # the place at 10:00 is free again; the new confirmation names the new time
    free = requests.get(f"{srv.url}/api/v1/services/ho_tich/slots", params={"day": MON}, timeout=10).json()
    assert {s["start"][11:16]: s["free"] for s in free}["10:00"] == 1
    sms_of(srv).run_once()
    mine = [m["text"] for m in inbox(srv) if m["to"] == "+84912345678"]
    assert any("doi sang 10:40 ngay 05/01" in t for t in mine)
    assert errors == []
    page.close()
