"""Load and pickup through the real HTTP API, the real bus and the simulator on a pty."""

from __future__ import annotations

import json

from locker.staff import Role
from tests.harness import wait_until
from tests.locker.conftest import Harness


def test_load_confirm_pickup_collected(h: Harness) -> None:
    token = h.sign_in("loader1")
    dep, code = h.load(token, "HS-1")
    assert dep["state"] == "loading" and dep["compartment"] == "1"
    # the code is only in the SMS, never in the database or the audit log
    assert code not in h.paths.db.read_bytes().decode("latin-1")
    r = h.pickup(code)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["door"] == "opened" and body["compartment"] == "1" and body["dossier_code"] == "HS-1"
    assert body["receipt"]["citizen_name_masked"] == "N***** V** An"
    assert body["receipt"]["compartment"] == "1"
    # the verify URL names the receipt by an unguessable token, never by the dossier code
    url = body["receipt"]["verify_url"]
    assert url.startswith(h.cfg.verify_base_url + "/") and "HS-1" not in url
    assert h.pulses("1") == 2  # one for loading, one for the pickup
    # single use
    again = h.pickup(code)
    assert again.status_code == 401 and again.json()["error"] == "wrong_code"
    # the back office hears about it once, through the outbox
    wait_until(lambda: h.returned.exists() and h.returned.read_text().strip(), 5, "returned callback")
    lines = [json.loads(x) for x in h.returned.read_text().splitlines()]
    assert lines[0]["dossier_code"] == "HS-1" and lines[0]["status"] == "returned_to_citizen"
    wait_until(lambda: h.svc.health()["outbox_backlog"] == 0, 5, "outbox drained")
    listed = h.req("GET", "/api/v1/deposits?state=collected", token).json()
    assert [d["deposit_id"] for d in listed] == [dep["deposit_id"]]
    assert listed[0]["phone_masked"] == "+84*****0001"
    one = h.req("GET", f"/api/v1/deposits/{dep['deposit_id']}", token).json()
    assert one["state"] == "collected" and one["collected_at"] and "phone" not in one
    r = h.req("GET", "/api/v1/deposits/nope", token)
    assert r.status_code == 404 and r.json()["error"] == "unknown_deposit"


def test_confirm_refused_while_door_open(h: Harness) -> None:
    token = h.sign_in("loader1")
    r = h.req("POST", "/api/v1/deposits", token, json={"dossier_code": "HS-9", "phone": "+84900000009"})
    dep = r.json()
    r = h.req("POST", f"/api/v1/deposits/{dep['deposit_id']}/confirm", token)
    assert r.status_code == 409 and r.json()["error"] == "door_open"
    assert h.sms() == []
    h.set_door(dep["compartment"], False)
    r = h.req("POST", f"/api/v1/deposits/{dep['deposit_id']}/confirm", token)
    assert r.status_code == 200 and r.json()["state"] == "code_sent" and r.json()["expires_at"]


def test_auto_confirm_when_sensor_sees_door_shut(make_harness) -> None:  # type: ignore[no-untyped-def]
    h = make_harness(doors={"watch_s": 1.0, "auto_confirm_on_close": True})
    token = h.sign_in("loader1")
    dep = h.req(
        "POST", "/api/v1/deposits", token, json={"dossier_code": "HS-2", "phone": "0900000002"}
    ).json()
    h.set_door(dep["compartment"], False)
    code = h.code_for("HS-2")
    assert h.pickup(code).json()["door"] == "opened"


def test_size_choice_smallest_that_fits_and_bigger(h: Harness) -> None:
    token = h.sign_in("loader1")
    r = h.req(
        "POST",
        "/api/v1/deposits",
        token,
        json={"dossier_code": "A1", "phone": "0900000001", "size": "medium"},
    )
    dep = r.json()
    assert dep["compartment"] == "4" and dep["size"] == "medium"
    r = h.req("POST", f"/api/v1/deposits/{dep['deposit_id']}/bigger", token)
    assert r.status_code == 200, r.text
    assert r.json()["compartment"] == "6" and r.json()["door"] == "opened"
    # reopen works until the code is sent
    h.set_door("6", False)
    r = h.req("POST", f"/api/v1/deposits/{dep['deposit_id']}/reopen", token)
    assert r.status_code == 200 and r.json()["door"] == "opened"
    # compartment 4 is free again; the cabinet shows 6 reserved and open
    cab = {c["label"]: c for c in h.kiosk("GET", "/api/v1/cabinet").json()["compartments"]}
    assert cab["6"]["state"] == "open" and cab["6"]["size"] == "large"
    h.set_door("4", False)
    cab = {c["label"]: c for c in h.kiosk("GET", "/api/v1/cabinet").json()["compartments"]}
    assert cab["4"]["state"] == "free"
    r = h.req("POST", f"/api/v1/deposits/{dep['deposit_id']}/cancel", token)
    assert r.json()["state"] == "cancelled"
    r = h.req("POST", f"/api/v1/deposits/{dep['deposit_id']}/reopen", token)
    assert r.status_code == 409 and r.json()["error"] == "code_already_sent"


