"""Receipt verification through the real HTTP API: pickup -> receipt -> GET its verify URL."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.locker.conftest import Harness


def _collect(h: Harness, dossier: str = "HS-1") -> dict[str, Any]:
    token = h.sign_in("loader1")
    _, code = h.load(token, dossier)
    r = h.pickup(code)
    assert r.status_code == 200 and r.json()["door"] == "opened", r.text
    return dict(r.json())


def _path(url: str) -> str:
    return urlsplit(url).path


def test_genuine_receipt_page_and_json(h: Harness) -> None:
    pickup = _collect(h)
    receipt = pickup["receipt"]
    url = receipt["verify_url"]
    token = url.rsplit("/", 1)[1]
    assert len(url) <= 80 and len(token) <= 40  # fits a small QR code on a 58 mm receipt
    # the page the QR opens (the daemon answers the default verify_base_url itself)
    r = h.req("GET", _path(url))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "Biên nhận hợp lệ" in page and "Genuine receipt" in page
    assert "HS-1" in page and receipt["citizen_name_masked"] in page and h.cfg.center_name in page
    assert "Nguyễn" not in page and "0900000001" not in page and "+84900000001" not in page
    # collected at, in the center's time zone (ManualClock starts 08:00 UTC = 15:00 in Hanoi)
    assert "05/01/2026 15:" in page and "Asia/Ho_Chi_Minh" in page
    assert r.headers["cache-control"] == "no-store" and r.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert "http://" not in page.split("</head>")[0] and "src=" not in page  # no external assets
    # the JSON variants: content negotiation on the same URL, and the API path
    j1 = h.req("GET", _path(url), headers={"Accept": "application/json"})
    j2 = h.req("GET", f"/api/v1/receipts/{token}")
    assert j1.status_code == j2.status_code == 200 and j1.json() == j2.json()
    body = j2.json()
    assert body["genuine"] is True and body["status"] == "collected"
    assert body["dossier_code"] == "HS-1" and body["compartment"] == pickup["compartment"]
    assert body["citizen_name_masked"] == receipt["citizen_name_masked"]
    assert body["collected_at"].endswith("+07:00")
    assert not {"phone", "code", "id_number", "deposit_id", "pickup_id"} & set(body)


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # one character of the MAC changed
        lambda t: "p000000000000." + t.split(".")[1],  # another pickup id under the same MAC
        lambda t: t.split(".")[0],  # no MAC at all
        lambda t: "HS-1",  # the dossier code (guessable) is not a receipt
        lambda t: "ü" * 50,
        lambda t: "x" * 500,
    ],
)
def test_forged_token_is_not_genuine(h: Harness, forge: Any) -> None:
    token = _collect(h)["receipt"]["verify_url"].rsplit("/", 1)[1]
    bad = forge(token)
    r = h.req("GET", f"/api/v1/receipts/{bad}")
    assert r.status_code == 404, r.text
    assert r.json()["error"] == "unknown_receipt" and r.json()["genuine"] is False and r.json()["message"]
    assert "HS-1" not in r.text
    page = h.req("GET", f"/verify/{bad}")
    assert page.status_code == 404 and "Không xác thực được" in page.text and "Not genuine" in page.text
    assert "HS-1" not in page.text


def test_token_of_another_locker_is_not_genuine(make_harness: Any) -> None:
    a, b = make_harness(), make_harness()
    token = _collect(a)["receipt"]["verify_url"].rsplit("/", 1)[1]
    assert b.req("GET", f"/api/v1/receipts/{token}").status_code == 404  # b has another key


def test_receipt_survives_restart(h: Harness) -> None:
    url = _collect(h)["receipt"]["verify_url"]
    h.restart()
    assert h.req("GET", _path(url), headers={"Accept": "application/json"}).json()["status"] == "collected"


def test_jammed_door_receipt_is_not_confirmed(h: Harness) -> None:
    token = h.sign_in("loader1")
    dep, code = h.load(token, "HS-1")
    h.sim.cabinet.inject("jammed", *h.where(dep["compartment"]))
    r = h.pickup(code)
    assert r.json()["door"] == "jammed"
    url = r.json()["receipt"]["verify_url"]
    body = h.req("GET", _path(url), headers={"Accept": "application/json"}).json()
    assert body["genuine"] is True and body["status"] == "not_collected" and body["collected_at"] is None
    page = h.req("GET", _path(url)).text
    assert "chưa xác nhận" in page and "not confirmed" in page


def test_verify_is_rate_limited_per_client(make_harness: Any) -> None:
    h = make_harness(verify_requests_per_min=3)
    token = _collect(h)["receipt"]["verify_url"].rsplit("/", 1)[1]
    for _ in range(3):
        assert h.req("GET", f"/api/v1/receipts/{token}").status_code == 200
    r = h.req("GET", f"/api/v1/receipts/{token}")
    assert r.status_code == 429 and r.json()["error"] == "too_many_checks"
    assert int(r.headers["Retry-After"]) == r.json()["retry_after_s"] >= 1
    page = h.req("GET", f"/verify/{token}")
    assert page.status_code == 429 and "Too many checks" in page.text and page.headers["Retry-After"]
    h.clock.advance(61)
    assert h.req("GET", f"/verify/{token}").status_code == 200


def test_rate_limit_window_and_bounded_memory() -> None:
    from common.clock import ManualClock
    from common.rate_limit import RateLimiter

    clock = ManualClock()
    limit = RateLimiter(2, 60.0, max_keys=100, clock=clock.monotonic)
    assert limit.retry_after("a") is None and limit.retry_after("a") is None
    assert limit.retry_after("a") == 60 and limit.retry_after("b") is None  # per client
    clock.advance(30)
    assert limit.retry_after("a") == 30
    clock.advance(30.5)
    assert limit.retry_after("a") is None
    for i in range(1000):  # a flood of distinct addresses never grows the table without bound
        limit.retry_after(f"10.0.{i // 256}.{i % 256}")
    assert len(limit) <= 100
