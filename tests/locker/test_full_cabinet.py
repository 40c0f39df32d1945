"""Issue 16, a full cabinet: loading says so at once (409 with the next size up, or the counter);
staff take the next size or keep the result at the counter (the citizen's SMS says so); a
"locker nearly full" alarm at a configurable occupancy reaches the hub's outbox. Real HTTP, real
bus on the simulator's pty, real SQLite. The cabinet: small 1 2 3 7, medium 4 5, large 6 8."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pyotp
import pytest

from common import sms_text
from kiosk.clients.locker import ApiError, LockerClient
from locker.staff import Role
from tests.harness import wait_until
from tests.locker.conftest import PIN, Harness


def _post(h: Harness, token: str, dossier: str, **extra: Any) -> Any:
    return h.req(
        "POST", "/api/v1/deposits", token, json={"dossier_code": dossier, "phone": "0900000001", **extra}
    )


def _pulses(h: Harness) -> int:
    return sum(h.pulses(label) for label in h.svc.cabinet.compartments)


def test_no_small_free_offers_medium_at_once_then_staff_take_it(h: Harness) -> None:
    token = h.sign_in("loader1")
    for i in range(4):
        assert _post(h, token, f"S{i}", size="small").status_code == 200
    pulses = _pulses(h)
    r = _post(h, token, "S4", size="small")
    assert r.status_code == 409, r.text
    body = r.json()
    assert (
        body["error"] == "no_free_compartment" and body["next_size"] == "medium" and body["counter"] is True
    )
    assert "medium" in body["message"] and "counter" in body["message"]
    assert _pulses(h) == pulses  # nothing opened
    r = _post(h, token, "S4", size="medium")
    assert r.status_code == 200 and r.json()["compartment"] == "4"
    # automatic size still takes the smallest free one that fits, bigger when it must
    r = _post(h, token, "S5")
    assert r.status_code == 200 and r.json()["compartment"] == "5"


def test_a_retried_load_hears_dossier_in_locker_even_when_the_cabinet_is_full(h: Harness) -> None:
    """A load whose answer was lost (a kill, a dropped connection) is retried: it must hear that the
    dossier is in the locker, not "full" — the crash test's loader kept retrying on "full" until
    the first deposit was collected and then loaded the dossier twice."""
    token = h.sign_in("loader1")
    for i in range(8):
        assert _post(h, token, f"F{i}").status_code == 200
    for size in (None, "small", "large"):
        r = _post(h, token, "F3", **({"size": size} if size else {}))
        assert r.status_code == 409 and r.json()["error"] == "dossier_in_locker", r.text


def test_full_cabinet_offers_only_the_counter_and_the_counter_sms_is_sent_once(h: Harness) -> None:
    token = h.sign_in("loader1")
    for i in range(8):
        assert _post(h, token, f"F{i}").status_code == 200
    for size in (None, "large"):
        r = _post(h, token, "HS-1", **({"size": size} if size else {}))
        assert r.status_code == 409 and r.json()["next_size"] is None and r.json()["counter"] is True
    # the dossier already in the cabinet cannot also be "at the counter"
    r = h.req("POST", "/api/v1/counter-results", token, json={"dossier_code": "F0", "phone": "0900000001"})
    assert r.status_code == 409 and r.json()["error"] == "dossier_in_locker"
    # the phone from the back office, as for a deposit
    r = h.req("POST", "/api/v1/counter-results", token, json={"dossier_code": "HS-1"})
    assert r.status_code == 200, r.text
    assert r.json()["phone_masked"] == "+84*****0001" and r.json()["sms_queued"] is True
    msg = wait_until(lambda: next((m for m in h.sms() if "HS-1" in m["text"]), None), 5, "counter SMS")
    assert "nhan tai quay" in msg["text"] and "Ma nhan" not in msg["text"]
    assert sms_text.segments(msg["text"]) == 1 and sms_text.septets(msg["text"]) is not None
    again = h.req("POST", "/api/v1/counter-results", token, json={"dossier_code": "HS-1"})
    assert again.status_code == 200 and again.json()["sms_queued"] is False  # a second tap
    assert again.json()["kept_at"] == r.json()["kept_at"]
    wait_until(lambda: h.svc.health()["outbox_backlog"] == 0, 5, "outbox drained")
    assert len([m for m in h.sms() if "HS-1" in m["text"]]) == 1
    records = h.req("GET", f"/api/v1/audit?day={h.clock.now().date().isoformat()}", token).json()["records"]
    assert [r["detail"]["dossier_code"] for r in records if r["action"] == "kept_at_counter"] == ["HS-1"]
    r = h.req("POST", "/api/v1/counter-results", token, json={"dossier_code": "HS-UNKNOWN"})
    assert r.status_code == 422 and r.json()["field"] == "phone"


def test_nearly_full_alarm_at_the_threshold_once_and_to_the_hub(make_harness: Callable[..., Harness]) -> None:
    h = make_harness(capacity={"nearly_full_alarm_pct": 50})
    token = h.sign_in("loader1")

    def nearly_full() -> list[dict[str, Any]]:
        alarms = h.req("GET", "/api/v1/alarms", token).json()
        return [a for a in alarms if a["kind"] == "locker_nearly_full"]

    for i in range(3):
        assert _post(h, token, f"N{i}").status_code == 200
    assert nearly_full() == []  # 3 of 8
    assert _post(h, token, "N3").status_code == 200
    (alarm,) = nearly_full()  # 4 of 8 = 50 %
    assert alarm["compartment"] is None and "4 of 8" in alarm["message"]
    assert _post(h, token, "N4").status_code == 200
    assert len(nearly_full()) == 1  # one open alarm until acknowledged
    with h.svc.store.read() as conn:
        events = conn.execute("SELECT kind, data FROM hub_events WHERE kind='alarm.raised'").fetchall()
    raised = [json.loads(e["data"]) for e in events]
    # once to the hub (a loaded test machine may add a bus alarm of its own: not this test's)
    assert [a for a in raised if a["alarm"] == "locker_nearly_full"] == [{"alarm": "locker_nearly_full"}]


def test_nearly_full_alarm_off_at_zero(make_harness: Callable[..., Harness]) -> None:
    h = make_harness(capacity={"nearly_full_alarm_pct": 0})
    token = h.sign_in("loader1")
    for i in range(8):
        assert _post(h, token, f"Z{i}").status_code == 200
    assert [
        a for a in h.req("GET", "/api/v1/alarms", token).json() if a["kind"] == "locker_nearly_full"
    ] == []


def test_the_kiosk_client_reads_the_offer_and_keeps_at_the_counter(h: Harness) -> None:
    client = LockerClient(h.base, kiosk_token=h.svc.kiosk_token, client_id="kiosk-1")
    h.add_staff("loader9", Role.LOADER)
    h.clock.advance(30)
    client.sign_in("loader9", PIN, pyotp.TOTP(h.svc.staff.totp_secret("loader9")).at(h.clock.now()))
    for i in range(2):
        client.create_deposit(f"L{i}", "0900000001", "large", authorised_id_number="079188006789")
    with pytest.raises(ApiError) as err:
        client.create_deposit("L2", "0900000001", "large")
    assert err.value.code == "no_free_compartment" and err.value.extra["next_size"] is None
    kept = client.keep_at_counter("L2", "0900000001")
    assert kept.dossier_code == "L2" and kept.sms_queued and kept.phone_masked == "+84*****0001"
