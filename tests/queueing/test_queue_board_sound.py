"""The wall-screen board speaks with no click when Chromium allows autoplay, and shows a
"sound is off — tap to turn on" banner when the browser waits for a tap (queueing.board)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from common.chromium import HEADLESS_ARGS
from queueing.board import BOARD_FLAGS, board_url, chromium_command, default_base_url, main
from queueing.screenshots import CHROMIUM_ARGS
from tests.harness import QueueingServer, free_port, kiosk_headers_for
from tests.queueing.helpers import make_config

AUTOPLAY = "--autoplay-policy=no-user-gesture-required"


def test_board_command_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert default_base_url("0.0.0.0", 8720) == "http://127.0.0.1:8720"
    assert default_base_url("192.168.1.10", 80) == "http://192.168.1.10:80"
    assert board_url("http://q:8720/") == "http://q:8720/display"
    cmd = chromium_command(
        "/usr/bin/chromium", "http://q:8720/display", tmp_path, ["--window-position=1920,0"]
    )
    assert cmd[0] == "/usr/bin/chromium" and cmd[-1] == "--app=http://q:8720/display"
    assert AUTOPLAY in cmd and "--kiosk" in cmd and f"--user-data-dir={tmp_path}" in cmd
    assert "--window-position=1920,0" in cmd
    rc = main(["--url", "http://192.168.1.10:8720", "--chromium", "/usr/bin/chromium", "--print"])
    out = capsys.readouterr().out
    assert rc == 0 and AUTOPLAY in out and out.strip().endswith("--app=http://192.168.1.10:8720/display")
    assert all(flag in out for flag in BOARD_FLAGS)
    assert main(["--config", str(tmp_path / "missing.toml"), "--print"]) == 2
    # the board's profile goes where the site keeps its data, not into the application directory
    site = tmp_path / "site.toml"
    site.write_text(f'[center]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    capsys.readouterr()
    assert main(["--config", str(site), "--chromium", "/usr/bin/chromium", "--print"]) == 0
    assert f"--user-data-dir={tmp_path / 'data' / 'board-chromium'}" in capsys.readouterr().out


def test_board_command_without_a_browser_says_what_to_install(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("queueing.board.shutil.which", lambda name: None)
    assert main(["--url", "http://q:1", "--print"]) == 2
    assert "apt-get install chromium" in capsys.readouterr().err


@pytest.fixture(name="server")
def server_fixture(tmp_path: Path) -> Iterator[QueueingServer]:
    with QueueingServer(make_config(), tmp_path, free_port()) as srv:
        yield srv


def _call_one(url: str) -> str:
    """Issue, confirm and call a ticket at counter 1; its number."""
    kiosk = kiosk_headers_for(url)
    t = requests.post(
        f"{url}/api/v1/tickets",
        json={"service": "ho_tich"},
        headers={"Idempotency-Key": "board-1", **kiosk},
        timeout=10,
    ).json()
    requests.post(
        f"{url}/api/v1/tickets/{t['ticket_id']}/confirm",
        json={"delivery": "printed"},
        headers=kiosk,
        timeout=10,
    )
    desk = requests.Session()
    desk.post(
        f"{url}/api/v1/counter/sessions", json={"staff_id": "cb01", "pin": "1111", "counter": 1}, timeout=10
    )
    called = desk.post(f"{url}/api/v1/counter/call-next", timeout=10).json()
    assert called["number"] == t["number"]
    return str(called["number"])


def test_wall_screen_with_autoplay_announces_without_a_click(server: QueueingServer, chromium: Path) -> None:
    from playwright.sync_api import sync_playwright

    # No page queries until the call is spoken: Playwright runs them as user gestures, which
    # would unlock audio by themselves. The page's console lines say what it does.
    assert AUTOPLAY in CHROMIUM_ARGS  # the same flag queueing.board starts Chromium with
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            board = browser.new_page(viewport={"width": 1280, "height": 720})
            lines: list[str] = []
            board.on("console", lambda m: lines.append(m.text))
            with board.expect_console_message(
                lambda m: m.text.startswith("board: sound "), timeout=10000
            ) as st:
                board.goto(f"{server.url}/display")
            assert st.value.text == "board: sound on"
            with board.expect_console_message(
                lambda m: m.text.startswith("board: spoke"), timeout=20000
            ) as msg:
                number = _call_one(server.url)
            assert msg.value.text == f"board: spoke {number} counter 1"
            assert "board: sound off" not in lines
            assert not board.is_visible("#sound") and board.get_attribute("body", "data-sound") == "on"
        finally:
            browser.close()


def test_ordinary_browser_shows_sound_off_until_tapped(server: QueueingServer, chromium: Path) -> None:
    from playwright.sync_api import sync_playwright

    # Playwright runs its page queries (evaluate, selectors) as user gestures, which would unlock
    # audio by themselves, so until the tap this test only listens to the page's console lines.
    args = HEADLESS_ARGS  # no autoplay flag: an ordinary browser
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=args)
        try:
            board = browser.new_page(viewport={"width": 1280, "height": 720})
            lines: list[str] = []
            board.on("console", lambda m: lines.append(m.text))
            with board.expect_console_message(lambda m: m.text == "board: sound off", timeout=10000):
                board.goto(f"{server.url}/display")
            with board.expect_console_message(lambda m: "wait for a tap" in m.text, timeout=10000):
                number = _call_one(server.url)
            assert not [line for line in lines if line.startswith("board: spoke")], "played without a tap"
            assert "board: sound on" not in lines
            assert board.is_visible("#sound")
            text = board.inner_text("#sound")
            assert "Âm thanh đang tắt" in text and "Sound is off — tap to turn on" in text
            assert board.inner_text("#latest-num") == number  # shown at once, spoken after the tap
            with board.expect_console_message(
                lambda m: m.text.startswith("board: spoke"), timeout=20000
            ) as msg:
                board.click("#sound")
            assert msg.value.text == f"board: spoke {number} counter 1"
            assert board.get_attribute("body", "data-sound") == "on"
            assert not board.is_visible("#sound")
        finally:
            browser.close()
