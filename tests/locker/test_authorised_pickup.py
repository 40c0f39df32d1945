"""Issue 16, authorised pickup: staff add an authorised person at loading; either person's ID
card (or phone) opens the door, a third does not; receipt, back-office callback and audit say who
collected, masked. Real HTTP, real bus on the simulator's pty, real SQLite."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.harness import wait_until
from tests.locker.conftest import Harness

CITIZEN_ID = "001099012345"
AUTHORISED_ID = "079188006789"
THIRD_ID = "001099099999"


def _returned(h: Harness) -> list[dict[str, object]]:
    wait_until(lambda: h.returned.exists() and h.returned.read_text().strip(), 5, "returned callback")
    return [json.loads(x) for x in h.returned.read_text().splitlines()]


def _audit(h: Harness, token: str, deposit_id: str, action: str) -> dict[str, object]:
    records = h.req("GET", f"/api/v1/audit?deposit_id={deposit_id}", token).json()["records"]
    (rec,) = [r for r in records if r["action"] == action]
    return dict(rec["detail"])


def test_the_authorised_person_s_id_card_opens_and_everyone_is_told(
    make_harness: Callable[..., Harness],
) -> None:
    h = make_harness(codes={"second_factor": "id_number", "kiosk_free_failures": 100})
    token = h.sign_in("loader1")
    dep, code = h.load(
        token,
        "HS-1",
        id_number=CITIZEN_ID,
        authorised_id_number=AUTHORISED_ID,
        authorised_phone="0900000002",
    )
    # the authorised person's phone gets the same code SMS, once
    wait_until(lambda: len([m for m in h.sms() if code in m["text"]]) == 2, 5, "two code SMS")
    texts = [m for m in h.sms() if code in m["text"]]
    assert sorted(m["to"] for m in texts) == ["+84900000001", "+84900000002"]
    row = h.req("GET", f"/api/v1/deposits/{dep['deposit_id']}", token).json()
    assert row["authorised"] is True and "authorised_phone" not in row
    # the ID numbers are in the database only as keyed digests
    raw = h.paths.db.read_bytes().decode("latin-1")
    assert AUTHORISED_ID not in raw and CITIZEN_ID not in raw
    # a third person's card: refused, the door stays shut
    r = h.pickup(code, id_number=THIRD_ID)
    assert r.status_code == 401 and r.json()["error"] == "second_factor_wrong"
    assert h.pulses(dep["compartment"]) == 1
    r = h.pickup(code, id_number=AUTHORISED_ID)
    assert r.status_code == 200, r.text
    receipt = r.json()["receipt"]
    assert receipt["collected_by"] == "authorised" and receipt["collector_masked"] == "********6789"
    (line,) = _returned(h)
    assert line["collected_by"] == "authorised" and line["collector_masked"] == "********6789"
    detail = _audit(h, token, dep["deposit_id"], "pickup_accepted")
    assert detail["collected_by"] == "authorised" and detail["collector_masked"] == "********6789"
    # the receipt's QR page says so too (never the ID, not even masked: anyone may open it)
    receipt_token = receipt["verify_url"].rsplit("/", 1)[1]
    check = h.req("GET", f"/api/v1/receipts/{receipt_token}").json()
    assert check["status"] == "collected" and check["collected_by"] == "authorised"
    page = h.req("GET", f"/verify/{receipt_token}", headers={"Accept": "text/html"}).text
    assert "the authorised person" in page and "6789" not in page


def test_the_citizen_s_own_card_still_opens(make_harness: Callable[..., Harness]) -> None:
    h = make_harness(codes={"second_factor": "id_number"})
    token = h.sign_in("loader1")
    dep, code = h.load(token, "HS-1", id_number=CITIZEN_ID, authorised_id_number=AUTHORISED_ID)
    assert len([m for m in h.sms() if code in m["text"]]) == 1  # no authorised phone: one SMS
    r = h.pickup(code, id_number=CITIZEN_ID)
    assert r.status_code == 200, r.text
    assert r.json()["receipt"]["collected_by"] == "citizen"
    assert r.json()["receipt"]["collector_masked"] == "********2345"
    (line,) = _returned(h)
    assert line["collected_by"] == "citizen"
    assert _audit(h, token, dep["deposit_id"], "pickup_accepted")["collected_by"] == "citizen"


def test_phone_last4_accepts_either_phone(make_harness: Callable[..., Harness]) -> None:
    h = make_harness(codes={"second_factor": "phone_last4", "kiosk_free_failures": 100})
    token = h.sign_in("loader1")
    _, code = h.load(
        token, "HS-1", phone="0900001111", authorised_id_number=AUTHORISED_ID, authorised_phone="0900002222"
    )
    r = h.pickup(code, phone_last4="3333")
    assert r.status_code == 401 and r.json()["error"] == "second_factor_wrong"
    r = h.pickup(code, phone_last4="2222")
    assert r.status_code == 200, r.text
    assert r.json()["receipt"]["collected_by"] == "authorised"
    assert r.json()["receipt"]["collector_masked"] == "+84*****2222"


def test_no_second_factor_says_unverified(h: Harness) -> None:
    token = h.sign_in("loader1")
    _, code = h.load(token, "HS-1", authorised_id_number=AUTHORISED_ID)
    r = h.pickup(code)
    assert r.status_code == 200 and r.json()["receipt"]["collected_by"] == "unverified"
    assert _returned(h)[0]["collected_by"] == "unverified"


def test_bad_authorised_fields_are_refused_naming_the_field(h: Harness) -> None:
    token = h.sign_in("loader1")

    def post(**extra: str) -> tuple[int, str | None]:
        body = {"dossier_code": "X1", "phone": "0900000001", **extra}
        r = h.req("POST", "/api/v1/deposits", token, json=body)
        return r.status_code, r.json().get("field")

    assert post(authorised_id_number="12") == (422, "authorised_id_number")
    assert post(authorised_phone="0900000002") == (422, "authorised_id_number")  # phone alone: no
    assert post(authorised_id_number=AUTHORISED_ID, authorised_phone="12") == (422, "authorised_phone")
    own = post(authorised_id_number=AUTHORISED_ID, authorised_phone="0900000001")
    assert own == (422, "authorised_phone")
    assert h.sms() == []


def test_without_the_citizen_s_id_the_authorised_card_or_the_citizen_s_phone(
    make_harness: Callable[..., Harness],
) -> None:
    h = make_harness(codes={"second_factor": "id_number", "kiosk_free_failures": 100})
    token = h.sign_in("loader1")
    _, code = h.load(token, "HS-1", authorised_id_number=AUTHORISED_ID)
    # a third person's card: the citizen's factor (their phone) is asked instead
    r = h.pickup(code, id_number=THIRD_ID)
    assert r.status_code == 401 and r.json()["factor"] == "phone_last4"
    r = h.pickup(code, id_number=AUTHORISED_ID)
    assert r.status_code == 200 and r.json()["receipt"]["collected_by"] == "authorised"
    _, code2 = h.load(token, "HS-2", authorised_id_number=AUTHORISED_ID)
    r = h.pickup(code2, phone_last4="0001")
    assert r.status_code == 200 and r.json()["receipt"]["collected_by"] == "citizen"
