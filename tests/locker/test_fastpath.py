"""`locker.fastpath`: well-formed kiosk pickups skip FastAPI, and get exactly the answers the
documented route gives; everything else is handed on to the route untouched."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import uvicorn

from locker.api import create_app
from locker.fastpath import PickupFastPath, PickupFastPathStats
from tests.conftest import free_port, wait_until
from tests.locker.conftest import Harness


class _RouteOnly:
    """The same service served a second time, by the FastAPI routes alone (no fast path)."""

    def __init__(self, h: Harness) -> None:
        app = create_app(h.svc)
        app.user_middleware = [m for m in app.user_middleware if m.cls is not PickupFastPath]
        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        wait_until(lambda: self.server.started, 10, "route-only server")
        self.base = f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def route_only(h: Harness) -> Iterator[_RouteOnly]:
    r = _RouteOnly(h)
    yield r
    r.close()


def _stats(h: Harness) -> PickupFastPathStats:
    stats = h.server.config.app.state.pickup_fast_path  # type: ignore[union-attr]
    assert isinstance(stats, PickupFastPathStats)
    return stats


def _post(base: str, h: Harness, kiosk: str, **kw: Any) -> requests.Response:
    headers = {**h.kiosk_headers, "X-Kiosk-Id": kiosk, **kw.pop("headers", {})}
    return requests.post(base + "/api/v1/pickups", headers=headers, timeout=15, **kw)


def _same(a: requests.Response, b: requests.Response) -> None:
    assert a.status_code == b.status_code, (a.text, b.text)
    assert a.json() == b.json()
    assert a.headers.get("content-type") == b.headers.get("content-type")
    assert a.headers.get("retry-after") == b.headers.get("retry-after")


def test_wrong_codes_and_throttling_answer_exactly_as_the_route(h: Harness, route_only: _RouteOnly) -> None:
    stats = _stats(h)
    answered = stats.answered
    # each side uses its own kiosk id, so both walk the same throttle steps
    for _ in range(5):
        fast = _post(h.base, h, "k-fast", json={"code": "000000"})
        route = _post(route_only.base, h, "k-route", json={"code": "000000"})
        _same(fast, route)
        if fast.status_code == 429:
            break
        h.clock.advance(60)  # past any per-kiosk delay, so the next try is counted again
    assert fast.status_code in (401, 429)
    assert stats.answered > answered  # these really went through the fast path
    for _ in range(4):  # no clock advance: the kiosk must wait now
        fast = _post(h.base, h, "k-fast", json={"code": "000000"})
        route = _post(route_only.base, h, "k-route", json={"code": "000000"})
    _same(fast, route)
    assert fast.status_code == 429 and int(fast.headers["Retry-After"]) >= 1


def test_a_collected_pickup_has_the_same_answer_shape_on_both_paths(
    h: Harness, route_only: _RouteOnly
) -> None:
    token = h.sign_in("loader1")
    _, code1 = h.load(token, "HS-1")
    _, code2 = h.load(token, "HS-2")
    fast = _post(h.base, h, "kiosk", json={"code": code1})
    route = _post(route_only.base, h, "kiosk", json={"code": code2})
    assert fast.status_code == route.status_code == 200, (fast.text, route.text)
    a, b = fast.json(), route.json()
    assert a.keys() == b.keys() and a["receipt"].keys() == b["receipt"].keys()
    assert a["door"] == b["door"] == "opened"
    assert (a["dossier_code"], b["dossier_code"]) == ("HS-1", "HS-2")
    # used codes are refused alike, whichever path used them
    _same(
        _post(h.base, h, "kiosk", json={"code": code2}),
        _post(route_only.base, h, "kiosk", json={"code": code1}),
    )


@pytest.mark.parametrize(
    ("name", "kw"),
    [
        ("not JSON", {"data": b"{code", "headers": {"Content-Type": "application/json"}}),
        ("missing code", {"json": {"id_number": "001099012345"}}),
        ("code too long", {"json": {"code": "1" * 40}}),
        ("phone not 4 digits", {"json": {"code": "123456", "phone_last4": "12a4"}}),
        ("form body", {"data": {"code": "123456"}}),
        ("no kiosk token", {"json": {"code": "123456"}, "headers": {"Authorization": ""}}),
        ("staff-like token", {"json": {"code": "123456"}, "headers": {"Authorization": "Bearer nope"}}),
    ],
)
def test_unusual_requests_are_left_to_the_route(
    h: Harness, route_only: _RouteOnly, name: str, kw: dict[str, Any]
) -> None:
    stats = _stats(h)
    answered = stats.answered
    fast = _post(h.base, h, "kiosk", **{k: (dict(v) if isinstance(v, dict) else v) for k, v in kw.items()})
    route = _post(route_only.base, h, "kiosk", **kw)
    _same(fast, route)
    assert fast.status_code in (401, 415, 422), name  # 415: a form body (common.http_guard)
    assert stats.answered == answered  # the route answered, not the fast path


def test_the_pickup_counts_as_a_pulse_in_preparation_from_its_arrival(h: Harness) -> None:
    """Bookkeeping yields to a pickup from the moment its request is read, not only once its
    thread starts: the fast path takes the FrameFirst ticket and the pickup releases it."""
    taken: list[object] = []
    frames = h.svc.cabinet.frames
    real = frames.preparing

    def spy():  # type: ignore[no-untyped-def]
        ticket = real()
        taken.append(threading.current_thread().name)
        return ticket

    frames.preparing = spy  # type: ignore[method-assign]
    try:
        r = _post(h.base, h, "kiosk", json={"code": "000000"})
    finally:
        frames.preparing = real  # type: ignore[method-assign]
    assert r.status_code == 401
    assert len(taken) == 1 and not str(taken[0]).startswith("locker-pickup")  # the event loop's
    assert frames._preparing == 0  # released although the pickup was refused
