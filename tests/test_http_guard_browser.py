"""The guard as a browser sees it (Debian's Chromium, headless): the pages run under the CSP, and
a page on another port of the same host can no longer drive the counter console (issue 12)."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import requests

from queueing.screenshots import issue, sign_in
from tests.harness import HandlerThread, QueueingServer, free_port, wait_until
from tests.queueing.helpers import make_config

pytestmark = [
    pytest.mark.browser,
]

#: Collects CSP violations before any page script runs (init scripts are not subject to the CSP).
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  e => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.fixture(name="server")
def server_fixture(tmp_path: Path) -> Iterator[QueueingServer]:
    with QueueingServer(make_config(), tmp_path, free_port()) as srv:
        yield srv


def test_pages_work_under_the_csp(browser: Any, server: QueueingServer) -> None:
    url = server.url
    t = issue(url, server.kiosk_headers, "ho_tich")
    context = browser.new_context()
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    try:
        page.goto(f"{url}/display")
        # functions, not expressions: Playwright polls an expression with eval, which the CSP forbids
        page.wait_for_function(
            "() => window.board && window.board.connected && window.board.services.length > 0"
        )
        assert page.evaluate("window.__csp") == []
        page.goto(f"{url}/t/{t['ticket_id']}")  # reads its ticket id from a JSON data block
        page.wait_for_function("n => document.querySelector('#num').textContent === n", arg=t["number"])
        assert page.evaluate("window.__csp") == []
        page.goto(f"{url}/remote")
        page.wait_for_selector("#services button, #services a")
        assert page.evaluate("window.__csp") == []
        page.goto(f"{url}/remote/poster")  # the QR code is a data: image
        page.wait_for_function("() => document.querySelector('#qr').naturalWidth > 0")
        assert page.evaluate("window.__csp") == []
        page.goto(f"{url}/counter")
        page.wait_for_selector("#signin:not(.hidden)")
        assert page.evaluate("window.__csp") == []
        # an inline script, had one slipped into a page, would be refused (and reported)
        page.evaluate(
            "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
            " document.body.appendChild(s); }"
        )
        wait_until(lambda: page.evaluate("window.__csp.length") > 0, 5, "the CSP report")
        assert page.evaluate("window.ran") is None
    finally:
        context.close()


class _Attacker(BaseHTTPRequestHandler):
    """A page on another port of the same host that posts to the counter API."""

    target = ""

    def do_GET(self) -> None:  # http.server's name
        body = b"<!doctype html><title>other site</title><p>hello</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # http.server's name
        pass


def test_a_page_on_another_port_cannot_drive_the_console(browser: Any, server: QueueingServer) -> None:
    url = server.url
    t = issue(url, server.kiosk_headers, "ho_tich")
    staff = make_config().demo_staff[0]
    attacker = HandlerThread(_Attacker)
    context = browser.new_context()
    try:
        console = context.new_page()
        sign_in(console, url, staff.staff_id, staff.pin, 1)  # the counter's session cookie is set
        other = context.new_page()
        statuses: list[int] = []
        other.on("response", lambda r: statuses.append(r.status) if "/api/v1/counter/" in r.url else None)
        other.goto(attacker.url + "/")
        # the two kinds of "simple" request a browser sends across origins without asking first:
        # no body at all, and a text/plain body; both carry the counter's cookie (same site)
        other.evaluate(
            """async ([u, n]) => {
                 const o = {method: "POST", mode: "no-cors", credentials: "include"};
                 await fetch(u + "/api/v1/counter/call-next", o);
                 await fetch(u + "/api/v1/counter/call", {...o, headers: {"Content-Type": "text/plain"},
                                                        body: JSON.stringify({number: n})});
               }""",
            [url, t["number"]],
        )
        wait_until(lambda: len(statuses) == 2, 10, "both answers")
        assert statuses == [403, 403]
        assert requests.get(f"{url}/api/v1/tickets/{t['ticket_id']}", timeout=5).json()["state"] == "waiting"
        # the console itself (same origin) still calls it
        with console.expect_response("**/api/v1/counter/call-next") as resp:
            console.click("#btn-next")
        assert resp.value.status == 200
        assert requests.get(f"{url}/api/v1/tickets/{t['ticket_id']}", timeout=5).json()["state"] == "called"
    finally:
        context.close()
        attacker.close()
