"""POST /api/v1/kiosk/devices on the real daemon: a kiosk's paper-out becomes one alarm for staff,
cleared by the kiosk when the printer is refilled; audited; only the kiosk may report."""

from __future__ import annotations

from typing import Any

from tests.locker.conftest import Harness

ROUTE = "/api/v1/kiosk/devices"


def report(h: Harness, kiosk: str, **body: Any) -> Any:
    return h.req("POST", ROUTE, headers={**h.kiosk_headers, "X-Kiosk-Id": kiosk}, json=body)


def open_alarms(h: Harness, token: str) -> list[dict[str, Any]]:
    r = h.req("GET", "/api/v1/alarms?open_only=true", token)
    assert r.status_code == 200, r.text
    return list(r.json())


def test_paper_out_raises_one_alarm_and_ok_clears_it(h: Harness) -> None:
    staff = h.sign_in("loader1")
    for _ in range(2):  # the kiosk says it again: still one alarm
        r = report(h, "kiosk-2", device="printer", state="paper_out", detail="paper_out: sensor")
        assert r.status_code == 200 and r.json() == {}, r.text
    alarms = open_alarms(h, staff)
    assert [(a["kind"], a["compartment"]) for a in alarms] == [("printer_paper_out", None)]
    assert "kiosk-2" in alarms[0]["message"] and "paper_out: sensor" in alarms[0]["message"]

    # another kiosk's printer is its own alarm; its camera too
    assert report(h, "kiosk-3", device="printer", state="paper_out").status_code == 200
    assert report(h, "kiosk-2", device="camera", state="missing", detail="no /dev/video0").status_code == 200
    assert len(open_alarms(h, staff)) == 3

    assert report(h, "kiosk-2", device="printer", state="ok").status_code == 200
    left = open_alarms(h, staff)
    assert sorted(a["kind"] for a in left) == ["camera_missing", "printer_paper_out"]
    assert any("kiosk-3" in a["message"] for a in left if a["kind"] == "printer_paper_out")
    cleared = [a for a in h.req("GET", "/api/v1/alarms", staff).json() if a["acked"]]
    assert [(a["kind"], a["acked_by"]) for a in cleared] == [("printer_paper_out", "kiosk:kiosk-2")]

    # audited: raised and cleared, attributed to the kiosk
    day = h.clock.now().date().isoformat()
    records = h.req("GET", f"/api/v1/audit?day={day}", staff).json()["records"]
    mine = [(r["actor"], r["action"]) for r in records if r["actor"] == "kiosk:kiosk-2"]
    assert ("kiosk:kiosk-2", "alarm_raised") in mine and ("kiosk:kiosk-2", "alarm_acked") in mine

    # paper out again after the refill: a new alarm
    assert report(h, "kiosk-2", device="printer", state="paper_out").status_code == 200
    assert sum(a["kind"] == "printer_paper_out" for a in open_alarms(h, staff)) == 2


def test_only_the_kiosk_may_report_and_unknown_values_are_refused(h: Harness) -> None:
    body = {"device": "printer", "state": "paper_out", "detail": "x"}
    r = h.req("POST", ROUTE, json=body)  # no token: as every kiosk route answers
    assert r.status_code == 401 and r.json()["error"] == "not_signed_in"
    r = h.req("POST", ROUTE, "not-the-token", json=body)
    assert r.status_code == 401 and r.json()["error"] == "not_kiosk"
    staff = h.sign_in("loader1")
    r = h.req("POST", ROUTE, staff, json=body)  # a staff token is not the kiosk's
    assert r.status_code == 401 and r.json()["error"] == "not_kiosk"
    for bad in (
        {**body, "state": "on_fire"},
        {**body, "device": "scanner"},
        {**body, "detail": "x" * 301},
        {"device": "printer"},
    ):
        r = h.kiosk("POST", ROUTE, json=bad)
        assert r.status_code == 422 and r.json()["error"] == "invalid_request", (bad, r.text)
    assert open_alarms(h, staff) == []


def test_health_lists_no_warnings_in_tests_and_favicon_is_served(h: Harness) -> None:
    assert h.req("GET", "/api/v1/health").json()["warnings"] == []
    r = h.req("GET", "/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"] == "image/x-icon"
    assert r.content[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    assert "/favicon.ico" not in h.req("GET", "/openapi.json").json()["paths"]
