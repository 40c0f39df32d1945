"""Auth, attempt limits, second factors, and what never leaks (through the real HTTP API)."""

from __future__ import annotations

import logging

import pyotp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from locker.staff import Role
from tests.locker.conftest import PIN, Harness


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"


def test_tokens_required(h: Harness) -> None:
    r = h.req("POST", "/api/v1/pickups", json={"code": "123456"})
    assert r.status_code == 401 and r.json()["error"] == "not_signed_in"
    r = h.req("POST", "/api/v1/pickups", "not-the-kiosk-token", json={"code": "123456"})
    assert r.status_code == 401 and r.json()["error"] == "not_kiosk"
    # the kiosk token is not a staff token
    r = h.kiosk("POST", "/api/v1/deposits", json={"dossier_code": "X", "phone": "0900000001"})
    assert r.status_code == 401
    assert h.req("GET", "/api/v1/compartments").status_code == 401
    assert h.req("GET", "/api/v1/health").status_code == 200
    assert (h.paths.kiosk_token.stat().st_mode & 0o777) == 0o600
    assert (h.paths.code_key.stat().st_mode & 0o777) == 0o600
    for suffix in ("", "-wal", "-shm"):
        db = h.paths.db.with_name(h.paths.db.name + suffix)
        assert (db.stat().st_mode & 0o077) == 0, db


def test_staff_sign_in_rules(h: Harness) -> None:
    secret = h.add_staff("loader1", Role.LOADER)
    h.clock.advance(30)

    def attempt(pin: str, totp: str) -> int:
        r = h.req("POST", "/api/v1/staff/sessions", json={"staff_id": "loader1", "pin": pin, "totp": totp})
        if r.status_code != 200:
            assert r.json()["error"] == "bad_credentials"
        return r.status_code

    good = pyotp.TOTP(secret).at(h.clock.now())
    assert attempt("000000", good) == 401
    assert attempt(PIN, "000000" if good != "000000" else "111111") == 401
    assert attempt(PIN, good) == 200
    assert attempt(PIN, good) == 401  # the same TOTP cannot be replayed
    r = h.req("POST", "/api/v1/staff/sessions", json={"staff_id": "nobody", "pin": PIN, "totp": good})
    assert r.status_code == 401 and r.json()["error"] == "bad_credentials"
    r = h.req("POST", "/api/v1/staff/sessions", json={"staff_id": "loader1", "pin": PIN, "totp": "12"})
    assert r.status_code == 422 and r.json()["field"] == "totp"
    # lockout after repeated failures, even with the right credentials afterwards
    for _ in range(5):
        attempt("999999", "000000")
    h.clock.advance(30)
    assert attempt(PIN, pyotp.TOTP(secret).at(h.clock.now())) == 401
    h.clock.advance(16 * 60)
    assert attempt(PIN, pyotp.TOTP(secret).at(h.clock.now())) == 200


def test_session_idle_expiry_and_sign_out(h: Harness) -> None:
    token = h.sign_in("loader1")
    assert h.req("GET", "/api/v1/compartments", token).status_code == 200
    h.clock.advance(9 * 60)
    assert h.req("GET", "/api/v1/compartments", token).status_code == 200  # activity slides the expiry
    h.clock.advance(11 * 60)
    r = h.req("GET", "/api/v1/compartments", token)
    assert r.status_code == 401 and r.json()["error"] == "session_expired"
    token = h.sign_in("loader1")
    assert h.req("DELETE", "/api/v1/staff/sessions/current", token).status_code == 200
    assert h.req("GET", "/api/v1/compartments", token).status_code == 401


