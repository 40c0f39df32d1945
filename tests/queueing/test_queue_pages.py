"""The phone and staff pages in headless Chromium as issue 13 found them wanting: rating stars
without words wrapping 3+1+1 on a phone, "Please go to counter" without the number, the board's
🔇 drawn as an empty box, a reports date field in the browser's locale, a 404 for /favicon.ico
on every page, and "bạn" where the kiosk says "quý khách".
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from queueing.screenshots import issue
from tests.harness import QueueingServer, free_port
from tests.queueing.helpers import make_config

pytestmark = [
    pytest.mark.browser,
]

PHONE = {"width": 360, "height": 740}
WORDS = ["Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng", "Rất không hài lòng"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QueueingServer]:
    with QueueingServer(make_config(), tmp_path_factory.mktemp("pages"), free_port()) as srv:
        yield srv


def desk(url: str, staff: str = "cb01", pin: str = "1111", counter: int = 1) -> requests.Session:
    s = requests.Session()
    s.post(
        f"{url}/api/v1/counter/sessions", json={"staff_id": staff, "pin": pin, "counter": counter}
    ).raise_for_status()
    return s


def watch_404s(page: Any) -> list[str]:
    """URLs answered 404 while the page loads (favicon included)."""
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    return missing


def test_rating_rows_have_words_and_never_wrap_on_a_360_px_phone(
    browser: Any, server: QueueingServer, tmp_path: Path
) -> None:
    t = issue(server.url, server.kiosk_headers, "ho_tich")
    counter = desk(server.url)
    assert counter.post(f"{server.url}/api/v1/counter/call-next").json()["ticket_id"] == t["ticket_id"]
    counter.post(f"{server.url}/api/v1/counter/finish").raise_for_status()
    phone = browser.new_page(viewport=PHONE)
    missing = watch_404s(phone)
    phone.goto(f"{server.url}/t/{t['ticket_id']}")
    phone.wait_for_selector("#rate:not(.hidden) .stars button")
    phone.screenshot(path=str(tmp_path / "rating-360.png"), full_page=True)  # looked at by hand
    rows = phone.evaluate(
        """() => [...document.querySelectorAll('#rate .stars button')].map(b => {
            const r = b.getBoundingClientRect();
            const icons = [...b.querySelectorAll('.icons img')].map(i => i.getBoundingClientRect());
            return {score: +b.dataset.score, text: b.innerText, top: r.top, bottom: r.bottom,
                    left: r.left, right: r.right, iconTops: icons.map(i => Math.round(i.top)),
                    iconsLoaded: [...b.querySelectorAll('.icons img')]
                      .every(i => i.complete && i.naturalWidth > 0)};
        })"""
    )
    assert [r["score"] for r in rows] == [5, 4, 3, 2, 1]
    for row, vi in zip(rows, WORDS, strict=True):
        assert row["text"].startswith(vi), row["text"]
        assert len(set(row["iconTops"])) == 1, f"the stars of {row['score']} wrap: {row['iconTops']}"
        assert row["iconsLoaded"]
        assert row["left"] >= 0 and row["right"] <= PHONE["width"]
    assert "Very satisfied" in rows[0]["text"] and "Very dissatisfied" in rows[4]["text"]
    for above, below in zip(rows, rows[1:], strict=False):
        assert below["top"] >= above["bottom"], "rows overlap"
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    phone.click("#rate button[data-score='5']")
    phone.wait_for_function("() => document.querySelector('#rate').innerText.includes('Cảm ơn quý khách')")
    assert requests.get(f"{server.url}/api/v1/tickets/{t['ticket_id']}", timeout=5).json()["rating"] == 5
    assert missing == [], missing  # no /favicon.ico 404 either
    phone.close()


def test_status_lines_carry_the_counter_and_the_advice(browser: Any, server: QueueingServer) -> None:
    t = issue(server.url, server.kiosk_headers, "dat_dai")
    counter = desk(server.url, "cb02", "2222", 3)
    assert counter.post(f"{server.url}/api/v1/counter/call-next").json()["ticket_id"] == t["ticket_id"]
    phone = browser.new_page(viewport=PHONE)
    phone.goto(f"{server.url}/t/{t['ticket_id']}")
    phone.wait_for_function("() => document.querySelector('#state').innerText.includes('quầy')")
    state = phone.inner_text("#state").replace("\u00a0", " ")
    assert "Mời quý khách đến quầy 3" in state and "Please go to counter 3" in state
    # on common phone widths the line wraps, but the number stays on the line of its word "quầy"
    for width in (360, 375, 390, 412):
        phone.set_viewport_size({"width": width, "height": 740})
        tops = phone.evaluate(
            """() => {
                const node = document.querySelector('#state').firstChild;
                const text = node.textContent.trimEnd();
                const top = (i, n) => {
                    const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + n);
                    return Math.round(r.getClientRects()[0].top);
                };
                return [top(text.indexOf('quầy'), 4), top(text.length - 1, 1)];
            }"""
        )
        assert tops[0] == tops[1], f"{width} px: the counter number wrapped away from 'quầy': {tops}"
    console = browser.new_page()  # the same counter, recalled once: the pill says it in both languages
    cookies = [{"name": k, "value": v, "url": server.url} for k, v in counter.cookies.items()]
    console.context.add_cookies(cookies)
    counter.post(f"{server.url}/api/v1/counter/recall").raise_for_status()
    console.goto(f"{server.url}/counter")
    console.wait_for_function("() => document.querySelector('#cur-info').innerText.includes('lần')")
    pill = console.inner_text("#cur-info .pill")
    assert "gọi 2 lần" in pill and "called 2×" in pill, pill
    console.close()
    counter.post(f"{server.url}/api/v1/counter/no-show").raise_for_status()
    phone.reload()
    phone.wait_for_function("() => document.querySelector('#state').innerText.includes('vắng')")
    state = phone.inner_text("#state")
    assert "hỏi tại bàn hướng dẫn" in state and "ask at the information desk" in state
    body = phone.inner_text("body")
    assert "bạn" not in body.lower()
    phone.goto(f"{server.url}/t/no-such-ticket")
    phone.wait_for_selector("#err:not(.hidden)")
    err = phone.inner_text("#err")
    assert err.startswith("Không tìm thấy vé này") and "No such ticket" in err  # Vietnamese first
    phone.close()


def test_void_text_gives_the_same_advice_in_both_languages(browser: Any, server: QueueingServer) -> None:
    r = requests.post(
        f"{server.url}/api/v1/tickets",
        json={"service": "ho_tich"},
        headers={**server.kiosk_headers, "Idempotency-Key": "void-me"},
    )
    tid = r.json()["ticket_id"]
    requests.post(
        f"{server.url}/api/v1/tickets/{tid}/void", json={}, headers=server.kiosk_headers
    ).raise_for_status()
    phone = browser.new_page(viewport=PHONE)
    phone.goto(f"{server.url}/t/{tid}")
    phone.wait_for_function("() => document.querySelector('#state').innerText.includes('huỷ')")
    state = phone.inner_text("#state")
    assert "lấy số mới" in state and "take a new one" in state
    phone.close()


def test_board_sound_icon_is_a_picture_not_a_missing_glyph(browser: Any, server: QueueingServer) -> None:
    board = browser.new_page(viewport={"width": 1280, "height": 720})
    missing = watch_404s(board)
    board.goto(f"{server.url}/display")
    board.wait_for_function("() => window.board && window.board.connected")
    board.wait_for_function("() => { const i = document.querySelector('#sound img'); return i.complete; }")
    assert board.evaluate("() => document.querySelector('#sound img').naturalWidth") > 0
    assert "🔇" not in board.inner_html("#sound")
    assert missing == [], missing
    board.close()


def test_reports_day_is_dd_mm_yyyy_in_an_english_browser(browser: Any, server: QueueingServer) -> None:
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 720})
    page = context.new_page()
    missing = watch_404s(page)
    page.goto(f"{server.url}/reports")
    page.wait_for_selector("#signin:not(.hidden)")
    page.fill("#staff_id", "cb03")
    page.fill("#pin", "3333")
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#report:not(.hidden)")
    page.wait_for_function("() => document.querySelector('#day').value !== ''")
    assert page.input_value("#day") == "05/01/2026"  # the server's day (ManualClock: Mon 5 Jan 2026)
    assert page.get_attribute("#day", "type") == "text"
    heads = page.eval_on_selector_all("#table th", "els => els.map(e => e.innerText)")
    assert len(heads) == 12 and all(" · " in h for h in heads), heads  # Vietnamese · English, every one
    with page.expect_response(lambda r: "/api/v1/reports?day=2026-01-04&" in r.url):
        page.click("#day-prev")
    assert page.input_value("#day") == "04/01/2026"
    page.fill("#day", "31/02/2026")
    page.press("#day", "Enter")
    page.wait_for_selector("#err:not(.hidden)")
    assert "dd/mm/yyyy" in page.inner_text("#err") and page.inner_text("#err").startswith("Ngày phải")
    with page.expect_response(lambda r: "/api/v1/reports?day=2026-01-03&" in r.url):
        page.fill("#day", "3/1/2026")
        page.press("#day", "Enter")
    assert page.input_value("#day") == "03/01/2026"
    page.wait_for_selector("#err.hidden", state="attached")
    assert missing == [], missing
    context.close()


def test_favicon_is_served(server: QueueingServer) -> None:
    r = requests.get(f"{server.url}/favicon.ico", timeout=5)
    assert r.status_code == 200 and r.headers["content-type"] == "image/x-icon"
    assert r.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
