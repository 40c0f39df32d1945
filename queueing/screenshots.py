"""Regenerate the web screenshots: `python -m queueing.screenshots --out docs/screens`.

Starts a queueing service on a free loopback port (shipped config, open all hours, a throw-away
database), drives Debian's headless Chromium through a short demo (tickets issued, a counter
calls and serves, a phone follows its ticket, the reports page) and writes `web-counter.png`,
`web-display.png`, `web-ticket.png`, `web-remote.png`, `web-poster.png`, `web-reports.png`, then
`web-display-sound-off.png`: the board in a second Chromium started WITHOUT the autoplay flag (an
ordinary browser), which shows the amber "sound is off — tap to turn on" banner, and
`web-ticket-rating.png`: the served citizen's status page on a 360 px phone, asking for a rating,
and `web-book.png` / `web-booking.png`: booking an appointment on a phone and the booking's page,
and `web-counter-pause.png` / `web-counter-paused.png`: the console's pause reasons and a paused
console.
Tests never write into the repository; this explicit command does.
"""

from __future__ import annotations

import logging
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

from common.chromium import HEADLESS_ARGS, screenshot_args

log = logging.getLogger(__name__)

SHOTS = (
    "web-counter",
    "web-display",
    "web-ticket",
    "web-remote",
    "web-poster",
    "web-reports",
    "web-display-sound-off",
    "web-ticket-rating",
    "web-book",
    "web-booking",
    "web-counter-pause",  # queueing.screenshots_pause
    "web-counter-paused",
)
AUTOPLAY_FLAG = "--autoplay-policy=no-user-gesture-required"
CHROMIUM_ARGS = [*HEADLESS_ARGS, AUTOPLAY_FLAG]


def issue(url: str, kiosk: dict[str, str], service: str, priority: str | None = None) -> dict[str, Any]:
    """Take a kiosk ticket over the API (`kiosk`: the kiosk token header) and confirm it as printed."""
    body: dict[str, Any] = {"service": service, **({"priority": priority} if priority else {})}
    h = {"Idempotency-Key": f"shot-{time.monotonic_ns()}", **kiosk}
    resp = requests.post(f"{url}/api/v1/tickets", json=body, headers=h, timeout=10)
    resp.raise_for_status()
    t: dict[str, Any] = resp.json()
    requests.post(
        f"{url}/api/v1/tickets/{t['ticket_id']}/confirm",
        json={"delivery": "printed"},
        headers=kiosk,
        timeout=10,
    )
    return t


def kiosk_headers(data_dir: Path) -> dict[str, str]:
    """The kiosk token header of a service started on `data_dir` (kiosk.token, made at start)."""
    return {"Authorization": f"Bearer {(data_dir / 'kiosk.token').read_text(encoding='utf-8').strip()}"}


def sign_in(page: Any, url: str, staff: str, pin: str, counter: int) -> None:
    """Sign in on the counter console page and wait for the console."""
    page.goto(f"{url}/counter")
    page.fill("#staff_id", staff)
    page.fill("#pin", pin)
    page.select_option("#counter", str(counter))
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#console:not(.hidden)")


