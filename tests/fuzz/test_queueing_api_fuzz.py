"""The queueing service answers nonsense with a clear 4xx JSON error, never a 500 (issue 4 API)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest
import requests

from tests.fuzz.conftest import Service
from tests.fuzz.nasty import BAD_IDS, Nasty, body_cases, json_body, run_all
from tests.fuzz.runner import Caller, error_shape_problem, fuzz


def _callers(svc: Service) -> Callable[[str, str], Iterable[Caller]]:
    def callers(method: str, path: str) -> Iterable[Caller]:
        yield Caller("anonymous", {})
        yield Caller("wrong token", {"Authorization": "Bearer not-a-real-token"})
        if method == "DELETE" and path.endswith("/sessions/current"):
            return  # signing the fuzz counter out would turn every later counter case into a 401
        if path.startswith(("/api/v1/counter", "/api/v1/reports", "/reports", "/counter")):
            yield Caller("counter staff", svc.auth["staff"])
        if path.startswith("/api/v1/tickets"):
            yield Caller("kiosk", svc.auth["kiosk"])

    return callers


def _skip(method: str, path: str) -> bool:
    # Server-sent events never end: a stream, not a request/answer (tested by the queueing suite).
    return path == "/api/v1/events"


def test_schemathesis_every_operation(queueing_service: Service) -> None:
    report = fuzz(queueing_service.url, _callers(queueing_service), max_examples=10, skip=_skip)
    print(f"queueing fuzz: {report.summary()}")  # shown with pytest -s
    assert report.sent > 300 and report.coverage_cases > 100, report
    assert not report.failures, "\n".join(report.failures)


def _queueing_cases() -> list[Nasty]:
    cases: list[Nasty] = []
    ticket = {"service": "ho_tich", "channel": "kiosk", "birth_date": "1950-01-01", "id_hash": "ab" * 8}
    cases += body_cases("/api/v1/tickets", ticket)
    cases += body_cases("/api/v1/tickets/nope/confirm", {"delivery": "printed"})
    cases += body_cases("/api/v1/tickets/nope/void", {"reason": "fuzz"})
    cases += body_cases("/api/v1/tickets/nope/rating", {"score": 5})
    cases += body_cases("/api/v1/counter/sessions", {"staff_id": "nobody", "pin": "0000", "counter": 1})
    cases += body_cases("/api/v1/counter/call", {"number": "Z999"})
    cases += body_cases("/api/v1/counter/transfer", {"service": "nope"})
    cases += body_cases("/api/v1/counter/pause", {"paused": False})
    for bad in BAD_IDS:
        cases += [
            Nasty(f"ticket {bad[:20]}", "GET", f"/api/v1/tickets/{bad}"),
            Nasty(
                f"confirm {bad[:20]}",
                "POST",
                f"/api/v1/tickets/{bad}/confirm",
                b'{"delivery": "screen"}',
                {"Content-Type": "application/json"},
            ),
            Nasty(f"void {bad[:20]}", "POST", f"/api/v1/tickets/{bad}/void"),
            Nasty(f"status page {bad[:20]}", "GET", f"/t/{bad}"),
            Nasty(f"reports day {bad[:20]}", "GET", f"/api/v1/reports?day={bad}"),
            Nasty(f"voice number {bad[:20]}", "GET", f"/api/v1/voice/announcement?number={bad}&counter=1"),
            Nasty(
                f"voice counter {bad[:20]}", "GET", f"/api/v1/voice/announcement?number=A001&counter={bad}"
            ),
        ]
    for key in ("k" * 6000, "../../etc/passwd", "", "a b", "ồ", "%00"):
        cases.append(
            Nasty(
                f"idempotency key {key[:12]!r}",
                "POST",
                "/api/v1/tickets",
                b'{"service": "nope", "channel": "kiosk"}',
                {"Content-Type": "application/json", "Idempotency-Key": key.encode().decode("latin-1")},
            )
        )
    for q in ("day=2026-02-30", "day=0000-01-01", "group=nope", "format=xml"):
        cases.append(Nasty(f"reports {q}", "GET", f"/api/v1/reports?{q}"))
    cases.append(Nasty("unknown path", "GET", "/api/v1/nope"))
    cases.append(Nasty("wrong method", "PUT", "/api/v1/tickets"))
    return cases


def test_nasty_requests_get_clear_4xx(queueing_service: Service) -> None:
    svc = queueing_service
    auths: dict[str, dict[str, str] | None] = {
        "anonymous": None,
        "counter staff": svc.auth["staff"],
        "kiosk": svc.auth["kiosk"],
    }
    with requests.Session() as http:
        broken = run_all(http, svc.url, _queueing_cases(), auths)
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize(
    ("query", "last_event_id"),
    [
        ("since=" + "9" * 30, None),
        ("since=-1", None),
        ("since=abc", None),
        ("", "²"),
        ("", "9" * 30),
        ("", "-5"),
        ("", "5¹²"),
        ("", "١٢"),
    ],
    ids=[
        "huge-since",
        "negative-since",
        "text-since",
        "superscript-id",
        "huge-id",
        "negative-id",
        "sup2",
        "arabic",
    ],
)
def test_event_stream_odd_positions(queueing_service: Service, query: str, last_event_id: str | None) -> None:
    """The board's SSE endpoint: a bad position is a 4xx JSON error or a working stream, never a 500."""
    if last_event_id and any(ord(c) > 255 for c in last_event_id):
        last_event_id = last_event_id.encode().decode("latin-1")  # UTF-8 bytes, as a client would send them
    headers = {"Last-Event-ID": last_event_id} if last_event_id else {}  # latin-1 on the wire: "²" is 0xB2
    with requests.get(
        f"{queueing_service.url}/api/v1/events?{query}", headers=headers, stream=True, timeout=30
    ) as r:
        assert r.status_code < 500, r.text if r.status_code >= 500 else r.status_code
        if r.status_code >= 400:
            assert error_shape_problem("/api/", r.status_code, r.headers["content-type"], r.text) is None, (
                r.text
            )
        else:
            assert r.headers["content-type"].startswith("text/event-stream")


