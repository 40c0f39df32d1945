"""Appointments over real HTTP on loopback: slots, booking and its limits, cancel, kiosk check-in
(early, on time, late, by ID card) and the call order (at its slot, before walk-ins)."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from common.clock import ManualClock
from drivers.camera.cccd import IdHasher
from drivers.camera.keyfile import load_or_create_key
from tests.harness import MONDAY_9AM, QueueingServer, free_port
from tests.queueing.helpers import make_config

DAY = "2026-01-05"  # MONDAY_9AM's day
_phones = itertools.count(100)


def appt_config(tmp: Path, **over: Any) -> dict[str, Any]:
    """[queueing.appointments] with the key in `tmp` (never the repository's var/)."""
    return {
        "id_hash_key_file": str(tmp / "id-hash.key"),
        "services": [
            {"code": "ho_tich", "slot_length_min": 20, "capacity_per_slot": 2, "counter_share_pct": 35}
        ],
        **over,
    }


@pytest.fixture(name="clock")
def clock_fixture() -> ManualClock:
    return ManualClock(MONDAY_9AM)


@pytest.fixture(name="srv")
def srv_fixture(tmp_path: Path, clock: ManualClock) -> Iterator[QueueingServer]:
    cfg = make_config(appointments=appt_config(tmp_path))
    with QueueingServer(cfg, tmp_path / "data", free_port(), clock) as server:
        yield server


def phone() -> str:
    return f"0912 345 {next(_phones):03d}"


def book(url: str, start: str, number: str | None = None, **extra: Any) -> requests.Response:
    body = {"service": "ho_tich", "start": start, "phone": number or phone(), **extra}
    return requests.post(f"{url}/api/v1/appointments", json=body, timeout=10)


def slots(url: str, day: str = DAY, service: str = "ho_tich") -> requests.Response:
    return requests.get(f"{url}/api/v1/services/{service}/slots", params={"day": day}, timeout=10)


def test_slots_follow_hours_lead_time_and_capacity(srv: QueueingServer) -> None:
    got = slots(srv.url).json()
    # open 00:00-23:59 in the test config, 20-minute slots, bookable from 09:30 (30 min lead)
    assert got[0] == {"start": f"{DAY}T09:40+07:00", "end": f"{DAY}T10:00+07:00", "free": 2}
    assert got[-1]["start"] == f"{DAY}T23:20+07:00"
    assert all(s["free"] == 2 for s in got)
    # a service without slots, a day past the horizon, a bad day
    assert slots(srv.url, service="dat_dai").json()["error"] == "no_appointments"
    far = slots(srv.url, day="2026-03-01")
    assert far.status_code == 422 and far.json()["error"] == "day_out_of_range"
    assert slots(srv.url, day="05/01/2026").status_code == 422
    assert slots(srv.url, service="nope").status_code == 404


def test_holidays_and_closed_days_have_no_slots(tmp_path: Path, clock: ManualClock) -> None:
    hours = {d: ["07:30-11:30", "13:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    cfg = make_config(
        appointments=appt_config(tmp_path), hours={**hours, "sat": [], "sun": []}, holidays=["2026-01-06"]
    )
    with QueueingServer(cfg, tmp_path / "data", free_port(), clock) as server:
        assert slots(server.url, day="2026-01-06").json() == []  # holiday
        assert slots(server.url, day="2026-01-10").json() == []  # Saturday, no hours
        wed = slots(server.url, day="2026-01-07").json()
        starts = [s["start"][11:16] for s in wed]
        assert starts[:3] == ["07:30", "07:50", "08:10"]
        assert "11:10" in starts and "11:30" not in starts and "13:00" in starts
        assert starts[-1] == "16:40"


def test_book_view_cancel_and_never_over_capacity(srv: QueueingServer) -> None:
    start = f"{DAY}T10:00+07:00"
    first = book(srv.url, start, id_number="001099012345")
    assert first.status_code == 201, first.text
    body = first.json()
    assert set(body) == {"appointment_id", "code", "start", "service", "manage_url"}
    assert body["start"] == start and body["service"] == "ho_tich" and len(body["code"]) == 6
    assert body["manage_url"].startswith(f"{srv.url}/a/")
    assert book(srv.url, start).status_code == 201
    full = book(srv.url, start)
    assert full.status_code == 409 and full.json()["error"] == "slot_full"
    assert "quý khách" in full.json()["message"]
    free = {s["start"]: s["free"] for s in slots(srv.url).json()}
    assert free[start] == 0
    # the manage link shows it and cancels it; the place comes back
    token = body["manage_url"].rsplit("/", 1)[1]
    view = requests.get(f"{srv.url}/api/v1/appointments/manage/{token}", timeout=10).json()
    assert view["code"] == body["code"] and view["state"] == "booked" and view["phone"].startswith("091")
    assert "345" not in view["phone"]
    cancel = requests.post(f"{srv.url}/api/v1/appointments/manage/{token}/cancel", timeout=10)
    assert cancel.json()["state"] == "cancelled"
    assert requests.post(f"{srv.url}/api/v1/appointments/manage/{token}/cancel", timeout=10).ok
    assert {s["start"]: s["free"] for s in slots(srv.url).json()}[start] == 1
    assert requests.get(f"{srv.url}/api/v1/appointments/manage/nope", timeout=10).status_code == 404
    gone = requests.get(f"{srv.url}/a/nope", timeout=10)  # an old link on a phone: a page, not JSON
    assert gone.status_code == 404 and "text/html" in gone.headers["content-type"]
    assert "Không tìm thấy lịch hẹn" in gone.text
    # nothing personal is stored in clear
    db = sqlite3.connect(srv.data_dir / "queue.sqlite3")
    dump = "\n".join(db.iterdump())
    db.close()
    assert "001099012345" not in dump and "0912345" not in dump


def test_bad_bookings_get_clear_errors(srv: QueueingServer) -> None:
    cases = [
        ({"start": f"{DAY}T10:05+07:00"}, 409, "not_a_slot"),  # not a slot start
        ({"start": f"{DAY}T09:20+07:00"}, 409, "not_a_slot"),  # inside the lead time
        ({"start": f"{DAY}T10:00+07:00", "phone": "12345"}, 422, "invalid_phone"),
        ({"start": f"{DAY}T10:00+07:00", "id_number": "12ab"}, 422, "invalid_id_number"),
        ({"start": "soon"}, 422, "invalid_request"),
        ({"start": "0001-01-01T00:00+14:00"}, 409, "not_a_slot"),  # no local time for it
        ({"start": "9999-12-31T23:59-12:00"}, 409, "not_a_slot"),
        ({"start": f"{DAY}T10:00+07:00", "service": "dat_dai"}, 404, "no_appointments"),
    ]
    for body, status, error in cases:
        r = requests.post(
            f"{srv.url}/api/v1/appointments",
            json={"service": "ho_tich", "phone": phone(), **body},
            timeout=10,
        )
        assert (r.status_code, r.json()["error"]) == (status, error), (body, r.text)
    # a naive time is the center's local time
    assert book(srv.url, f"{DAY}T10:20").json()["start"] == f"{DAY}T10:20+07:00"


def test_limits_per_phone(srv: QueueingServer) -> None:
    mine = "+84 912 000 111"
    assert book(srv.url, f"{DAY}T11:00+07:00", mine).status_code == 201
    assert book(srv.url, f"{DAY}T12:00+07:00", "0912000111").status_code == 201
    third = book(srv.url, f"{DAY}T13:00+07:00", "0912.000.111")
    assert third.status_code == 429 and third.json()["error"] == "phone_limit"
    # the request limiter (5 per window per phone) answers next, whatever the body
    for _ in range(2):
        book(srv.url, f"{DAY}T13:00+07:00", mine)
    r = book(srv.url, f"{DAY}T13:00+07:00", mine)
    assert r.status_code == 429 and r.json()["error"] == "throttled" and "Retry-After" in r.headers


def check_in(srv: QueueingServer, **body: Any) -> requests.Response:
    return requests.post(
        f"{srv.url}/api/v1/appointments/check-in", json=body, headers=srv.kiosk_headers, timeout=10
    )


def test_check_in_window(srv: QueueingServer, clock: ManualClock) -> None:
    booked = book(srv.url, f"{DAY}T10:20+07:00").json()
    code = booked["code"]
    assert requests.post(f"{srv.url}/api/v1/appointments/check-in", json={"code": code}).status_code == 401
    early = check_in(srv, code=code)
    assert early.status_code == 409 and early.json()["error"] == "too_early"
    assert early.json()["come_back_at"] == f"{DAY}T09:50+07:00"
    assert "09:50" in early.json()["message"] and "quý khách" in early.json()["message"].lower()
    clock.advance(50 * 60)  # 09:50
    ok = check_in(srv, code=f"LICHHEN:{code}")
    assert ok.status_code == 201, ok.text
    ticket = ok.json()
    assert ticket["appointment_id"] == booked["appointment_id"] and ticket["state"] == "pending"
    assert ticket["number"].startswith("A") and ticket["appointment_start"] == booked["start"]
    again = check_in(srv, code=code)  # a kiosk retry: the same ticket
    assert again.status_code == 200 and again.json()["ticket_id"] == ticket["ticket_id"]
    # the print failed and the kiosk voided the ticket: checking in again gives a new one
    requests.post(
        f"{srv.url}/api/v1/tickets/{ticket['ticket_id']}/void", headers=srv.kiosk_headers, timeout=10
    )
    second = check_in(srv, code=code)
    assert second.status_code == 201 and second.json()["ticket_id"] != ticket["ticket_id"]
    # too late: 10 minutes after the slot's start
    late = book(srv.url, f"{DAY}T10:20+07:00").json()
    clock.advance(41 * 60)  # 10:31
    r = check_in(srv, code=late["code"])
    assert r.status_code == 409 and r.json()["error"] == "too_late"
    token = late["manage_url"].rsplit("/", 1)[1]
    assert requests.get(f"{srv.url}/api/v1/appointments/manage/{token}").json()["state"] == "no_show"
    assert check_in(srv, code="000000").status_code in (404, 409)
    assert check_in(srv, code="12ab").status_code == 422
    assert check_in(srv).status_code == 422


def test_check_in_by_id_card(srv: QueueingServer, clock: ManualClock, tmp_path: Path) -> None:
    book(srv.url, f"{DAY}T09:40+07:00", id_number="079203001234")
    id_hash = IdHasher(load_or_create_key(tmp_path / "id-hash.key")).hash_id("079203001234")
    clock.advance(15 * 60)  # 09:15, inside the window
    r = check_in(srv, id_hash=id_hash)
    assert r.status_code == 201 and r.json()["appointment_start"] == f"{DAY}T09:40+07:00"
    assert check_in(srv, id_hash="0" * 64).status_code == 404


def _confirm(srv: QueueingServer, ticket_id: str) -> None:
    r = requests.post(
        f"{srv.url}/api/v1/tickets/{ticket_id}/confirm",
        json={"delivery": "printed"},
        headers=srv.kiosk_headers,
        timeout=10,
    )
    assert r.json()["state"] == "waiting"


def _walk_in(srv: QueueingServer, n: int) -> str:
    r = requests.post(
        f"{srv.url}/api/v1/tickets",
        json={"service": "ho_tich"},
        headers={"Idempotency-Key": f"walk{n}", **srv.kiosk_headers},
        timeout=10,
    )
    _confirm(srv, r.json()["ticket_id"])
    return str(r.json()["number"])


def test_checked_in_ticket_is_called_at_its_slot_before_walk_ins(
    srv: QueueingServer, clock: ManualClock
) -> None:
    booked = book(srv.url, f"{DAY}T09:40+07:00").json()
    walk_ins = [_walk_in(srv, i) for i in range(3)]
    clock.advance(20 * 60)  # 09:20: inside the window
    appt = check_in(srv, code=booked["code"]).json()
    _confirm(srv, appt["ticket_id"])
    desk = requests.Session()
    assert desk.post(
        f"{srv.url}/api/v1/counter/sessions", json={"staff_id": "cb01", "pin": "1111", "counter": 1}
    ).ok
    # before its slot it waits like anyone else: the walk-ins who came first go first
    first = desk.post(f"{srv.url}/api/v1/counter/call-next").json()
    assert first["number"] == walk_ins[0] and first["appointment_start"] is None
    desk.post(f"{srv.url}/api/v1/counter/start")
    line = desk.get(f"{srv.url}/api/v1/counter").json()["waiting"][0]["next"]
    assert [t["number"] for t in line] == [*walk_ins[1:], appt["number"]]  # not due yet: last
    clock.advance(20 * 60)  # 09:40: its slot begins
    line = desk.get(f"{srv.url}/api/v1/counter").json()["waiting"][0]["next"]
    assert (
        line[0]["number"] == appt["number"] and line[0]["appointment"] == "09:40"
    )  # the console shows it first
    assert line[1]["appointment"] is None
    called = desk.post(f"{srv.url}/api/v1/counter/call-next").json()
    assert called["number"] == appt["number"]
    assert called["appointment_start"] == f"{DAY}T09:40+07:00"  # the console shows it as an appointment
    view = desk.get(f"{srv.url}/api/v1/counter").json()
    assert view["current"]["appointment_start"] == called["appointment_start"]
    desk.post(f"{srv.url}/api/v1/counter/start")
    assert desk.post(f"{srv.url}/api/v1/counter/call-next").json()["number"] == walk_ins[1]


def test_walk_in_wait_estimate_counts_the_booked_load(tmp_path: Path, clock: ManualClock) -> None:
    cfg = make_config(appointments=appt_config(tmp_path, book_lead_min=0))
    with QueueingServer(cfg, tmp_path / "data", free_port(), clock) as srv:
        desk = requests.Session()
        assert desk.post(
            f"{srv.url}/api/v1/counter/sessions", json={"staff_id": "cb01", "pin": "1111", "counter": 1}
        ).ok
        for i in range(5):  # five services of 4 minutes: the estimate has its data
            _walk_in(srv, 100 + i)
            desk.post(f"{srv.url}/api/v1/counter/call-next")
            desk.post(f"{srv.url}/api/v1/counter/start")
            clock.advance(240)
            desk.post(f"{srv.url}/api/v1/counter/finish")
        for i in range(3):
            _walk_in(srv, 200 + i)

        def wait_range() -> tuple[int, int]:
            svc = next(s for s in requests.get(f"{srv.url}/api/v1/services").json() if s["code"] == "ho_tich")
            return svc["wait_min"], svc["wait_max"]

        before = wait_range()
        assert before == (8, 16)  # 3 ahead x 4 min on one counter, +-30 %
        # it is 09:20: two citizens book the slot starting now; they will be called first
        assert book(srv.url, f"{DAY}T09:20+07:00").status_code == 201
        assert book(srv.url, f"{DAY}T09:20+07:00").status_code == 201
        assert wait_range() == (14, 26)  # 5 ahead
        # a booking after the walk-in's turn changes nothing
        assert book(srv.url, f"{DAY}T11:00+07:00").status_code == 201
        assert wait_range() == (14, 26)


def test_repeated_no_shows_block_booking(srv: QueueingServer, clock: ManualClock) -> None:
    mine = "0912 000 333"
    assert book(srv.url, f"{DAY}T09:40+07:00", mine).status_code == 201
    assert book(srv.url, f"{DAY}T10:00+07:00", mine).status_code == 201
    clock.advance(75 * 60)  # 10:15: both windows are over, nobody came
    r = book(srv.url, f"{DAY}T11:00+07:00", mine)
    assert r.status_code == 403 and r.json()["error"] == "booking_blocked"
    assert "2 lần" in r.json()["message"] and "30" in r.json()["message"]
    assert book(srv.url, f"{DAY}T11:00+07:00").status_code == 201  # another phone books as usual
    clock.advance(31 * 86400)  # a month on, the old no-shows no longer count
    later = slots(srv.url, day="2026-02-06").json()[0]["start"]
    assert book(srv.url, later, mine).status_code == 201


def test_check_in_before_the_service_opens_says_when_it_opens(tmp_path: Path) -> None:
    hours = {d: ["07:30-11:30"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    clock = ManualClock(MONDAY_9AM)
    cfg = make_config(appointments=appt_config(tmp_path), hours=hours)
    with QueueingServer(cfg, tmp_path / "data", free_port(), clock) as server:
        booked = book(server.url, "2026-01-06T07:30+07:00").json()  # tomorrow's first slot
        clock.advance(22 * 3600 + 10 * 60)  # Tuesday 07:10: inside the window, before opening
        r = check_in(server, code=booked["code"])
        assert r.status_code == 409 and r.json()["error"] == "too_early"
        assert r.json()["come_back_at"] == "2026-01-06T07:30+07:00"
        clock.advance(20 * 60)
        assert check_in(server, code=booked["code"]).status_code == 201


def test_appointment_report_for_supervisors(srv: QueueingServer, clock: ManualClock) -> None:
    on_time = book(srv.url, f"{DAY}T09:40+07:00").json()
    book(srv.url, f"{DAY}T09:40+07:00")  # never comes
    cancelled = book(srv.url, f"{DAY}T10:00+07:00").json()
    book(srv.url, f"{DAY}T11:00+07:00")  # still to come
    token = cancelled["manage_url"].rsplit("/", 1)[1]
    requests.post(f"{srv.url}/api/v1/appointments/manage/{token}/cancel", timeout=10)
    clock.advance(20 * 60)
    ticket = check_in(srv, code=on_time["code"]).json()
    _confirm(srv, ticket["ticket_id"])
    clock.advance(25 * 60)  # 09:45
    desk = requests.Session()
    assert desk.post(
        f"{srv.url}/api/v1/counter/sessions", json={"staff_id": "cb01", "pin": "1111", "counter": 1}
    ).ok
    desk.post(f"{srv.url}/api/v1/counter/call-next")
    clock.advance(10 * 60)  # 09:55: the 09:40 window is over
    url = f"{srv.url}/api/v1/reports/appointments"
    assert desk.get(url).status_code == 403  # cb01 is no supervisor
    assert requests.get(url, timeout=10).status_code == 401
    boss = requests.Session()
    assert boss.post(f"{srv.url}/api/v1/counter/sessions", json={"staff_id": "cb03", "pin": "3333"}).ok
    body = boss.get(url, params={"day": DAY}).json()
    row = body["rows"][0]
    assert row["service"] == "ho_tich" and row["label"] == "Hộ tịch"
    assert (row["booked"], row["cancelled"], row["checked_in"], row["no_show"], row["upcoming"]) == (
        3,
        1,
        1,
        1,
        1,
    )
    assert row["checkin_rate_pct"] == 50.0 and row["called"] == 1 and row["punctual_pct"] == 100.0
    assert row["late_mean_min"] == 5.0
    assert body["rows"][-1]["service"] == "all"
    csv_text = boss.get(url, params={"day": DAY, "format": "csv"}).text
    assert csv_text.splitlines()[0].startswith("service,label,booked,cancelled,checked_in,no_show")
