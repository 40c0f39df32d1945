"""Counter console and display board in headless Chromium (Debian's), against the real server.

Also writes the screenshots docs/screens/web-*.png.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.conftest import REPO_ROOT, free_port
from tests.queueing.helpers import ServerProcess, make_config, wait_for

CHROMIUM = Path("/usr/bin/chromium")
SCREENS = REPO_ROOT / "docs" / "screens"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed (make sysdeps)"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield b
        b.close()


def issue(url: str, service: str = "ho_tich", key: str | None = None, **extra: Any) -> dict[str, Any]:
    h = {"Idempotency-Key": key or f"b{time.monotonic_ns()}"}
    t = requests.post(
        f"{url}/api/v1/tickets", json={"service": service, **extra}, headers=h, timeout=10
    ).json()
    requests.post(f"{url}/api/v1/tickets/{t['ticket_id']}/confirm", json={"delivery": "printed"}, timeout=10)
    return dict(t)


def sign_in(page: Any, url: str, staff: str, pin: str, counter: int) -> None:
    page.goto(f"{url}/counter")
    page.fill("#staff_id", staff)
    page.fill("#pin", pin)
    page.select_option("#counter", str(counter))
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#console:not(.hidden)")


def test_console_call_appears_on_board_and_voice_never_overlaps(browser: Any, tmp_path: Path) -> None:
    with ServerProcess(make_config(), tmp_path, free_port()) as srv:
        url = srv.url
        for i, svc in enumerate(["ho_tich", "ho_tich", "ho_tich", "tu_phap", "dat_dai"]):
            issue(url, svc, priority="elderly" if i == 2 else None)
        board = browser.new_page(viewport={"width": 1280, "height": 720})
        board.goto(f"{url}/display")
        board.wait_for_function("window.board && window.board.connected")
        board.evaluate("() => { voice.rate = 3; }")  # same order and gaps, less waiting
        local = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))
        shown = board.inner_text("#clock")
        assert shown in {f"{t:%H:%M}" for t in (local, local - timedelta(minutes=1))}, shown
        console = browser.new_page(viewport={"width": 1280, "height": 800})
        sign_in(console, url, "cb01", "1111", 1)
        console.wait_for_selector("#queues h3")

        with console.expect_response("**/api/v1/counter/call-next") as resp:
            console.click("#btn-next")
        called = resp.value.json()
        board.wait_for_function(
            "n => document.querySelector('#latest-num').textContent === n", arg=called["number"], timeout=1000
        )
        assert called["priority"] == "elderly"  # the elderly ticket jumps ahead under "aging"
        console.wait_for_function(
            "n => document.querySelector('#cur-num').textContent === n", arg=called["number"]
        )

        # a second counter calls at the same moment: both are announced, one after the other
        other = requests.Session()
        other.post(f"{url}/api/v1/counter/sessions", json={"staff_id": "cb02", "pin": "2222", "counter": 2})
        second = other.post(f"{url}/api/v1/counter/call-next").json()
        board.wait_for_function(
            "n => document.querySelector('#calls').textContent.includes(n)",
            arg=second["number"],
            timeout=1000,
        )
        board.wait_for_function("() => voice.log.length >= 2", timeout=20000)
        spoken = board.evaluate("() => voice.log")
        assert [s["number"] for s in spoken[:2]] == [called["number"], second["number"]]
        assert spoken[1]["start"] >= spoken[0]["end"], "announcements overlapped"

        console.click("#btn-start")
        console.wait_for_function(
            "() => document.querySelector('#cur-info').textContent.includes('Đang phục vụ')"
        )
        SCREENS.mkdir(parents=True, exist_ok=True)
        console.screenshot(path=str(SCREENS / "web-counter.png"))
        board.screenshot(path=str(SCREENS / "web-display.png"))

        phone = browser.new_page(viewport={"width": 390, "height": 760})
        mine = issue(url, "ho_tich")
        phone.goto(mine["status_url"])
        phone.wait_for_function("() => document.querySelector('#num').textContent.startsWith('A')")
        phone.screenshot(path=str(SCREENS / "web-ticket.png"))
        phone.goto(f"{url}/remote")
        phone.wait_for_selector("#services button")
        phone.screenshot(path=str(SCREENS / "web-remote.png"))
        poster = browser.new_page(viewport={"width": 800, "height": 1000})
        poster.goto(f"{url}/remote/poster")
        poster.wait_for_selector("#qr")
        poster.screenshot(path=str(SCREENS / "web-poster.png"))
        reports = browser.new_page(viewport={"width": 1280, "height": 720})
        reports.context.clear_cookies()
        console.click("#btn-finish")
        reports.goto(f"{url}/reports")
        reports.wait_for_selector("#signin:not(.hidden)")
        reports.fill("#staff_id", "cb03")
        reports.fill("#pin", "3333")
        reports.click("#signin-form button[type=submit]")
        reports.wait_for_selector("#report:not(.hidden) #table tr:nth-child(2)")
        reports.screenshot(path=str(SCREENS / "web-reports.png"))

        # the console's other buttons: call a typed number, transfer it, pause and resume
        console.fill("#call-number", mine["number"].lower())
        console.press("#call-number", "Enter")
        console.wait_for_function(
            "n => document.querySelector('#cur-num').textContent === n", arg=mine["number"]
        )
        console.select_option("#transfer-to", "dat_dai")
        console.click("#btn-transfer")
        console.wait_for_function("() => document.querySelector('#cur-num').textContent === '—'")
        moved = requests.get(f"{url}/t/{mine['ticket_id']}", allow_redirects=False)
        assert moved.status_code == 303
        console.click("#btn-pause")
        console.wait_for_function("() => document.querySelector('#btn-next').disabled")
        assert "Tiếp tục" in console.inner_text("#btn-pause")
        console.click("#btn-pause")
        console.wait_for_function("() => !document.querySelector('#btn-next').disabled")


def test_board_recovers_after_server_restart(browser: Any, tmp_path: Path) -> None:
    srv = ServerProcess(make_config(), tmp_path, free_port())
    srv.start()
    try:
        url = srv.url
        board = browser.new_page()
        board.goto(f"{url}/display")
        board.wait_for_function("window.board && window.board.connected")
        srv.stop()
        board.wait_for_function("!window.board.connected", timeout=10000)
        srv.start()
        board.wait_for_function("window.board.connected", timeout=15000)
        t = issue(url, "kinh_doanh")
        desk = requests.Session()
        desk.post(f"{url}/api/v1/counter/sessions", json={"staff_id": "cb01", "pin": "1111", "counter": 4})
        assert desk.post(f"{url}/api/v1/counter/call-next").json()["number"] == t["number"]
        board.wait_for_function(
            "n => document.querySelector('#latest-num').textContent === n", arg=t["number"], timeout=3000
        )
        wait_for(lambda: board.evaluate("window.board.waiting.kinh_doanh || 0") == 0, 5, "waiting count")
    finally:
        srv.stop()
