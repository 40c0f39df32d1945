"""The locker daemon answers nonsense with a clear 4xx JSON error, never a 500 (issue 3 API)."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
import requests

from tests.fuzz.conftest import LOCKER_PIN, LOCKER_SPARE, Service
from tests.fuzz.nasty import (
    BAD_IDS,
    LONE_SURROGATE,
    LOW_SURROGATE,
    ONE_MB,
    Nasty,
    body_cases,
    json_body,
    run_all,
)
from tests.fuzz.runner import Caller, error_shape_problem, fuzz
from tests.harness import run_lockerctl
from tests.locker.conftest import Harness, make_config

KIOSK_PATHS = ("/api/v1/kiosk/", "/api/v1/pickups", "/api/v1/cabinet")


def _callers(svc: Service) -> Callable[[str, str], Iterable[Caller]]:
    def callers(method: str, path: str) -> Iterable[Caller]:
        # Wrong and malformed tokens: test_bad_auth_headers_are_401_json (keeps this run under a minute).
        yield Caller("anonymous", {})
        if method == "DELETE" and path.endswith("/sessions/current"):
            return  # signing the fuzz session out would turn every later staff case into a 401
        # The last caller is the one the operation is meant for: coverage cases are sent as it.
        if not path.startswith(("/api/v1/kiosk/", "/api/v1/pickups")) and path != "/api/v1/health":
            yield Caller("supervisor", svc.auth["staff"])
        if path.startswith(KIOSK_PATHS) or (method == "POST" and path == "/api/v1/alarms"):
            yield Caller("kiosk", svc.auth["kiosk"])

    return callers


def test_schemathesis_every_operation(locker_service: Service) -> None:
    report = fuzz(locker_service.url, _callers(locker_service), max_examples=4, max_coverage_cases=40)
    print(f"locker fuzz: {report.summary()}")  # shown with pytest -s
    assert report.sent > 300 and report.coverage_cases > 100, report
    assert not report.failures, "\n".join(report.failures)


def _locker_cases() -> list[Nasty]:
    cases: list[Nasty] = []
    cases += body_cases(
        "/api/v1/pickups", {"code": "123456", "id_number": "001099012345", "phone_last4": "0001"}
    )
    cases += body_cases("/api/v1/staff/sessions", {"staff_id": "nobody", "pin": "0000", "totp": "000000"})
    cases += body_cases(
        "/api/v1/deposits", {"dossier_code": "HS-X", "phone": "+84900000001", "size": "small"}
    )
    cases += body_cases("/api/v1/staff", {"staff_id": "fz", "role": "loader", "pin": "12"})
    cases += body_cases("/api/v1/alarms", {"kind": "printer_paper_out", "message": "x"})
    cases += body_cases("/api/v1/compartments/999/open", {"reason": "fuzz test reason"})
    for bad in BAD_IDS:
        cases += [
            Nasty(f"retry {bad[:20]}", "POST", f"/api/v1/pickups/{bad}/retry"),
            Nasty(f"deposit {bad[:20]}", "GET", f"/api/v1/deposits/{bad}"),
            Nasty(f"withdraw {bad[:20]}", "POST", f"/api/v1/deposits/{bad}/withdraw"),
            Nasty(f"reissue {bad[:20]}", "POST", f"/api/v1/deposits/{bad}/reissue"),
            Nasty(f"ack {bad[:20]}", "POST", f"/api/v1/alarms/{bad}/ack"),
            Nasty(
                f"open {bad[:20]}",
                "POST",
                f"/api/v1/compartments/{bad}/open",
                b'{"reason": "fuzz test reason"}',
                {"Content-Type": "application/json"},
            ),
            Nasty(f"audit deposit {bad[:20]}", "GET", f"/api/v1/audit?deposit_id={bad}"),
            Nasty(f"audit day {bad[:20]}", "GET", f"/api/v1/audit?day={bad}"),
            Nasty(f"deposits state {bad[:20]}", "GET", f"/api/v1/deposits?state={bad}"),
        ]
    for q in (
        "day=2026-02-30",
        "day=0000-01-01",
        "day=9999-12-31",
        "format=xml",
        "format=csv&day=2026-01-01",
    ):
        cases.append(Nasty(f"audit {q}", "GET", f"/api/v1/audit?{q}"))
    cases.append(Nasty("alarms open_only=maybe", "GET", "/api/v1/alarms?open_only=maybe"))
    cases.append(Nasty("unknown path", "GET", "/api/v1/nope"))
    cases.append(Nasty("wrong method", "PUT", "/api/v1/pickups"))
    return cases


def test_nasty_requests_get_clear_4xx(locker_service: Service) -> None:
    svc = locker_service
    auths: dict[str, dict[str, str] | None] = {
        "anonymous": None,
        "kiosk": svc.auth["kiosk"],
        "supervisor": svc.auth["staff"],
    }
    with requests.Session() as http:
        broken = run_all(http, svc.url, _locker_cases(), auths)
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic Zm9vOmJhcg=="},
        {"Authorization": "Bearer " + "A" * 6000},
        {"Authorization": "Bearer \x00\x01"},
        {"Authorization": "bearer ../../kiosk.token"},
        {"X-Kiosk-Id": "k" * 6000},
    ],
    ids=[
        "bearer-no-token",
        "bearer-space",
        "basic",
        "huge-token",
        "control-chars",
        "traversal",
        "huge-kiosk-id",
    ],
)
def test_bad_auth_headers_are_401_json(locker_service: Service, headers: dict[str, str]) -> None:
    with requests.Session() as http:
        for method, path in (
            ("GET", "/api/v1/cabinet"),
            ("GET", "/api/v1/compartments"),
            ("POST", "/api/v1/pickups"),
        ):
            r = http.request(
                method, locker_service.url + path, headers=headers, json={"code": "123456"}, timeout=30
            )
            assert 400 <= r.status_code < 500, (path, r.status_code, r.text)
            if r.text == "Invalid HTTP request received.":
                continue  # control characters: uvicorn's HTTP parser refuses them before the app runs
            assert error_shape_problem(path, r.status_code, r.headers["content-type"], r.text) is None, r.text


def test_non_latin1_header_bytes_are_rejected_cleanly(locker_service: Service) -> None:
    """Raw UTF-8 bytes in the Authorization header (an HTTP client that does not encode)."""
    host, port = locker_service.url.removeprefix("http://").split(":")
    raw = (
        b"GET /api/v1/cabinet HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Bearer \xe1\xbb\x93\xed\xa0\x80\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(raw)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    status = int(answer.split(b" ", 2)[1])
    assert 400 <= status < 500, answer[:300]


def test_regression_huge_alarm_id_is_422_not_500(locker_service: Service) -> None:
    """Found by this fuzz: an alarm id past SQLite's int64 crashed the ack with OverflowError."""
    url = locker_service.url + "/api/v1/alarms/" + "9" * 20 + "/ack"
    r = requests.post(url, headers=locker_service.auth["staff"], timeout=30)
    assert r.status_code == 422 and r.json()["error"] == "invalid_request", r.text
    assert r.json()["field"] == "alarm_id"