def test_regression_huge_since_is_422(queueing_service: Service) -> None:
    """Found by this fuzz: a position past SQLite's int64 broke the event stream after its 200."""
    r = requests.get(f"{queueing_service.url}/api/v1/events?since={'9' * 30}", timeout=30)
    assert r.status_code == 422 and r.json()["field"] == "since", r.text


def test_regression_superscript_last_event_id_is_not_a_500(queueing_service: Service) -> None:
    """Found by this fuzz: Last-Event-ID "²" passed str.isdigit() and int() raised: a 500 for the board."""
    with requests.get(
        f"{queueing_service.url}/api/v1/events", headers={"Last-Event-ID": "²"}, stream=True, timeout=30
    ) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")


@pytest.mark.parametrize("number", ["A²²", "A١٢", "Ａ01", "B³"])
def test_regression_non_ascii_digits_in_ticket_numbers(queueing_service: Service, number: str) -> None:
    """Found by this fuzz: "A²²" made a counter's "call this number" a 500 (int() of a superscript)."""
    url = queueing_service.url
    r = requests.post(
        url + "/api/v1/counter/call",
        json={"number": number},
        headers=queueing_service.auth["staff"],
        timeout=30,
    )
    assert 400 <= r.status_code < 500 and r.json()["error"] in ("invalid_request", "unknown_ticket"), r.text
    voice = url + "/api/v1/voice/announcement"
    r = requests.get(voice, params={"number": number, "counter": "1"}, timeout=30)
    assert r.status_code == 422 and "is not a ticket number" in r.json()["message"], r.text