def test_kiosk_throttle_grows_and_resets(h: Harness) -> None:
    token = h.sign_in("loader1")
    _, code = h.load(token, "HS-1")
    bad = _wrong(code)
    for _ in range(3):
        r = h.pickup(bad)
        assert r.status_code == 401 and r.json()["tries_left"] is None
    r = h.pickup(bad)  # 4th failure is recorded; now a 2 s wait applies
    assert r.status_code == 401
    r = h.pickup(code)
    assert r.status_code == 429 and r.json()["error"] == "throttled"
    assert r.json()["retry_after_s"] == 2 and r.headers["Retry-After"] == "2"
    h.clock.advance(2)
    assert h.pickup(bad).status_code == 401
    r = h.pickup(code)
    assert r.status_code == 429 and r.json()["retry_after_s"] == 4
    # another kiosk is not slowed down by this one
    r = h.req(
        "POST", "/api/v1/pickups", headers={**h.kiosk_headers, "X-Kiosk-Id": "kiosk-2"}, json={"code": code}
    )
    assert r.status_code == 200 and r.json()["door"] == "opened"


def test_burst_alarm(make_harness) -> None:  # type: ignore[no-untyped-def]
    h = make_harness(codes={"burst_failures": 6, "kiosk_free_failures": 100})
    for i in range(6):
        assert h.pickup(f"{i:06d}").status_code == 401
    # the whole cabinet slows down: another kiosk id does not get a fresh allowance
    other = {**h.kiosk_headers, "X-Kiosk-Id": "kiosk-2"}
    r = h.req("POST", "/api/v1/pickups", headers=other, json={"code": "999999"})
    assert r.status_code == 429 and r.json()["retry_after_s"] == 60
    token = h.sign_in("loader1")
    # (filtered by kind: on a very loaded machine a slow simulator may also cost a board alarm)
    alarms = [a for a in h.req("GET", "/api/v1/alarms", token).json() if a["kind"] == "code_guessing"]
    assert len(alarms) == 1
    r = h.req("POST", f"/api/v1/alarms/{alarms[0]['alarm_id']}/ack", token)
    assert r.status_code == 200
    assert all(
        a["acked"] for a in h.req("GET", "/api/v1/alarms", token).json() if a["kind"] == "code_guessing"
    )
    assert h.req("POST", "/api/v1/alarms/999/ack", token).status_code == 404
    # staff have looked at the alarm: the slow-down is lifted
    assert h.req("POST", "/api/v1/pickups", headers=other, json={"code": "999999"}).status_code == 401
    # every failure is in the audit log, without the typed code
    records = h.req("GET", f"/api/v1/audit?day={h.clock.now().date()}", token).json()["records"]
    fails = [r for r in records if r["action"] == "pickup_failed"]
    assert len(fails) == 7 and all("000001" not in str(r) for r in fails)


def test_phone_last4_factor_and_deposit_lock(make_harness) -> None:  # type: ignore[no-untyped-def]
    h = make_harness(codes={"second_factor": "phone_last4", "kiosk_free_failures": 100})
    assert h.kiosk("GET", "/api/v1/kiosk/config").json()["second_factor"] == "phone_last4"
    token = h.sign_in("loader1")
    sup = h.sign_in("sup1", Role.SUPERVISOR)
    dep, code = h.load(token, "HS-1", phone="0900001234")
    r = h.pickup(code)
    assert r.status_code == 401 and r.json() | {"message": ""} == {
        "error": "second_factor_required",
        "factor": "phone_last4",
        "message": "",
    }
    r = h.pickup(code, phone_last4="9999")
    assert r.status_code == 401 and r.json()["error"] == "second_factor_wrong" and r.json()["tries_left"] == 4
    # wrong codes with the right phone digits count on that deposit
    for left in (3, 2, 1, 0):
        r = h.pickup(_wrong(code), phone_last4="1234")
        assert r.status_code == 401 and r.json()["tries_left"] == left
    r = h.pickup(code, phone_last4="1234")
    assert r.status_code == 423 and r.json()["error"] == "deposit_locked"
    assert h.pulses(dep["compartment"]) == 1
    r = h.req("POST", f"/api/v1/deposits/{dep['deposit_id']}/unblock", token)
    assert r.status_code == 403
    r = h.req("POST", f"/api/v1/deposits/{dep['deposit_id']}/unblock", sup)
    assert r.status_code == 200
    assert h.pickup(code, phone_last4="1234").json()["door"] == "opened"


