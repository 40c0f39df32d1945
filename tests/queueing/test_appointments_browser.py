"""The booking pages in headless Chromium on a phone-sized screen: service -> day -> free time ->
phone number -> the booking's page with its code and QR; cancel from it; a full slot is said
clearly and the list refreshed. Screenshots in the test's tmp dir only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import requests

from common.clock import ManualClock
from tests.harness import MONDAY_9AM, QueueingServer, free_port
from tests.queueing.helpers import make_config

pytestmark = [
    pytest.mark.browser,
]

PHONE = {"width": 360, "height": 740}


@pytest.fixture(name="srv")
def srv_fixture(tmp_path: Path) -> Iterator[QueueingServer]:
    cfg = make_config(
        appointments={
            "id_hash_key_file": str(tmp_path / "id-hash.key"),
            "services": [{"code": "ho_tich", "slot_length_min": 20, "capacity_per_slot": 1}],
        }
    )
    with QueueingServer(cfg, tmp_path / "data", free_port(), ManualClock(MONDAY_9AM)) as server:
        yield server


def test_book_on_a_phone_then_cancel(browser: Any, srv: QueueingServer, tmp_path: Path) -> None:
    page = browser.new_page(viewport=PHONE)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{srv.url}/book")
    assert page.locator("h2").inner_text().startswith("Đặt lịch hẹn")
    assert "quý khách" in page.locator("main").inner_text()
    buttons = page.locator("#services button")
    assert buttons.count() == 1  # only the service with slots (ho_tich); land (dat_dai) takes none
    buttons.first.click()
    page.locator("#days button").first.click()  # today, Monday 05/01
    assert page.locator("#days button").first.inner_text().startswith("thứ Hai, 05/01")
    first_slot = page.locator("#slots button").first
    first_slot.wait_for()
    assert first_slot.inner_text().startswith("09:40")
    page.screenshot(path=str(tmp_path / "book-slots.png"), full_page=True)
    first_slot.click()
    page.fill("#phone", "0912 345 678")
    page.fill("#id_number", "001099012345")
    page.click("#submit")
    page.wait_for_url(f"{srv.url}/a/*")
    code = page.locator("#code").inner_text()
    assert len(code) == 6 and code.isdigit()
    assert "09:40 · 05/01/2026" in page.locator("#when").inner_text()
    assert "09:10" in page.locator("#window").inner_text() and "09:50" in page.locator("#window").inner_text()
    page.screenshot(path=str(tmp_path / "booking.png"), full_page=True)
    # the QR on the page is what the kiosk reads: the code behind the check-in prefix
    png = page.locator("#qr").screenshot()
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image is not None
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(image)
    assert text == f"LICHHEN:{code}"
    manage = page.url
    # the slot (capacity 1) is gone from the list on another phone; booking it anyway says so
    other = browser.new_page(viewport=PHONE)
    other.goto(f"{srv.url}/book")
    other.locator("#services button").first.click()
    other.locator("#days button").first.click()
    other.locator("#slots button").first.wait_for()
    assert other.locator("#slots button").first.inner_text().startswith("10:00")
    other.locator("#slots button").first.click()
    taken = requests.post(
        f"{srv.url}/api/v1/appointments",
        json={"service": "ho_tich", "start": "2026-01-05T10:00+07:00", "phone": "0987000001"},
        timeout=10,
    )
    assert taken.status_code == 201
    other.fill("#phone", "0912 000 222")
    other.click("#submit")
    err = other.locator("#err")
    err.wait_for()
    assert "vừa hết chỗ" in err.inner_text() and "fully booked" in err.inner_text()
    other.close()
    # cancel from the link
    page.goto(manage)
    page.click("#cancel")
    page.locator("#state-msg").wait_for()
    assert "đã được huỷ" in page.locator("#state-msg").inner_text()
    assert errors == []
    page.close()


def test_counter_console_shows_an_appointment_ticket(
    browser: Any, srv: QueueingServer, tmp_path: Path
) -> None:
    clock = srv.app.state.queue.clock
    kiosk = srv.kiosk_headers
    booked = requests.post(
        f"{srv.url}/api/v1/appointments",
        json={"service": "ho_tich", "start": "2026-01-05T09:40+07:00", "phone": "0912345679"},
        timeout=10,
    ).json()
    walk_in = requests.post(
        f"{srv.url}/api/v1/tickets", json={"service": "ho_tich"}, headers={"Idempotency-Key": "w1", **kiosk}
    ).json()
    clock.advance(20 * 60)  # 09:20
    ticket = requests.post(
        f"{srv.url}/api/v1/appointments/check-in", json={"code": booked["code"]}, headers=kiosk, timeout=10
    ).json()
    for t in (walk_in, ticket):
        requests.post(
            f"{srv.url}/api/v1/tickets/{t['ticket_id']}/confirm", json={"delivery": "printed"}, headers=kiosk
        ).raise_for_status()
    clock.advance(20 * 60)  # 09:40: the slot begins, the walk-in came first
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{srv.url}/counter")
    page.fill("#staff_id", "cb01")
    page.fill("#pin", "1111")
    page.click("#signin-form button[type=submit]")
    page.locator("#console").wait_for()
    page.click("#btn-next")
    page.wait_for_function(f"() => document.querySelector('#cur-num').textContent === {ticket['number']!r}")
    assert "Lịch hẹn 09:40" in page.locator("#cur-info").inner_text()
    page.screenshot(path=str(tmp_path / "counter-appointment.png"))
    page.close()


def test_book_page_says_when_nothing_can_be_booked(browser: Any, tmp_path: Path) -> None:
    cfg = make_config(appointments={"enabled": False, "id_hash_key_file": str(tmp_path / "k")})
    with QueueingServer(cfg, tmp_path / "data", free_port()) as server:
        page = browser.new_page(viewport=PHONE)
        page.goto(f"{server.url}/book")
        text = page.locator("#services").inner_text()
        assert "chưa có dịch vụ nào nhận đặt lịch" in text and "No service takes appointments" in text
        page.close()
