"""GET /api/v1/dossiers/{code} and POST .../resend through the real HTTP API: each back-office
state, the merge with the locker's own deposits, the refusals, and the resend's limits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from contracts.dossiers import DOSSIER_CODE_PATTERN, CodeResent, DossierAnswer, DossierStatus
from tests.locker.conftest import Harness

# The harness's ManualClock starts at 2026-01-05 08:00 UTC.
BASE = {"phone": "+84900000001", "received_at": "2026-01-02T08:00:00+07:00"}
DOSSIERS: dict[str, dict[str, Any]] = {
    "HS-RECEIVED": {"citizen_name": "Lê Minh Châu", "status": "received", "collect_at": "post",
                    "due_at": "2026-01-15T17:00:00+07:00", "procedure": "Cấp Phiếu lý lịch tư pháp"},
    "HS-PROGRESS": {"citizen_name": "Trần Thị Bình", "status": "in_progress", "collect_at": "counter",
                    "due_at": "2026-01-07T17:00:00+07:00", "procedure": "Đăng ký hộ kinh doanh"},
    "HS-SUPPLEMENT": {"citizen_name": "Phạm Thu Dung", "status": "supplement_requested",
                      "missing": "Bản vẽ mặt bằng", "collect_at": "counter",
                      "due_at": "2026-01-04T17:00:00+07:00", "procedure": "Cấp giấy phép xây dựng"},
    "HS-DONE": {"citizen_name": "Nguyễn Văn An", "status": "done_waiting", "collect_at": "counter",
                "due_at": "2026-01-04T17:00:00+07:00", "procedure": "Trích lục khai sinh"},
    "HS-RETURNED": {"citizen_name": "Vũ Thị Giang", "status": "returned", "collect_at": "counter",
                    "due_at": "2026-01-04T17:00:00+07:00", "procedure": "Chứng thực bản sao"},
    "HS-LATE": {"citizen_name": "Hoàng Văn Em", "status": "in_progress", "collect_at": "counter",
                "due_at": "2026-01-05T14:00:00+07:00", "procedure": "Chuyển mục đích sử dụng đất"},
    "HS-SLOW": {"citizen_name": "Đỗ Văn Hải", "simulate": "slow"},
    "HS-DOWN": {"citizen_name": "Ngô Thị Lan", "simulate": "down"},
}  # fmt: skip


@pytest.fixture
def d(h: Harness) -> Harness:
    h.dossiers.write_text(json.dumps({k: {**BASE, **v} for k, v in DOSSIERS.items()}, ensure_ascii=False))
    return h


def look(h: Harness, code: str, kiosk: str = "k1") -> Any:
    return h.req("GET", f"/api/v1/dossiers/{code}", headers={**h.kiosk_headers, "X-Kiosk-Id": kiosk})


def answer(h: Harness, code: str) -> DossierAnswer:
    r = look(h, code)
    assert r.status_code == 200, r.text
    assert "phone" not in r.text and "+849" not in r.text  # the masked name is all it says of the person
    return DossierAnswer.model_validate_json(r.text)


@pytest.mark.parametrize(
    ("code", "status", "late", "collect"),
    [
        ("HS-RECEIVED", DossierStatus.RECEIVED, False, "post"),
        ("HS-PROGRESS", DossierStatus.IN_PROGRESS, False, "counter"),
        ("HS-SUPPLEMENT", DossierStatus.SUPPLEMENT_REQUESTED, False, "counter"),  # the clock stops
        ("HS-DONE", DossierStatus.DONE_WAITING, False, "counter"),  # done: not late any more
        ("HS-RETURNED", DossierStatus.RETURNED, False, "counter"),
        ("HS-LATE", DossierStatus.IN_PROGRESS, True, "counter"),  # due 07:00 UTC, now 08:00
    ],
)
def test_each_back_office_state(
    d: Harness, code: str, status: DossierStatus, late: bool, collect: str
) -> None:
    a = answer(d, code)
    assert (a.status, a.late, a.collect_at.value) == (status, late, collect)
    assert a.procedure == DOSSIERS[code]["procedure"] and a.due_at and a.received_at
    assert not a.in_locker and a.compartment is None and not a.can_resend and not a.partial
    assert a.missing == ("Bản vẽ mặt bằng" if code == "HS-SUPPLEMENT" else "")
    assert a.citizen_name_masked.endswith(DOSSIERS[code]["citizen_name"].split()[-1])
    assert DOSSIERS[code]["citizen_name"] not in a.citizen_name_masked


def test_the_locker_adds_what_it_holds(d: Harness) -> None:
    token = d.sign_in("loader1")
    dep, code = d.load(token, "HS-DONE")
    a = answer(d, "HS-DONE")
    assert a.in_locker and a.compartment == dep["compartment"] and a.collect_at.value == "locker"
    assert a.waiting_since and a.pickup_until and a.can_resend
    d.set_door(dep["compartment"], False)
    assert d.pickup(code).status_code == 200
    a = answer(d, "HS-DONE")  # the back office still says done_waiting: the locker knows better
    assert a.status is DossierStatus.RETURNED and not a.in_locker and not a.can_resend


def test_in_locker_while_the_back_office_lags_or_is_down(d: Harness) -> None:
    token = d.sign_in("loader1")
    d.load(token, "HS-PROGRESS", phone="0900000002")
    a = answer(d, "HS-PROGRESS")
    assert a.status is DossierStatus.DONE_WAITING and a.in_locker and not a.late
    entries = json.loads(d.dossiers.read_text())
    entries["HS-PROGRESS"]["simulate"] = "down"
    d.dossiers.write_text(json.dumps(entries))
    a = answer(d, "HS-PROGRESS")  # the locker's part still reaches the citizen
    assert a.partial and a.in_locker and a.can_resend and a.procedure == ""


def test_unknown_malformed_and_unauthenticated(d: Harness) -> None:
    r = look(d, "HS-NOPE")
    body = r.json()
    assert r.status_code == 404 and body["error"] == "dossier_unknown"
    assert "Không tìm thấy hồ sơ HS-NOPE" in body["message"] and "No dossier HS-NOPE" in body["message"]
    for bad in ("HS", "HS%201", "H%C3%9C-12", "-HS-1", "x" * 41):
        r = look(d, bad)
        assert r.status_code == 422 and r.json()["field"] == "code", bad
    r = d.req("GET", "/api/v1/dossiers/HS-DONE")
    assert r.status_code == 401 and r.json()["error"] == "not_signed_in"


def test_slow_or_down_back_office(d: Harness) -> None:
    r = look(d, "HS-SLOW")
    assert r.status_code == 504 and r.json()["error"] == "backoffice_timeout"
    assert "hỏi tại quầy" in r.json()["message"] and "ask at the counter" in r.json()["message"]
    r = look(d, "HS-DOWN")
    assert r.status_code == 503 and r.json()["error"] == "backoffice_unavailable"


def test_lookups_are_limited_per_kiosk(make_harness: Any) -> None:
    h = make_harness(dossiers={"lookups_per_min_per_kiosk": 3})
    for _ in range(3):
        assert look(h, "HS-1").status_code == 200
    r = look(h, "HS-1")
    assert r.status_code == 429 and r.json()["error"] == "too_many_lookups" and r.headers["Retry-After"]
    assert look(h, "HS-1", kiosk="k2").status_code == 200  # another kiosk has its own count
    h.clock.advance(61)
    assert look(h, "HS-1").status_code == 200


def resend(h: Harness, code: str) -> Any:
    return h.req("POST", f"/api/v1/dossiers/{code}/resend", headers={**h.kiosk_headers, "X-Kiosk-Id": "k1"})


def test_resend_kills_the_old_code_and_holds_its_limits(make_harness: Any) -> None:
    h = make_harness(dossiers={"resend_period_h": 24.0, "resend_max_per_deposit": 2})
    token = h.sign_in("loader1")
    dep, old = h.load(token, "HS-1")
    r = resend(h, "HS-1")
    assert r.status_code == 200, r.text
    sent = CodeResent.model_validate_json(r.text)
    assert sent.phone_masked == "+84*****0001"
    new = h.code_for("HS-1", nth=2)
    assert new != old
    assert {m["to"] for m in h.sms()} == {"+84900000001"}  # the phone on file, nothing else
    assert h.pickup(old).json()["error"] == "wrong_code"  # the old code died at once
    r = resend(h, "HS-1")
    assert r.status_code == 429 and r.json()["error"] == "resend_too_soon"
    assert int(r.headers["Retry-After"]) == 24 * 3600
    assert not answer(h, "HS-1").can_resend
    h.clock.advance(24 * 3600 + 1)
    assert answer(h, "HS-1").can_resend
    assert resend(h, "HS-1").status_code == 200
    newest = h.code_for("HS-1", nth=3)
    h.clock.advance(24 * 3600 + 1)
    r = resend(h, "HS-1")
    assert r.status_code == 409 and r.json()["error"] == "resend_not_possible"  # at most 2 in all
    h.set_door(dep["compartment"], False)
    assert h.pickup(new).json()["error"] == "wrong_code"
    assert h.pickup(newest).status_code == 200  # the newest code opens the door
    with h.svc.store.read() as conn:
        rows = conn.execute(
            "SELECT actor FROM audit WHERE deposit_id=? AND action='code_resend'", (dep["deposit_id"],)
        ).fetchall()
    assert [r["actor"] for r in rows] == ["kiosk:k1", "kiosk:k1"]


def test_resend_only_when_the_result_waits_in_the_locker(d: Harness) -> None:
    r = resend(d, "HS-PROGRESS")
    assert r.status_code == 409 and r.json()["error"] == "resend_not_possible"
    assert "hỏi tại quầy" in r.json()["message"]
    assert resend(d, "HS%20X").status_code == 422


def test_the_openapi_document_names_the_lookup_errors(h: Harness) -> None:
    doc = h.req("GET", "/openapi.json").json()
    get = doc["paths"]["/api/v1/dossiers/{code}"]["get"]
    post = doc["paths"]["/api/v1/dossiers/{code}/resend"]["post"]
    assert {s for s in get["responses"] if s[0] in "45"} == {"401", "404", "422", "429", "503", "504"}
    assert {s for s in post["responses"] if s[0] in "45"} == {"401", "409", "422", "429"}
    assert get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/DossierAnswer")
    codes = set(doc["components"]["schemas"]["LockerErrorCode"]["enum"])
    assert {"dossier_unknown", "backoffice_unavailable", "backoffice_timeout", "resend_too_soon"} <= codes
    param = next(p for p in get["parameters"] if p["name"] == "code")
    assert param["schema"]["pattern"] == DOSSIER_CODE_PATTERN


def test_the_phone_page(make_harness: Any) -> None:
    h = make_harness(verify_requests_per_min=6)
    h.dossiers.write_text(json.dumps({k: {**BASE, **v} for k, v in DOSSIERS.items()}, ensure_ascii=False))
    r = h.req("GET", "/dossier/HS-LATE")  # anyone holding the receipt: no token
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in r.headers["Content-Security-Policy"]
    assert "Đang giải quyết" in r.text and "Being handled" in r.text and "xin lỗi quý khách" in r.text
    assert "05/01/2026" in r.text and "Quầy trả kết quả" in r.text  # due 14:00 in the center's zone
    assert "H**** V** Em" in r.text and "Hoàng" not in r.text and "+849" not in r.text
    r = h.req("GET", "/dossier/HS-NOPE")
    assert r.status_code == 404 and "Không tìm thấy hồ sơ HS-NOPE" in r.text
    r = h.req("GET", "/dossier/HS-DOWN")
    assert r.status_code == 503 and "hỏi tại quầy" in r.text
    r = h.req("GET", "/dossier/%3Cscript%3E")
    assert r.status_code == 422 and "<script>" not in r.text
    assert h.req("GET", "/dossier/HS-DONE").status_code == 200
    assert h.req("GET", "/dossier/HS-DONE").status_code == 200  # the 6th from this address
    r = h.req("GET", "/dossier/HS-DONE")  # the 7th within a minute
    assert r.status_code == 429 and r.headers["Retry-After"] and "Quá nhiều lượt tra cứu" in r.text
    assert "/dossier/{code}" not in h.req("GET", "/openapi.json").json()["paths"]  # a page, not the API