@pytest.mark.parametrize("totp", ["١٢٣٤٥٦", "１２３４５６", "১২৩৪৫৬"], ids=["arabic", "fullwidth", "bengali"])
def test_regression_non_ascii_digits_in_totp_are_422_not_500(locker_service: Service, totp: str) -> None:
    """Found by this fuzz: `\\d` let Unicode digits through to hmac.compare_digest, which raised TypeError."""
    r = requests.post(
        locker_service.url + "/api/v1/staff/sessions",
        json={"staff_id": LOCKER_SPARE, "pin": LOCKER_PIN, "totp": totp},
        timeout=30,
    )
    assert r.status_code == 422 and r.json()["field"] == "totp", r.text


def test_regression_non_ascii_digits_elsewhere_are_422(locker_service: Service) -> None:
    """The same pattern fix on the enrolment PIN and the phone's last 4 digits."""
    r = requests.post(
        locker_service.url + "/api/v1/staff",
        json={"staff_id": "fz2", "role": "loader", "pin": "١٢٣٤"},
        headers=locker_service.auth["staff"],
        timeout=30,
    )
    assert r.status_code == 422 and r.json()["field"] == "pin", r.text
    r = requests.post(
        locker_service.url + "/api/v1/pickups",
        json={"code": "123456", "phone_last4": "١٢٣٤"},
        headers=locker_service.auth["kiosk"],
        timeout=30,
    )
    assert r.status_code == 422 and r.json()["field"] == "phone_last4", r.text


@pytest.mark.parametrize("phone", ["١٢٣٤٥٦٧٨٩٠", "+８４９０００００００１", "²³⁴⁵⁶⁷⁸⁹¹²"])
def test_regression_phone_in_non_ascii_digits_is_refused(locker_service: Service, phone: str) -> None:
    """Found by this fuzz: str.isdigit() took these as a phone, so the code's SMS would go nowhere."""
    r = requests.post(
        locker_service.url + "/api/v1/deposits",
        json={"dossier_code": "HS-FUZZ-PHONE", "phone": phone, "size": "small"},
        headers=locker_service.auth["staff"],
        timeout=30,
    )
    assert 400 <= r.status_code < 500 and "phone" in r.json()["message"], r.text


def test_unknown_path_and_wrong_method_say_where_the_api_is(locker_service: Service) -> None:
    """Was a bare "Not Found" / "Method Not Allowed": the message now says what to check."""
    for method, path, code in (
        ("GET", "/api/v1/nope", "not_found"),
        ("PUT", "/api/v1/health", "method_not_allowed"),
    ):
        r = requests.request(method, locker_service.url + path, timeout=30)
        assert r.json()["error"] == code and "/docs" in r.json()["message"], r.text