def test_when_no_small_is_free_the_next_size_is_used(h: Harness) -> None:
    token = h.sign_in("loader1")
    labels = []
    for i in range(5):
        r = h.req("POST", "/api/v1/deposits", token, json={"dossier_code": f"S{i}", "phone": "0900000001"})
        assert r.status_code == 200, r.text
        labels.append(r.json()["compartment"])
    assert labels == ["1", "2", "3", "7", "4"]
    for i in range(5, 8):
        r = h.req("POST", "/api/v1/deposits", token, json={"dossier_code": f"S{i}", "phone": "0900000001"})
    r = h.req("POST", "/api/v1/deposits", token, json={"dossier_code": "S9", "phone": "0900000001"})
    assert r.status_code == 409 and r.json()["error"] == "no_free_compartment"
    r = h.req("POST", "/api/v1/deposits", token, json={"dossier_code": "S0", "phone": "0900000001"})
    assert r.status_code == 409


def test_phone_from_back_office(h: Harness) -> None:
    token = h.sign_in("loader1")
    r = h.req("POST", "/api/v1/deposits", token, json={"dossier_code": "HS-1"})
    assert r.status_code == 200, r.text
    r = h.req("POST", "/api/v1/deposits", token, json={"dossier_code": "HS-UNKNOWN"})
    assert r.status_code == 422 and r.json()["field"] == "phone"


def test_jammed_door_second_pulse_once_then_staff(h: Harness) -> None:
    token = h.sign_in("loader1")
    dep, code = h.load(token, "HS-1")
    h.sim.cabinet.inject("jammed", *h.where(dep["compartment"]))
    r = h.pickup(code)
    assert r.status_code == 200 and r.json()["door"] == "jammed"
    pid = r.json()["pickup_id"]
    r = h.kiosk("POST", f"/api/v1/pickups/{pid}/retry")
    assert r.status_code == 200 and r.json()["door"] == "jammed"
    r = h.kiosk("POST", f"/api/v1/pickups/{pid}/retry")
    assert r.status_code == 409 and r.json()["error"] == "staff_alerted"
    alarms = h.req("GET", "/api/v1/alarms", token).json()
    assert any(a["kind"] == "door_jammed" and a["compartment"] == dep["compartment"] for a in alarms)
    assert h.pulses(dep["compartment"]) == 3  # load + pickup + one retry, never more
    # the code cannot open it again
    r = h.pickup(code)
    assert r.status_code == 409 and r.json()["error"] == "staff_alerted"


def test_jammed_then_retry_opens(h: Harness) -> None:
    token = h.sign_in("loader1")
    dep, code = h.load(token, "HS-1")
    h.sim.cabinet.inject("jammed", *h.where(dep["compartment"]))
    pid = h.pickup(code).json()["pickup_id"]
    h.sim.cabinet.clear("jammed")
    r = h.kiosk("POST", f"/api/v1/pickups/{pid}/retry")
    assert r.json()["door"] == "opened"
    r = h.kiosk("POST", f"/api/v1/pickups/{pid}/retry")
    assert r.status_code == 409 and r.json()["error"] == "already_collected"


def test_expiry_withdraw_and_reissue(h: Harness) -> None:
    token = h.sign_in("loader1")
    sup = h.sign_in("sup1", Role.SUPERVISOR)
    dep, code = h.load(token, "HS-1")
    dep2, code2 = h.load(token, "HS-2")
    h.clock.advance(6.5 * 86400)
    h.svc.monitor.sweep()
    wait_until(lambda: any("se het han" in m["text"] for m in h.sms()), 5, "reminder SMS")
    h.clock.advance(2 * 86400)
    token = h.sign_in("loader1")
    sup = h.sign_in("sup1")
    h.svc.monitor.sweep()
    r = h.pickup(code)
    assert r.status_code == 410 and r.json()["error"] == "code_expired"
    expired = h.req("GET", "/api/v1/deposits?state=expired", token).json()
    assert {d["deposit_id"] for d in expired} == {dep["deposit_id"], dep2["deposit_id"]}
    wait_until(lambda: any("het han nhan tai tu" in m["text"] for m in h.sms()), 5, "expired SMS")
    r = h.req("POST", f"/api/v1/deposits/{dep['deposit_id']}/withdraw", token)
    assert r.status_code == 200 and r.json()["state"] == "withdrawn" and r.json()["door"] == "opened"
    # reissue: loader may not, supervisor may; old code dies
    r = h.req("POST", f"/api/v1/deposits/{dep2['deposit_id']}/reissue", token)
    assert r.status_code == 403 and r.json()["error"] == "supervisor_required"
    r = h.req("POST", f"/api/v1/deposits/{dep2['deposit_id']}/reissue", sup)
    assert r.status_code == 200 and r.json()["state"] == "code_sent"
    new = h.code_for("HS-2", 2)
    assert h.pickup(code2).status_code == 401
    assert h.pickup(new).json()["door"] == "opened"