def test_a_real_ticket_through_a_counter_with_nonsense_at_every_step(queueing_service: Service) -> None:
    """Counter 4 (kinh_doanh only) serves one real ticket; nasty bodies at each step change nothing."""
    url = queueing_service.url
    ct = {"Content-Type": "application/json"}
    with requests.Session() as http:
        r = http.post(
            url + "/api/v1/counter/sessions",
            json={"staff_id": "cb02", "pin": "2222", "counter": 4},
            timeout=30,
        )
        assert r.status_code == 200, r.text
        staff = {"Authorization": f"Bearer {r.json()['token']}"}
        r = http.post(
            url + "/api/v1/tickets",
            json={"service": "kinh_doanh", "channel": "kiosk"},
            headers={"Idempotency-Key": "fuzz-counter-flow"},
            timeout=30,
        )
        assert r.status_code in (200, 201), r.text
        tid, number = r.json()["ticket_id"], r.json()["number"]
        assert http.post(url + f"/api/v1/tickets/{tid}/confirm", json={"delivery": "printed"}, timeout=30).ok

        broken = run_all(http, url, body_cases("/api/v1/counter/call", {"number": number}), {"staff": staff})
        # The nonsense above may not call the ticket; a well-formed call-next does.
        called = http.post(url + "/api/v1/counter/call-next", headers=staff, timeout=30)
        if called.status_code == 409:  # an earlier valid "call" body already called it
            called = http.get(url + "/api/v1/counter", headers=staff, timeout=30)
        assert called.status_code == 200, called.text
        assert number in called.text
        broken += run_all(
            http, url, body_cases("/api/v1/counter/transfer", {"service": "kinh_doanh"}), {"staff": staff}
        )
        broken += run_all(
            http, url, body_cases(f"/api/v1/tickets/{tid}/rating", {"score": 5}), {"phone": None}
        )
        assert http.post(url + "/api/v1/counter/start", headers=staff, timeout=30).status_code in (200, 409)
        assert http.post(url + "/api/v1/counter/finish", headers=staff, timeout=30).status_code == 200
        # Not '"5"' or 'true': pydantic's lax mode takes them as 5 and 1, which would rate the ticket.
        for score in ("0", "6", "5.5", "-1", "1e400", "9" * 30, "null", '"five"', "[5]"):
            bad = Nasty(
                f"rating {score}",
                "POST",
                f"/api/v1/tickets/{tid}/rating",
                json_body(f'{{"score": {score}}}'),
                ct,
            )
            broken += run_all(http, url, [bad], {"phone": None})
        state = http.get(url + f"/api/v1/tickets/{tid}", timeout=30).json()
        assert state["number"] == number and state["state"] == "done", state
        assert (
            http.post(url + f"/api/v1/tickets/{tid}/rating", json={"score": 4}, timeout=30).status_code == 200
        )
        again = http.post(url + f"/api/v1/tickets/{tid}/rating", json={"score": 1}, timeout=30)
        assert again.status_code == 409 and again.json()["error"] == "already_rated", again.text
        late = http.post(url + f"/api/v1/tickets/{tid}/void", timeout=30)
        assert 400 <= late.status_code < 500 or late.json().get("state") == "done", late.text
        http.delete(url + "/api/v1/counter/sessions/current", headers=staff, timeout=30)
    assert not broken, "\n".join(broken)


def test_unknown_path_and_wrong_method_say_where_the_api_is(queueing_service: Service) -> None:
    for method, path, code in (
        ("GET", "/api/v1/nope", "not_found"),
        ("PUT", "/api/v1/health", "method_not_allowed"),
    ):
        r = requests.request(method, queueing_service.url + path, timeout=30)
        assert r.json()["error"] == code and "/api/docs" in r.json()["message"], r.text


def test_nothing_is_lost_after_the_fuzz(queueing_service: Service) -> None:
    """Runs last in this module: healthy, and a ticket can still be taken, confirmed and read back."""
    url = queueing_service.url
    assert requests.get(url + "/api/v1/health", timeout=30).json()["status"] == "ok"
    r = requests.post(
        url + "/api/v1/tickets",
        json={"service": "ho_tich", "channel": "kiosk"},
        headers={"Idempotency-Key": "fuzz-after-1", **queueing_service.auth["kiosk"]},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    ticket = r.json()
    c = requests.post(
        url + f"/api/v1/tickets/{ticket['ticket_id']}/confirm",
        json={"delivery": "printed"},
        headers=queueing_service.auth["kiosk"],
        timeout=30,
    )
    assert c.status_code == 200 and c.json()["state"] == "waiting", c.text
    again = requests.get(url + f"/api/v1/tickets/{ticket['ticket_id']}", timeout=30).json()
    assert again["number"] == ticket["number"] and again["state"] == "waiting"