def test_sign_out_twice_then_the_token_is_dead(locker_service: Service) -> None:
    url = locker_service.url + "/api/v1/staff/sessions/current"
    with requests.Session() as http:
        assert http.delete(url, headers=locker_service.spare, timeout=30).status_code == 200
        r = http.delete(url, headers=locker_service.spare, timeout=30)
        assert (
            r.status_code == 401
            and error_shape_problem("/api/", 401, r.headers["content-type"], r.text) is None
        )


def test_real_ids_in_the_wrong_state_get_409_not_500(locker_service: Service) -> None:
    """A real deposit and a real compartment hit with every action in the wrong order and odd bodies."""
    svc = locker_service
    staff = svc.auth["staff"]
    ct = {"Content-Type": "application/json"}
    with requests.Session() as http:
        r = http.post(
            svc.url + "/api/v1/deposits",
            json={"dossier_code": "HS-FUZZ-1", "phone": "+84900000001", "size": "large"},
            headers=staff,
            timeout=30,
        )
        assert r.status_code in (200, 409), r.text  # 409: the cabinet may be full after the fuzz run
        cases: list[Nasty] = []
        if r.status_code == 200:
            dep = r.json()["deposit_id"]
            for action in (
                "withdraw",
                "reissue",
                "unblock",
                "confirm",
                "reopen",
                "bigger",
                "cancel",
                "cancel",
            ):
                cases.append(Nasty(f"{action} real deposit", "POST", f"/api/v1/deposits/{dep}/{action}"))
            cases.append(
                Nasty("real deposit with a body", "POST", f"/api/v1/deposits/{dep}/confirm", b"[", ct)
            )
            cases.append(Nasty("real pickup id retry", "POST", f"/api/v1/pickups/{dep}/retry"))
        for raw in (LONE_SURROGATE, LOW_SURROGATE, '"ab\\u0000cd"', '"' + "x" * 199 + '"'):
            body = json_body('{"reason": ' + raw + "}")
            cases.append(
                Nasty(f"force-open 1 reason {raw[:12]}", "POST", "/api/v1/compartments/1/open", body, ct)
            )
        broken = run_all(http, svc.url, cases, {"supervisor": staff, "kiosk": svc.auth["kiosk"]})
    assert not broken, "\n".join(broken)


def test_nothing_is_lost_after_the_fuzz(locker_service: Service) -> None:
    """Runs last in this module: the daemon is healthy, the audit chain intact, the cabinet whole."""
    r = requests.get(locker_service.url + "/api/v1/health", timeout=30)
    assert r.status_code == 200 and r.json()["status"] in ("ok", "degraded"), r.text
    cab = requests.get(
        locker_service.url + "/api/v1/cabinet", headers=locker_service.auth["kiosk"], timeout=30
    )
    assert cab.status_code == 200 and len(cab.json()["compartments"]) == 24
    verify = run_lockerctl("audit", "verify", "--data-dir", str(locker_service.data_dir))
    assert verify.returncode == 0 and "audit chain OK" in verify.stdout, verify.stdout + verify.stderr


def test_real_code_with_nonsense_second_factors_then_the_right_one(tmp_path: Path) -> None:
    """In-process locker (tests/locker harness, real HTTP): odd ID numbers with a real code never
    open the door or crash; the right ID number afterwards still opens the right compartment."""
    h = Harness(tmp_path, make_config(codes={"second_factor": "id_number"}))
    try:
        token = h.sign_in("fz-loader")
        dep, code = h.load(token, "HS-1", id_number="001099012345")
        ct = {"Content-Type": "application/json"}
        schema_invalid = [
            '"' + "0" * ONE_MB + '"',
            LONE_SURROGATE,
            "12345",
            '["001099012345"]',
            '{"$ne": ""}',
        ]
        for raw in schema_invalid:
            body = json_body(f'{{"code": "{code}", "id_number": {raw}}}')
            r = h.http.post(
                h.base + "/api/v1/pickups", data=body, headers={**h.kiosk_headers, **ct}, timeout=30
            )
            if len(body) > 65536:  # past the body cap ([locker] max_body_bytes): refused unread
                assert r.status_code == 413 and r.json()["error"] == "body_too_large", r.text[:300]
                continue
            assert r.status_code == 422 and r.json()["field"] == "id_number", r.text[:300]
        # Non-digits are dropped ("001 099 012 345" works), so "001099012345\x00" would be the right ID.
        for wrong in ("٠٠١٠٩٩٠١٢٣٤٥", "00109901234５", "0010990123"):
            r = h.pickup(code, id_number=wrong)
            assert r.status_code in (401, 429), r.text
            assert r.json()["error"] in ("second_factor_wrong", "throttled"), r.text
            h.clock.advance(600)  # past the kiosk's growing delay
        assert h.pulses(dep["compartment"]) == 1  # only the loading pulse
        r = h.pickup(code, id_number="001099012345")
        assert r.status_code == 200 and r.json()["compartment"] == dep["compartment"], r.text
    finally:
        h.close()
