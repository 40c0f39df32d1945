"""Appointments' province events (queueing/appointment_hub.py) over real HTTP on loopback: booked,
moved, cancelled, checked in (minutes early; once, also after a failed print), called at the
slot (minutes late) and no-show (sent once by the sweep), each counted for the slot's day,
carrying nothing about the person."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import requests

from common import outbox
from common.clock import ManualClock
from tests.harness import QueueingServer
from tests.queueing.test_appointment_move import move
from tests.queueing.test_appointments import (  # noqa: F401 - fixtures
    DAY,
    _confirm,
    book,
    check_in,
    clock_fixture,
    srv_fixture,
)

TUE = "2026-01-06"


def hub_events(srv: QueueingServer) -> list[tuple[str, str, dict[str, Any]]]:
    with sqlite3.connect(srv.data_dir / "queue.sqlite3") as conn:
        rows = conn.execute("SELECT kind, day, data FROM hub_events ORDER BY seq").fetchall()
    return [
        (k, d, json.loads(data))
        for k, d, data in rows
        if k.startswith("appointment.") or k == "ticket.called"
    ]


def test_a_booking_s_life_reaches_the_outbox_once_without_anything_personal(
    srv: QueueingServer, clock: ManualClock
) -> None:
    kept = book(srv.url, f"{DAY}T10:00+07:00", "0912 345 001", id_number="001099012345").json()
    missed = book(srv.url, f"{DAY}T10:20+07:00", "0912 345 002").json()
    dropped = book(srv.url, f"{DAY}T10:20+07:00", "0912 345 003").json()
    moved = book(srv.url, f"{DAY}T11:00+07:00", "0912 345 004").json()
    assert requests.post(f"{dropped['manage_url'].replace('/a/', '/api/v1/appointments/manage/')}/cancel").ok
    token = moved["manage_url"].rsplit("/", 1)[1]
    assert move(srv, token, f"{TUE}T09:00+07:00").status_code == 200
    clock.advance(45 * 60)  # 09:45: 15 minutes early for the 10:00 slot
    failed = check_in(srv, code=kept["code"]).json()
    # the print failed and the kiosk voided the ticket: checking in again is not a second check-in
    assert requests.post(
        f"{srv.url}/api/v1/tickets/{failed['ticket_id']}/void", headers=srv.kiosk_headers, timeout=10
    ).ok
    ticket = check_in(srv, code=kept["code"]).json()
    _confirm(srv, ticket["ticket_id"])
    desk = requests.Session()
    assert desk.post(
        f"{srv.url}/api/v1/counter/sessions", json={"staff_id": "cb01", "pin": "1111", "counter": 1}
    ).ok
    clock.advance(18 * 60)  # 10:03: called 3 minutes after its slot began
    assert desk.post(f"{srv.url}/api/v1/counter/call-next").json()["number"] == ticket["number"]
    appts = srv.app.state.appointments
    assert appts.sweep_no_shows() == 0  # 10:20 + 10 min has not passed yet
    clock.advance(28 * 60)  # 10:31
    assert appts.sweep_no_shows() == 1
    assert appts.sweep_no_shows() == 0  # once
    got = hub_events(srv)
    assert got == [
        ("appointment.booked", DAY, {"service": "ho_tich", "slot_min": 600}),
        ("appointment.booked", DAY, {"service": "ho_tich", "slot_min": 620}),
        ("appointment.booked", DAY, {"service": "ho_tich", "slot_min": 620}),
        ("appointment.booked", DAY, {"service": "ho_tich", "slot_min": 660}),
        ("appointment.cancelled", DAY, {"service": "ho_tich", "slot_min": 620}),
        ("appointment.moved", TUE, {"service": "ho_tich", "slot_min": 540, "from_day": DAY}),
        ("appointment.checked_in", DAY, {"service": "ho_tich", "slot_min": 600, "late_min": -15.0}),
        (
            "ticket.called",
            DAY,
            {
                "service": "ho_tich",
                "channel": "kiosk",
                "priority": False,
                "counter": 1,
                "wait_s": 1080.0,
                "late_min": 3.0,
            },
        ),  # fmt: skip
        ("appointment.no_show", DAY, {"service": "ho_tich", "slot_min": 620}),
    ]
    with sqlite3.connect(srv.data_dir / "queue.sqlite3") as conn:
        raw = "\n".join(r[0] for r in conn.execute("SELECT data FROM hub_events"))
    for value in (kept, missed, dropped, moved):
        assert value["code"] not in raw and value["appointment_id"] not in raw
    assert "345" not in raw and "001099012345" not in raw and "/a/" not in raw


def test_reasons_in_an_event_are_code_words_only() -> None:
    data = {"rating": 2, "source": "tablet", "reasons": ["slow", "ăn hối lộ", 3, "x" * 40, "rude"] * 5}
    kept = outbox.clean_data(data)
    assert kept == {"rating": 2, "source": "tablet", "reasons": ["slow", "rude"] * 5}
    many = outbox.clean_data({"reasons": ["slow"] * 40})
    assert many["reasons"] == ["slow"] * outbox.MAX_ITEMS
    assert outbox.clean_data({"reasons": "slow"}) == {}  # a list or nothing


def test_a_booking_from_before_the_hub_events_sends_none(srv: QueueingServer, clock: ManualClock) -> None:
    old = book(srv.url, f"{DAY}T10:00+07:00").json()
    gone = book(srv.url, f"{DAY}T10:20+07:00").json()
    with sqlite3.connect(srv.data_dir / "queue.sqlite3") as conn:  # as queue step 4 leaves them
        conn.execute("UPDATE appointments SET no_show_sent_at = 0")
        conn.execute("DELETE FROM hub_events")
    assert requests.post(f"{gone['manage_url'].replace('/a/', '/api/v1/appointments/manage/')}/cancel").ok
    clock.advance(50 * 60)
    assert check_in(srv, code=old["code"]).status_code == 201
    clock.advance(60 * 60)
    assert srv.app.state.appointments.sweep_no_shows() == 0
    assert hub_events(srv) == []
