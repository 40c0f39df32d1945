"""A citizen's "Call staff" on the real daemon: POST /api/v1/kiosk/devices with device `help`
raises one `kiosk_help` alarm naming the kiosk and the screen, `ok` cancels it, and a kiosk cannot
flood the alarm list (429 with retry_after_s after HELP_CALLS_PER_WINDOW calls per window)."""

from __future__ import annotations

from typing import Any

from locker.kiosk_devices import HELP_CALLS_PER_WINDOW, HELP_WINDOW_S
from tests.locker.conftest import Harness

ROUTE = "/api/v1/kiosk/devices"


def call(h: Harness, kiosk: str, state: str = "requested", screen: str = "pickup") -> Any:
    body = {"device": "help", "state": state, "detail": screen}
    return h.req("POST", ROUTE, headers={**h.kiosk_headers, "X-Kiosk-Id": kiosk}, json=body)


def open_help(h: Harness, token: str) -> list[dict[str, Any]]:
    r = h.req("GET", "/api/v1/alarms?open_only=true", token)
    assert r.status_code == 200, r.text
    return [a for a in r.json() if a["kind"] == "kiosk_help"]


def test_help_raises_one_alarm_with_kiosk_and_screen_and_cancel_clears_it(h: Harness) -> None:
    staff = h.sign_in("loader1")
    for _ in range(2):  # pressed twice while staff are on their way: still one alarm
        r = call(h, "kiosk-2", screen="services")
        assert r.status_code == 200, r.text
    alarms = open_help(h, staff)
    assert len(alarms) == 1 and alarms[0]["compartment"] is None
    assert alarms[0]["message"] == "kiosk kiosk-2: help requested on services"
    assert call(h, "kiosk-3", screen="home").status_code == 200  # another kiosk: its own alarm
    assert len(open_help(h, staff)) == 2
    assert call(h, "kiosk-2", state="ok").status_code == 200
    left = open_help(h, staff)
    assert [a["message"] for a in left] == ["kiosk kiosk-3: help requested on home"]
    cleared = [a for a in h.req("GET", "/api/v1/alarms", staff).json() if a["acked"]]
    assert [(a["kind"], a["acked_by"]) for a in cleared] == [("kiosk_help", "kiosk:kiosk-2")]


def test_help_calls_are_limited_per_kiosk(h: Harness) -> None:
    staff = h.sign_in("loader1")
    for _ in range(HELP_CALLS_PER_WINDOW):
        assert call(h, "kiosk-2").status_code == 200
        assert call(h, "kiosk-2", state="ok").status_code == 200
    r = call(h, "kiosk-2")
    assert r.status_code == 429 and r.json()["error"] == "throttled", r.text
    assert 1 <= int(r.json()["retry_after_s"]) <= HELP_WINDOW_S
    assert open_help(h, staff) == []
    assert call(h, "kiosk-3").status_code == 200  # the limit is per kiosk
    h.clock.advance(HELP_WINDOW_S + 1)
    assert call(h, "kiosk-2").status_code == 200


def test_help_states_are_checked(h: Harness) -> None:
    r = call(h, "kiosk-2", state="paper_out")
    assert r.status_code == 422 and r.json()["error"] == "invalid_request", r.text
    body = {"device": "printer", "state": "requested"}
    r = h.req("POST", ROUTE, headers=h.kiosk_headers, json=body)
    assert r.status_code == 422, r.text
