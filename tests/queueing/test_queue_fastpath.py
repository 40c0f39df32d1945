"""The kiosk fast path (queueing.fastpath) answers exactly like the documented routes."""

from __future__ import annotations

import requests

from tests.queueing.fixtures import clock_fixture, server_fixture  # noqa: F401 - fixtures
from tests.queueing.helpers import ServerThread

JSON = {"Content-Type": "application/json"}


def _stats(server: ServerThread) -> tuple[int, int]:
    s = server.app.state.fast_path
    return s.answered, s.handed_on


def test_kiosk_issue_and_confirm_take_the_fast_path(server: ServerThread) -> None:
    url = server.url
    before = _stats(server)
    r = requests.post(
        f"{url}/api/v1/tickets",
        data=b'{"service": "dat_dai", "channel": "kiosk", "priority": "elderly"}',
        headers={**JSON, "Idempotency-Key": "fast-1"},
    )
    assert r.status_code == 201, r.text
    t = r.json()
    assert t["number"] == "B001" and t["state"] == "pending" and t["priority"] == "elderly"
    assert t["status_url"] == f"{url}/t/{t['ticket_id']}"
    assert "replayed" not in t and r.headers["content-type"] == "application/json"
    again = requests.post(
        f"{url}/api/v1/tickets", data=b'{"service": "dat_dai"}', headers={**JSON, "Idempotency-Key": "fast-1"}
    )
    assert again.status_code == 200 and again.json()["ticket_id"] == t["ticket_id"]
    c = requests.post(f"{url}/api/v1/tickets/{t['ticket_id']}/confirm", json={"delivery": "printed"})
    assert c.status_code == 200 and c.json() == {
        "state": "waiting",
        "ticket_id": t["ticket_id"],
        "number": "B001",
    }
    assert _stats(server) == (before[0] + 3, before[1])


def test_domain_errors_on_the_fast_path_have_the_routes_bodies(server: ServerThread) -> None:
    url = server.url
    before = _stats(server)
    r = requests.post(f"{url}/api/v1/tickets", json={"service": "nope"}, headers={"Idempotency-Key": "f-2"})
    assert (
        r.status_code == 404 and r.json()["error"] == "unknown_service" and "ho_tich" in r.json()["message"]
    )
    r = requests.post(f"{url}/api/v1/tickets/no-such/confirm", json={"delivery": "screen"})
    assert r.status_code == 404 and r.json()["error"] == "unknown_ticket"
    assert _stats(server) == (before[0] + 2, before[1])


def test_anything_unusual_is_handed_to_the_full_route(server: ServerThread) -> None:
    url = server.url
    before = _stats(server)
    cases = [
        # (body, headers, expected status, expected error code)
        (b"{not json", {**JSON, "Idempotency-Key": "h-1"}, 422, "invalid_request"),
        (b'{"service": 7}', {**JSON, "Idempotency-Key": "h-2"}, 422, "invalid_request"),
        (b'{"service": "ho_tich"}', JSON, 400, "idempotency_key_required"),
        (b'{"service": "ho_tich"}', {**JSON, "Idempotency-Key": "k" * 129}, 422, "invalid_request"),
        (
            b'{"service": "ho_tich", "pad": "' + b"x" * 5000 + b'"}',
            {**JSON, "Idempotency-Key": "h-5"},
            201,
            None,
        ),
        (b'{"service": "ho_tich", "channel": "remote"}', {**JSON, "X-Device-Id": "phone-1"}, 201, None),
    ]
    for body, headers, status, code in cases:
        r = requests.post(f"{url}/api/v1/tickets", data=body, headers=headers)
        assert r.status_code == status, (body[:40], r.text)
        if code:
            assert r.json()["error"] == code and r.json()["message"]
    r = requests.post(f"{url}/api/v1/tickets/x/confirm", data=b'{"delivery": "fax"}', headers=JSON)
    assert r.status_code == 422 and r.json()["field"] == "delivery"
    # no content type: refused by the HTTP guard in front of the fast path (common.http_guard)
    r = requests.post(
        f"{url}/api/v1/tickets", data=b'{"service": "ho_tich"}', headers={"Idempotency-Key": "h-9"}
    )
    assert r.status_code == 415 and r.json()["error"] == "unsupported_media_type"
    # (the request without a content type never reaches the fast path: not counted)
    assert _stats(server) == (before[0], before[1] + len(cases) + 1)