def test_id_number_factor(make_harness) -> None:  # type: ignore[no-untyped-def]
    h = make_harness(codes={"second_factor": "id_number"})
    token = h.sign_in("loader1")
    _, code = h.load(token, "HS-1", id_number="001099012345")
    _, code2 = h.load(token, "HS-2", phone="0900005678")  # staff had no ID number: phone digits instead
    r = h.pickup(code)
    assert r.json()["error"] == "second_factor_required" and r.json()["factor"] == "id_number"
    r = h.pickup(code, id_number="001099099999")
    assert r.json()["error"] == "second_factor_wrong"
    assert h.pickup(code, id_number="001099012345").json()["door"] == "opened"
    r = h.pickup(code2, id_number="001099012345")
    assert r.json()["error"] == "second_factor_required" and r.json()["factor"] == "phone_last4"
    assert h.pickup(code2, phone_last4="5678").json()["door"] == "opened"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"code": ""},
        {"code": 123456},
        {"code": None},
        {"code": "1" * 100},
        {"code": "12ab56"},
        {"code": "123456", "phone_last4": "12"},
        [],
        "x",
    ],
)
def test_nonsense_pickup_bodies_are_4xx(h: Harness, body: object) -> None:
    r = h.kiosk("POST", "/api/v1/pickups", json=body)
    assert 400 <= r.status_code < 500, r.text
    assert set(r.json()) >= {"error", "message"}


@pytest.mark.parametrize(
    "body",
    [
        {"dossier_code": "X1"},
        {"dossier_code": "X1", "phone": "12"},
        {"dossier_code": "X1 ; drop", "phone": "0900000001"},
        {"dossier_code": "X1", "phone": "0900000001", "size": "huge"},
        {"dossier_code": "X1", "phone": "0900000001", "id_number": "12"},
    ],
)
def test_nonsense_deposit_bodies_are_422(h: Harness, body: dict[str, object]) -> None:
    token = h.sign_in("loader1")
    r = h.req("POST", "/api/v1/deposits", token, json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "invalid_request" and r.json()["field"]


def test_codes_never_logged(h: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token = h.sign_in("loader1")
    _, code = h.load(token, "HS-1")
    h.pickup(_wrong(code))
    h.pickup(code)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert code not in text and token not in text and h.svc.kiosk_token not in text
    with h.svc.store.read() as conn:
        dump = "\n".join(conn.iterdump())
    assert code not in dump


def test_supervisor_enrols_staff_over_the_api(h: Harness) -> None:
    sup = h.sign_in("sup1", Role.SUPERVISOR)
    loader = h.sign_in("loader1")
    body = {"staff_id": "loader2", "role": "loader", "pin": "135790"}
    assert h.req("POST", "/api/v1/staff", loader, json=body).status_code == 403
    r = h.req("POST", "/api/v1/staff", sup, json=body)
    assert r.status_code == 200 and r.json()["otpauth_uri"].startswith("otpauth://totp/")
    assert h.req("POST", "/api/v1/staff", sup, json=body).json()["error"] == "staff_exists"
    assert h.req("POST", "/api/v1/staff", sup, json={**body, "role": "boss"}).json()["field"] == "role"
    secret = r.json()["otpauth_uri"].split("secret=")[1].split("&")[0]
    h.clock.advance(30)
    r = h.req(
        "POST",
        "/api/v1/staff/sessions",
        json={"staff_id": "loader2", "pin": "135790", "totp": pyotp.TOTP(secret).at(h.clock.now())},
    )
    assert r.status_code == 200 and r.json()["role"] == "loader"


def test_kiosk_reports_device_alarms(h: Harness) -> None:
    r = h.kiosk("POST", "/api/v1/alarms", json={"kind": "printer_paper_out", "message": "paper roll empty"})
    assert r.status_code == 200 and r.json()["raised"] is True
    r = h.kiosk("POST", "/api/v1/alarms", json={"kind": "printer_paper_out", "message": "still empty"})
    assert r.json()["raised"] is False  # one open alarm per kind until acknowledged
    assert h.kiosk("POST", "/api/v1/alarms", json={"kind": "door_forced", "message": "x"}).status_code == 422
    token = h.sign_in("loader1")
    alarms = [
        a for a in h.req("GET", "/api/v1/alarms?open_only=true", token).json() if a["kind"].startswith("p")
    ]
    assert [a["kind"] for a in alarms] == ["printer_paper_out"] and "paper roll empty" in alarms[0]["message"]


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=12), kids, max_size=4),
    max_leaves=10,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(
        _json, st.fixed_dictionaries({"code": _json}, optional={"phone_last4": _json, "id_number": _json})
    )
)
def test_fuzzed_bodies_never_500(h: Harness, body: object) -> None:
    for path in ("/api/v1/pickups", "/api/v1/alarms"):
        r = h.kiosk("POST", path, json=body)
        assert r.status_code < 500, (path, body, r.text)
        if r.status_code >= 400:
            assert "error" in r.json() and "message" in r.json()


