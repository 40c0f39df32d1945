"""The HTTP guard in front of both services (common/http_guard.py), over real HTTP on loopback.

Issue 12's findings it answers: bodies of any size, no security headers, `text/plain` bodies and
foreign `Origin`s accepted (a page on another port of the same host drove the counter console).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from common.http_guard import DOCS_CSP, PAGE_CSP, GuardPolicy, HttpGuard
from tests.harness import QueueingServer, free_port
from tests.http_probe import chunks, push
from tests.locker.conftest import Harness
from tests.locker.conftest import make_config as locker_config
from tests.queueing.helpers import make_config

JSON = {"Content-Type": "application/json"}
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


@pytest.fixture(name="queue")
def queue_fixture(tmp_path: Path) -> Iterator[QueueingServer]:
    with QueueingServer(make_config(), tmp_path, free_port()) as srv:
        yield srv


@pytest.fixture(name="locker")
def locker_fixture(tmp_path: Path) -> Iterator[Harness]:
    h = Harness(tmp_path, locker_config())
    yield h
    h.close()


def _has_security_headers(r: requests.Response, csp: str = PAGE_CSP) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert r.headers.get(name) == value, (r.url, name, r.headers)
    assert r.headers.get("content-security-policy") == csp, (r.url, r.headers)


# ---------------------------------------------------------------------------------- headers


def _pages(ticket: dict[str, Any]) -> list[str]:
    """The service's HTML pages (a ticket's status page for `ticket`)."""
    return ["/", "/counter", "/display", "/remote", "/remote/poster", "/reports", f"/t/{ticket['ticket_id']}"]


def test_every_queueing_answer_has_the_security_headers(queue: QueueingServer) -> None:
    t = requests.post(
        f"{queue.url}/api/v1/tickets",
        json={"service": "ho_tich"},
        headers={**queue.kiosk_headers, "Idempotency-Key": "h1"},
    ).json()
    paths = [*_pages(t), "/api/v1/health", "/api/v1/services", "/static/common.js", "/api/v1/no-such-thing"]
    for path in paths:
        r = requests.get(queue.url + path, timeout=5)
        assert r.status_code in (200, 404), (path, r.status_code)
        _has_security_headers(r)
    # answers of the kiosk fast path and of the guard itself carry them too
    fast = requests.post(
        f"{queue.url}/api/v1/tickets",
        json={"service": "ho_tich"},
        headers={**queue.kiosk_headers, "Idempotency-Key": "h2"},
    )
    assert fast.status_code == 201
    _has_security_headers(fast)
    refused = requests.post(f"{queue.url}/api/v1/tickets", data="x", headers={"Content-Type": "text/plain"})
    assert refused.status_code == 415
    _has_security_headers(refused)
    # the API documentation page alone gets the policy Swagger UI needs
    _has_security_headers(requests.get(f"{queue.url}/api/docs", timeout=5), DOCS_CSP)


def test_pages_hold_no_inline_script(queue: QueueingServer) -> None:
    """The CSP allows scripts from the service's files only: no page may need an inline one."""
    t = requests.post(
        f"{queue.url}/api/v1/tickets",
        json={"service": "ho_tich"},
        headers={**queue.kiosk_headers, "Idempotency-Key": "h3"},
    ).json()
    assert "'unsafe-inline'" not in PAGE_CSP.split("script-src", 1)[1].split(";", 1)[0]
    for path in _pages(t):
        html = requests.get(queue.url + path, timeout=5).text
        for attrs in re.findall(r"<script\b([^>]*)>", html):
            assert "src=" in attrs or 'type="application/json"' in attrs, (path, attrs)
        assert not re.search(r"\son[a-z]+\s*=", html), path  # no onclick= and friends


def test_every_locker_answer_has_the_security_headers(locker: Harness) -> None:
    _has_security_headers(locker.http.get(f"{locker.base}/api/v1/health", timeout=5))
    _has_security_headers(locker.kiosk("GET", "/api/v1/cabinet"))
    _has_security_headers(locker.http.get(f"{locker.base}/api/v1/deposits", timeout=5))  # 401
    _has_security_headers(locker.http.get(f"{locker.base}/docs", timeout=5), DOCS_CSP)
    # the receipt page keeps its own, stricter policy (set by the route; the guard adds the rest)
    page = locker.http.get(f"{locker.base}/verify/nothing", timeout=5)
    assert page.status_code == 404
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert page.headers["x-frame-options"] == "DENY"