def test_working_day_expiry(make_harness) -> None:  # type: ignore[no-untyped-def]
    h = make_harness(codes={"valid_days": 2, "working_days": True, "holidays": ["2026-01-07"]})
    token = h.sign_in("loader1")
    h.load(token, "HS-1")  # Monday 2026-01-05 (ManualClock); Wed is a holiday -> Thu 8th
    dep = h.req("GET", "/api/v1/deposits?state=code_sent", token).json()[0]
    assert dep["expires_at"].startswith("2026-01-08T16:59:59")  # 23:59:59 in Asia/Ho_Chi_Minh


def test_force_open_audited_with_reason(h: Harness) -> None:
    token = h.sign_in("loader1")
    sup = h.sign_in("sup1", Role.SUPERVISOR)
    r = h.req("POST", "/api/v1/compartments/5/open", token, json={"reason": "inspection"})
    assert r.status_code == 403
    r = h.req("POST", "/api/v1/compartments/5/open", sup, json={})
    assert r.status_code == 422 and r.json()["field"] == "reason"
    r = h.req("POST", "/api/v1/compartments/99/open", sup, json={"reason": "inspection"})
    assert r.status_code == 404 and r.json()["error"] == "unknown_compartment"
    r = h.req("POST", "/api/v1/compartments/5/open", sup, json={"reason": "inspection"})
    assert r.status_code == 200 and r.json()["door"] == "opened"
    day = h.clock.now().astimezone().date().isoformat()
    records = h.req("GET", f"/api/v1/audit?day={h.clock.now().date().isoformat()}", sup).json()["records"]
    assert any(
        x["action"] == "unlock_intent" and x["detail"].get("reason") == "inspection" and x["actor"] == "sup1"
        for x in records
    ), day
    comps = {c["label"]: c for c in h.req("GET", "/api/v1/compartments", token).json()}
    assert comps["5"]["door"] == "open" and comps["5"]["board"] == 0 and comps["5"]["lock"] == 5


def test_bus_down_pickup_never_sent_code_still_good(h: Harness) -> None:
    token = h.sign_in("loader1")
    dep, code = h.load(token, "HS-1")
    pulses = h.pulses(dep["compartment"])
    h.sim.unplug()
    wait_until(lambda: h.req("GET", "/api/v1/health").json()["status"] == "degraded", 10, "bus seen down")
    r = h.pickup(code)
    assert r.status_code == 503 and r.json()["error"] == "locker_unavailable"
    assert h.pulses(dep["compartment"]) == pulses
    # health reads the bus's state at once; the alarm is written by the monitor's event thread
    wait_until(
        lambda: any(a["kind"] == "bus_down" for a in h.req("GET", "/api/v1/alarms", token).json()),
        10,
        "the bus_down alarm",
    )
    h.sim.replug()
    wait_until(lambda: h.req("GET", "/api/v1/health").json()["status"] == "ok", 20, "bus back")
    r = h.pickup(code)  # the frame never left, so the code was not used up
    assert r.status_code == 200 and r.json()["door"] == "opened"


def test_no_sensor_reply_is_unknown_and_one_retry_allowed(h: Harness) -> None:
    from drivers.lockboard.codec import RequestKind

    token = h.sign_in("loader1")
    dep, code = h.load(token, "HS-1")
    board, _ = h.where(dep["compartment"])
    h.sim.cabinet.inject("jammed", *h.where(dep["compartment"]))
    h.sim.cabinet.inject("no_reply", board=board, on=[RequestKind.STATUS])
    r = h.pickup(code)
    assert r.status_code == 200 and r.json()["door"] == "unknown"
    h.sim.cabinet.clear()
    wait_until(lambda: h.svc.cabinet.door(dep["compartment"]).value == "closed", 10, "sensor back")
    r = h.kiosk("POST", f"/api/v1/pickups/{r.json()['pickup_id']}/retry")
    assert r.status_code == 200 and r.json()["door"] == "opened"
    assert h.req("GET", f"/api/v1/deposits/{dep['deposit_id']}", token).json()["state"] == "collected"


def test_personal_data_erased_after_retention(h: Harness) -> None:
    token = h.sign_in("loader1")
    dep, code = h.load(token, "HS-1")
    h.pickup(code)
    h.clock.advance(89 * 86400)
    h.svc.monitor.sweep()
    with h.svc.store.read() as conn:
        assert conn.execute("SELECT phone FROM deposits").fetchone()[0] == "+84900000001"
    h.clock.advance(2 * 86400)
    h.svc.monitor.sweep()
    with h.svc.store.read() as conn:
        row = conn.execute("SELECT phone, citizen_name, dossier_code, state FROM deposits").fetchone()
    assert tuple(row) == ("", "", "HS-1", "collected")
