"""The counter console's pause dialog in headless Chromium (Debian's), against a real server on an
injected clock: it lists the configured reasons in both languages, cancels without pausing,
pauses for the reason tapped, says why and since when, and resumes. Screenshots to tmp_path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from common.clock import ManualClock
from queueing.screenshots import issue
from queueing.screenshots_pause import capture_pause
from tests.harness import MONDAY_9AM, QueueingServer, free_port
from tests.queueing.helpers import make_config
from tests.queueing.test_queue_browser import assert_real_picture

pytestmark = [
    pytest.mark.browser,
]


def test_the_pause_dialog_asks_why_and_the_console_says_it(browser: Any, tmp_path: Path) -> None:
    clock = ManualClock(MONDAY_9AM)
    with QueueingServer(make_config(), tmp_path / "data", free_port(), clock) as srv:
        url = srv.url
        issue(url, srv.kiosk_headers, "dat_dai")  # someone waits for counter 3
        page, shots = capture_pause(browser, url, tmp_path / "shots")
        for png in shots:
            assert_real_picture(png)

        # the paused console: why and since when (the server's clock, the center's time zone)
        info = page.inner_text("#pause-info")
        assert "Quầy đang tạm dừng: Nghỉ trưa, từ 09:00" in info
        assert "Paused: Lunch break, since 09:00" in info
        assert page.is_disabled("#btn-next") and page.is_disabled("#btn-call")
        assert "Tiếp tục" in page.inner_text("#btn-pause") and "Resume" in page.inner_text("#btn-pause")
        assert not page.is_visible("#pause-dialog")

        # a reload while paused shows the same
        page.reload()
        page.wait_for_selector("#pause-info:not(.hidden)")
        assert "Nghỉ trưa, từ 09:00" in page.inner_text("#pause-info")

        clock.advance(25 * 60)
        page.click("#btn-pause")  # resumes at once: no dialog
        page.wait_for_selector("#pause-info.hidden", state="attached")
        page.wait_for_function("() => !document.querySelector('#btn-next').disabled")
        assert not page.is_visible("#pause-dialog")

        # the dialog: every configured reason, Vietnamese first with English under it
        page.click("#btn-pause")
        page.wait_for_selector("#pause-dialog[open]")
        buttons = page.query_selector_all("#pause-reasons button")
        texts = [b.inner_text().split("\n") for b in buttons]
        assert texts == [
            ["Nghỉ trưa", "Lunch break"],
            ["Nghỉ giải lao", "Short break"],
            ["Họp", "Meeting"],
            ["Hỗ trợ quầy khác", "Helping another counter"],
            ["Tập huấn", "Training"],
            ["Việc khác", "Other"],
        ]
        assert page.evaluate("() => document.activeElement.dataset.reason") == "lunch"  # keyboard ready
        box = buttons[0].bounding_box()
        assert box is not None and box["height"] >= 57  # >= 15 mm at 96 dpi: a finger's target
        page.click("#pause-cancel")  # cancel: nothing paused
        assert not page.is_visible("#pause-dialog")
        page.click("#btn-pause")
        page.wait_for_selector("#pause-dialog[open]")
        page.keyboard.press("Escape")  # so does Escape
        assert not page.is_visible("#pause-dialog")
        with requests.Session() as boss:
            boss.post(f"{url}/api/v1/counter/sessions", json={"staff_id": "cb03", "pin": "3333"})
            report = boss.get(f"{url}/api/v1/reports/counter-time").json()
        row = report["rows"][0]
        assert (row["staff_id"], row["counter"]) == ("cb02", 3)
        assert row["paused_by_reason_min"] == {"lunch": 25.0}  # the tap, not the cancels
        assert row["idle_waiting_min"] == 0.0  # the clock has not moved since the resume

        # a refusal from the server shows on the console (another console paused it meanwhile)
        page.click("#btn-pause")
        page.wait_for_selector("#pause-dialog[open]")
        cookies = {c["name"]: c["value"] for c in page.context.cookies()}
        other = requests.post(
            f"{url}/api/v1/counter/pause",
            json={"paused": True, "reason": "meeting"},
            cookies=cookies,
            timeout=10,
        )
        assert other.ok
        page.click("#pause-reasons button[data-reason=training]")
        page.wait_for_selector("#msg:not(.hidden)")
        assert "resume it, then pause again" in page.inner_text("#msg")
        page.wait_for_selector("#pause-info:not(.hidden)")
        assert "Họp" in page.inner_text("#pause-info")


def test_the_reports_page_shows_time_paused_and_idle(browser: Any, tmp_path: Path) -> None:
    clock = ManualClock(MONDAY_9AM)
    with QueueingServer(make_config(), tmp_path / "data", free_port(), clock) as srv:
        url = srv.url
        with requests.Session() as desk:
            desk.post(
                f"{url}/api/v1/counter/sessions", json={"staff_id": "cb01", "pin": "1111", "counter": 4}
            )
            issue(url, srv.kiosk_headers, "kinh_doanh")  # 09:00 someone waits: idle
            clock.advance(5 * 60)
            desk.post(f"{url}/api/v1/counter/pause", json={"paused": True, "reason": "helping"})  # 5 min idle
            clock.advance(30 * 60)
            desk.post(f"{url}/api/v1/counter/pause", json={"paused": False})  # 30 min helping
            desk.post(f"{url}/api/v1/counter/call-next")
            clock.advance(10 * 60)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{url}/reports")
        page.fill("#staff_id", "cb03")
        page.fill("#pin", "3333")
        page.click("#signin-form button[type=submit]")
        page.wait_for_selector("#counter-time tr:nth-child(3)")
        head = page.inner_text("#counter-time tr:first-child")
        assert "Hỗ trợ quầy khác · Helping another counter" in head and "Idle while citizens waited" in head
        cells = [c.inner_text() for c in page.query_selector_all("#counter-time tr:nth-child(2) td")]
        #        officer, counter, open, paused, lunch, break, meeting, helping, training, other, idle, %
        assert cells == ["Nguyễn Văn An", "4", "45", "30", "0", "0", "0", "30", "0", "0", "5", "33.3"]
        assert page.inner_text("#counter-time tr:nth-child(3) td") == "Tổng · All"
        csv_link = page.get_attribute("#ct-csv", "href")
        assert csv_link == "/api/v1/reports/counter-time?day=2026-01-05&format=csv"
        page.click("#day-prev")  # another day: its own (empty) table
        page.wait_for_function("() => document.querySelectorAll('#counter-time tr').length === 2")
        page.click("#day-next")
        page.wait_for_selector("#counter-time tr:nth-child(3)")
        shot = tmp_path / "web-reports-counter-time.png"
        page.screenshot(path=str(shot), full_page=True)
        assert_real_picture(shot)