# ----- digits are ASCII 0-9 only ("²", Arabic-Indic and full-width digits pass str.isdigit()) -----
_NOT_ASCII_DIGITS = ["١٢٣٤٥٦", "１２３４５６", "12345²", "۱۲۳۴۵۶"]


@pytest.mark.parametrize("text", _NOT_ASCII_DIGITS)
def test_codebook_accepts_only_ascii_digits(text: str) -> None:
    from locker.codes import CodeBook, ascii_digits, is_ascii_digits

    book = CodeBook("00" * 32, 6)
    assert not book.well_formed(text) and not is_ascii_digits(text)
    assert book.well_formed("123456") and is_ascii_digits("0123456789") and not is_ascii_digits("")
    # an ID number typed with other scripts' digits never matches the ASCII one
    assert ascii_digits("001-099 012345") == "001099012345"
    assert book.id_digest("٠٠١٠٩٩٠١٢٣٤٥") != book.id_digest("001099012345")


@pytest.mark.parametrize("text", _NOT_ASCII_DIGITS)
def test_unicode_digits_are_refused_over_http(h: Harness, text: str) -> None:
    token = h.sign_in("loader1")
    r = h.req(
        "POST",
        "/api/v1/deposits",
        token,
        json={"dossier_code": "X1", "phone": "0900000001", "id_number": "001099" + text},
    )
    assert r.status_code == 422 and r.json()["field"] == "id_number", r.text
    r = h.pickup(text)
    assert r.status_code == 401 and r.json()["error"] == "wrong_code", r.text


def test_staff_pin_and_id_must_be_ascii(h: Harness) -> None:
    from locker.errors import InvalidInput

    for pin in ("１２３４５６", "٢٤٦٨١٠"):
        with pytest.raises(InvalidInput) as err:
            h.svc.staff.add("loader9", Role.LOADER, pin)
        assert err.value.extra["field"] == "pin"
    for staff_id in ("Đức", "abc²", "a b", "x" * 33, ""):
        with pytest.raises(InvalidInput) as err:
            h.svc.staff.add(staff_id, Role.LOADER, "246810")
        assert err.value.extra["field"] == "staff_id"


@pytest.mark.parametrize("day", ["0001-01-01", "2026-13-01", "yesterday", "9999-99-99"])
def test_audit_day_out_of_range_is_422_not_500(h: Harness, day: str) -> None:
    token = h.sign_in("loader1")
    r = h.req("GET", f"/api/v1/audit?day={day}", token)
    assert r.status_code == 422 and r.json()["field"] == "day", r.text
    assert h.req("GET", "/api/v1/audit?day=9999-12-31", token).status_code == 200  # the last day works


def test_health_shows_device_urls_to_staff_only(h: Harness) -> None:
    url = h.sim.url
    anonymous = h.req("GET", "/api/v1/health")
    assert anonymous.status_code == 200 and url not in anonymous.text
    assert all("url" not in b for b in anonymous.json()["buses"])
    assert url not in h.kiosk("GET", "/api/v1/health").text  # the kiosk token is not staff
    token = h.sign_in("loader1")
    staff = h.req("GET", "/api/v1/health", token).json()
    assert [b["url"] for b in staff["buses"]] == [url]