def test_an_unexpected_error_answers_with_the_security_headers(
    queue: QueueingServer, locker: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 500 of a crash is sent by Starlette's outermost error middleware, outside the guard:
    it carries the same headers all the same (it did not)."""

    def broken(*_args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(queue.app.state.queue, "services_overview", broken)
    r = requests.get(f"{queue.url}/api/v1/services", timeout=10)
    assert r.status_code == 500 and r.json()["error"] == "internal_error"
    _has_security_headers(r)
    monkeypatch.setattr(locker.svc.custody, "get", broken)
    token = locker.sign_in("loader1")
    r = locker.req("GET", "/api/v1/deposits/D-1", token)
    assert r.status_code == 500 and r.json()["error"] == "internal_error"
    _has_security_headers(r)


# ------------------------------------------------------------------------- Origin and types


def test_a_page_from_another_port_is_refused(queue: QueueingServer) -> None:
    other = f"http://127.0.0.1:{free_port()}"
    sign_in = {"staff_id": "nobody", "pin": "000000", "counter": 1}
    r = requests.post(f"{queue.url}/api/v1/counter/sessions", json=sign_in, headers={"Origin": other})
    assert r.status_code == 403 and r.json()["error"] == "cross_origin"
    assert queue.url in r.json()["message"]  # says where to open the page
    for method, path in [
        ("POST", "/api/v1/counter/call-next"),
        ("DELETE", "/api/v1/counter/sessions/current"),
    ]:
        r = requests.request(method, queue.url + path, headers={"Origin": other})
        assert r.status_code == 403, (method, path)
    # DNS rebinding: a foreign name whose Host header matches its Origin is still foreign
    r = requests.post(
        f"{queue.url}/api/v1/counter/sessions",
        json=sign_in,
        headers={"Origin": f"http://evil.example:{queue.port}", "Host": f"evil.example:{queue.port}"},
    )
    assert r.status_code == 403
    for odd in ("null", "http://127.0.0.1:99999", "not a url"):
        r = requests.post(f"{queue.url}/api/v1/counter/sessions", json=sign_in, headers={"Origin": odd})
        assert r.status_code == 403, odd
    # reading is not state-changing: a foreign Origin may GET (CORS keeps the answer from it)
    assert requests.get(f"{queue.url}/api/v1/services", headers={"Origin": other}).status_code == 200


def test_same_origin_and_clients_without_origin_pass(queue: QueueingServer) -> None:
    sign_in = {"staff_id": "nobody", "pin": "000000", "counter": 1}
    localhost = f"localhost:{queue.port}"  # a browser that opened http://localhost:PORT/counter
    for headers in ({"Origin": queue.url}, {"Origin": f"http://{localhost}", "Host": localhost}, {}):
        r = requests.post(f"{queue.url}/api/v1/counter/sessions", json=sign_in, headers=headers)
        assert r.status_code == 401, (headers, r.text)  # reached the route: wrong staff id
    r = requests.post(
        f"{queue.url}/api/v1/tickets",
        json={"service": "ho_tich"},
        headers={**queue.kiosk_headers, "Idempotency-Key": "k1", "Origin": queue.url},
    )
    assert r.status_code == 201


def test_state_changing_bodies_must_be_json(queue: QueueingServer) -> None:
    body = b'{"staff_id": "nobody", "pin": "000000", "counter": 1}'
    for content_type in (
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ):
        r = requests.post(
            f"{queue.url}/api/v1/counter/sessions", data=body, headers={"Content-Type": content_type}
        )
        assert r.status_code == 415 and r.json()["error"] == "unsupported_media_type", content_type
    r = requests.post(f"{queue.url}/api/v1/counter/sessions", data=body)  # no type at all
    assert r.status_code == 415
    r = requests.post(
        f"{queue.url}/api/v1/counter/sessions",
        data=body,
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert r.status_code == 401
    # a route with no body needs no type
    assert requests.post(f"{queue.url}/api/v1/counter/call-next").status_code == 401
    void = requests.post(f"{queue.url}/api/v1/tickets/nope/void", headers=queue.kiosk_headers)
    assert void.status_code == 404  # reached the route (the kiosk's token), no body, no type


def test_locker_takes_the_kiosk_and_refuses_a_foreign_page(locker: Harness) -> None:
    other = f"http://127.0.0.1:{free_port()}"
    r = locker.kiosk("POST", "/api/v1/pickups", json={"code": "000000"})
    assert r.status_code not in (403, 413, 415), r.text  # the kiosk (no Origin) reaches the route
    token = locker.svc.kiosk_token
    r = locker.req("POST", "/api/v1/pickups", token, json={"code": "000000"}, headers={"Origin": other})
    assert r.status_code == 403 and r.json()["error"] == "cross_origin"
    r = locker.req(
        "POST", "/api/v1/pickups", token, data=b'{"code": "000000"}', headers={"Content-Type": "text/plain"}
    )
    assert r.status_code == 415


# ------------------------------------------------------------------------------ body size


def test_bodies_over_the_cap_are_refused_before_they_are_read(tmp_path: Path) -> None:
    with QueueingServer(make_config(max_body_bytes=4096), tmp_path, free_port()) as srv:
        pad = "x" * 5000
        r = requests.post(
            f"{srv.url}/api/v1/tickets",
            json={"service": "ho_tich", "pad": pad},
            headers={**srv.kiosk_headers, "Idempotency-Key": "big"},
        )
        assert r.status_code == 413 and r.json()["max_body_bytes"] == 4096
        assert r.headers["connection"] == "close"
        chunked = push(
            srv.port,
            "/api/v1/tickets",
            chunks(20_000, 1000),
            None,
            {**srv.kiosk_headers, "Idempotency-Key": "c1"},
        )
        assert chunked.status == 413
        # under the cap, chunked or not, the request goes through whole
        small = b'{"service": "ho_tich", "pad": "' + b"y" * 3000 + b'"}'
        ok = push(
            srv.port,
            "/api/v1/tickets",
            iter([small[:1000], small[1000:]]),
            None,
            {**srv.kiosk_headers, "Idempotency-Key": "c2"},
        )
        assert ok.status == 201, ok
        ok = push(
            srv.port,
            "/api/v1/tickets",
            iter([small]),
            len(small),
            {**srv.kiosk_headers, "Idempotency-Key": "c3"},
        )
        assert ok.status == 201, ok


def test_the_locker_cap_is_its_own_key(tmp_path: Path) -> None:
    h = Harness(tmp_path, locker_config(max_body_bytes=2048))
    try:
        r = h.kiosk("POST", "/api/v1/pickups", json={"code": "0" * 3000})
        assert r.status_code == 413 and r.json()["max_body_bytes"] == 2048
    finally:
        h.close()


# ------------------------------------------------------------------------- cookies over TLS


def test_cookies_get_secure_when_the_request_came_over_https() -> None:
    """Set-Cookie rewriting, driven directly as ASGI (the TLS test shows it over a real socket)."""
    import asyncio

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"set-cookie", b"qsession=abc; HttpOnly; Path=/; SameSite=strict"),
                    (b"set-cookie", b"other=1; Secure"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    def run(scheme: str) -> list[tuple[bytes, bytes]]:
        sent: list[Any] = []

        async def send(message: Any) -> None:
            sent.append(message)

        async def receive() -> Any:
            return {"type": "http.request", "body": b"", "more_body": False}

        scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "scheme": scheme}
        asyncio.run(HttpGuard(app, GuardPolicy())(scope, receive, send))
        return [h for h in sent[0]["headers"] if h[0] == b"set-cookie"]

    assert run("https") == [
        (b"set-cookie", b"qsession=abc; HttpOnly; Path=/; SameSite=strict; Secure"),
        (b"set-cookie", b"other=1; Secure"),
    ]
    assert run("http")[0] == (b"set-cookie", b"qsession=abc; HttpOnly; Path=/; SameSite=strict")