def capture(browser: Any, url: str, kiosk: dict[str, str], out: Path) -> list[Path]:
    """Run the demo against the service at `url` and write the screenshots into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    for i, svc in enumerate(["ho_tich", "ho_tich", "ho_tich", "tu_phap", "dat_dai"]):
        issue(url, kiosk, svc, priority="elderly" if i == 2 else None)
    board = browser.new_page(viewport={"width": 1280, "height": 720})
    board.goto(f"{url}/display")
    # a function, not an expression: Playwright polls an expression with eval, which the CSP forbids
    board.wait_for_function("() => window.board && window.board.connected")
    console = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(console, url, "cb01", "1111", 1)
    console.wait_for_selector("#queues h3")
    with console.expect_response("**/api/v1/counter/call-next") as resp:
        console.click("#btn-next")
    called = resp.value.json()
    board.wait_for_function(
        "n => document.querySelector('#latest-num').textContent === n", arg=called["number"], timeout=5000
    )
    console.click("#btn-start")
    console.wait_for_function(
        "() => document.querySelector('#cur-info').textContent.includes('Đang phục vụ')"
    )
    shots = [out / f"{name}.png" for name in SHOTS]
    console.screenshot(path=str(shots[0]))
    board.screenshot(path=str(shots[1]))
    phone = browser.new_page(viewport={"width": 390, "height": 760})
    mine = issue(url, kiosk, "ho_tich")
    phone.goto(mine["status_url"])
    phone.wait_for_function("() => document.querySelector('#num').textContent.startsWith('A')")
    phone.screenshot(path=str(shots[2]))
    phone.goto(f"{url}/remote")
    phone.wait_for_selector("#services button")
    phone.screenshot(path=str(shots[3]))
    poster = browser.new_page(viewport={"width": 800, "height": 1000})
    poster.goto(f"{url}/remote/poster")
    poster.wait_for_selector("#qr")
    poster.screenshot(path=str(shots[4]))
    console.click("#btn-finish")
    # the served citizen's phone (a small one: 360 px wide) asks for a rating, one row per score
    rating = browser.new_page(viewport={"width": 360, "height": 740})
    rating.goto(f"{url}/t/{called['ticket_id']}")
    rating.wait_for_selector("#rate:not(.hidden) .stars button")
    rating.screenshot(path=str(shots[7]))
    reports = browser.new_page(viewport={"width": 1280, "height": 720})
    reports.context.clear_cookies()
    reports.goto(f"{url}/reports")
    reports.wait_for_selector("#signin:not(.hidden)")
    reports.fill("#staff_id", "cb03")
    reports.fill("#pin", "3333")
    reports.click("#signin-form button[type=submit]")
    reports.wait_for_selector("#report:not(.hidden) #table tr:nth-child(2)")
    reports.screenshot(path=str(shots[5]))
    for page in (board, console, phone, poster, rating, reports):
        page.close()
    return [*shots[:6], shots[7]]


def capture_booking(browser: Any, url: str, out: Path) -> list[Path]:
    """A phone books the first free time (`web-book.png`) and gets its booking page with the code
    and QR for the kiosk (`web-booking.png`)."""
    phone = browser.new_page(viewport={"width": 390, "height": 1000})
    phone.goto(f"{url}/book")
    phone.click("#services button")
    days = phone.locator("#days button")
    for i in range(days.count()):  # today may have no time left: the first day that has one
        days.nth(i).click()
        phone.wait_for_selector("#slots button, #slots .no-slots")
        if phone.locator("#slots button").count():
            break
    phone.locator("#slots button").first.click()
    phone.fill("#phone", "0912 345 678")
    shots = [out / f"{SHOTS[8]}.png", out / f"{SHOTS[9]}.png"]
    phone.screenshot(path=str(shots[0]), full_page=True)
    phone.click("#submit")
    phone.wait_for_selector("#qr")
    phone.screenshot(path=str(shots[1]), full_page=True)
    phone.close()
    return shots


def capture_sound_off(pw: Any, chromium: str, url: str, kiosk: dict[str, str], out: Path) -> Path:
    """The board in an ordinary browser (no autoplay flag): the amber sound-off banner.

    Playwright runs page queries (selectors, evaluate) as user gestures, which would unlock audio
    by themselves, so until the screenshot this only listens to the board's console lines (as
    tests/queueing/test_queue_board_sound.py does).
    """
    browser = pw.chromium.launch(executable_path=chromium, args=HEADLESS_ARGS)
    try:
        board = browser.new_page(viewport={"width": 1280, "height": 720})
        with board.expect_console_message(lambda m: m.text == "board: sound off", timeout=10000):
            board.goto(f"{url}/display")
        issue(url, kiosk, "ho_tich")
        desk = requests.Session()
        desk.post(
            f"{url}/api/v1/counter/sessions",
            json={"staff_id": "cb02", "pin": "2222", "counter": 2},
            timeout=10,
        ).raise_for_status()
        # the call is shown at once; its announcement waits for a tap, and the board says so
        with board.expect_console_message(lambda m: "wait for a tap" in m.text, timeout=10000):
            desk.post(f"{url}/api/v1/counter/call-next", timeout=10).raise_for_status()
        shot = out / f"{SHOTS[6]}.png"
        board.screenshot(path=str(shot))
        return shot
    finally:
        browser.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    """Start a throw-away service and Chromium; write the screenshots into --out."""
    args = screenshot_args("queueing.screenshots", __doc__ or "", "web-*.png", argv)
    if args is None:
        return 2
    import uvicorn
    from playwright.sync_api import sync_playwright

    from queueing.app import create_app
    from queueing.config import load_config
    from queueing.screenshots_pause import capture_pause

    port = _free_port()
    cfg = load_config(None, {"open_all_hours": True, "port": port})  # links point at this server
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="queue-shots-") as tmp:
        app = create_app(cfg, Path(tmp), center_name_vi="Trung tâm thử nghiệm", center_name_en="Test center")
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                print("queueing.screenshots: the service did not start", file=sys.stderr)
                return 1
            time.sleep(0.05)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
                try:
                    shots = capture(browser, url, kiosk_headers(Path(tmp)), Path(args.out))
                    shots += capture_booking(browser, url, Path(args.out))
                    shots += capture_pause(browser, url, Path(args.out))[1]
                finally:
                    browser.close()
                shots.append(
                    capture_sound_off(pw, args.chromium, url, kiosk_headers(Path(tmp)), Path(args.out))
                )
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    for shot in shots:
        print(shot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
