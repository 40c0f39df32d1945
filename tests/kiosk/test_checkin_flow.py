"""Appointment check-in on the kiosk through real widgets offscreen against the real queueing
service: the code typed on the keypad, the ticket printed and confirmed, too early, unknown code."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from drivers.camera.cccd import IdHasher
from drivers.camera.keyfile import load_or_create_key
from drivers.camera.model import ScanResult
from drivers.printer.printer import open_printer
from kiosk.clients.queueing import QueueingClient
from kiosk.services import Services
from tests.harness import QueueingProcess, free_port
from tests.kiosk.fakes import ScriptedScanner, card
from tests.kiosk.live import SITE_TOML

pytestmark = pytest.mark.kivy
CENTER = ZoneInfo("Asia/Ho_Chi_Minh")  # the service's default time zone
_PHONES = itertools.count(1)


@pytest.fixture(scope="module")
def booking_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QueueingProcess]:
    """The real service (real clock) with 5-minute slots bookable from now on."""
    tmp = tmp_path_factory.mktemp("checkin")
    site = SITE_TOML + (
        f'[queueing.appointments]\nbook_lead_min = 0\nid_hash_key_file = "{tmp / "id-hash.key"}"\n'
        '[[queueing.appointments.services]]\ncode = "ho_tich"\nslot_length_min = 5\n'
        "capacity_per_slot = 5\ncounter_share_pct = 100\nservice_min = 1\n"
    )
    svc = QueueingProcess(site, tmp, free_port())
    svc.start()
    yield svc
    svc.stop()


def _book(q: QueueingProcess, minutes_ahead: int, **extra: str) -> dict[str, Any]:
    """Book the first slot starting at least `minutes_ahead` minutes from now (today's, else
    tomorrow's: near midnight the next slot is tomorrow's first, still inside the check-in window)."""
    now = datetime.now(CENTER)
    slots = [
        slot
        for day in (now.date(), now.date() + timedelta(days=1))
        for slot in requests.get(
            f"{q.url}/api/v1/services/ho_tich/slots", params={"day": day.isoformat()}, timeout=5
        ).json()
    ]
    later = [
        s for s in slots if (datetime.fromisoformat(s["start"]) - now).total_seconds() >= minutes_ahead * 60
    ]
    assert later, f"no bookable slot {minutes_ahead} min or more ahead today or tomorrow: {slots}"
    r = requests.post(
        f"{q.url}/api/v1/appointments",
        json={"service": "ho_tich", "start": later[0]["start"], "phone": f"0912{next(_PHONES):06d}", **extra},
        timeout=5,
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def _type(h: Any, digits: str) -> None:
    pad = h.ids("checkin").keypad
    for d in digits:
        h.tap(pad.key_button(d))


def test_code_typed_prints_and_confirms_the_ticket(
    make_harness: Any, booking_service: QueueingProcess, tmp_path: Path
) -> None:
    q = booking_service
    booked = _book(q, 0)
    printer = open_printer(f"png://{tmp_path / 'printer'}")
    services = Services(
        queueing=QueueingClient(q.url, token_file=q.token_file, timeout_s=5),
        printer=printer,
        printer_error="",
        camera_error="no camera in this test",
    )
    h = make_harness(services)
    h.idle_workers()
    h.tap(h.screen("home").ids.checkin_btn)
    assert h.app.current == "checkin"
    scr = h.screen("checkin")
    _type(h, booked["code"][:4])
    h.tap(scr.ids.submit_btn)
    assert "6" in scr.ids.message.text  # too short: says how many digits
    _type(h, booked["code"][4:])
    h.tap(scr.ids.submit_btn)
    h.wait(lambda: scr.state == "printed", timeout_s=30, what="appointment ticket printed")
    assert scr.number.startswith("A") and scr.ids.entry.text == scr.number
    assert booked["start"][11:16] in scr.ids.message.text
    assert list((tmp_path / "printer").glob("*.png")), "nothing printed"
    ticket = requests.get(f"{q.url}/api/v1/tickets/{scr.checked.ticket.ticket_id}", timeout=5).json()
    assert ticket["state"] == "waiting"  # confirmed: it is in the queue
    h.app.set_language("en")
    assert "Please take your ticket" in scr.ids.message.text
    h.tap(scr.ids.back_btn)
    assert h.app.current == "home"


def test_too_early_and_unknown_codes_say_what_to_do(
    make_harness: Any, booking_service: QueueingProcess
) -> None:
    q = booking_service
    booked = _book(q, 45)
    services = Services(
        queueing=QueueingClient(q.url, token_file=q.token_file, timeout_s=5),
        printer=None,
        printer_error="no printer in this test",
        camera_error="no camera in this test",
    )
    h = make_harness(services)
    h.idle_workers()
    h.app.sm.current = "home"
    h.tap(h.screen("home").ids.checkin_btn)
    scr = h.screen("checkin")
    _type(h, booked["code"])
    h.tap(scr.ids.submit_btn)
    h.wait(lambda: scr.state == "refused", timeout_s=15, what="too early")
    back = datetime.fromisoformat(booked["start"]).timestamp() - 30 * 60
    come_back = datetime.fromtimestamp(back, datetime.fromisoformat(booked["start"]).tzinfo).strftime("%H:%M")
    assert "đến sớm" in scr.ids.message.text and come_back in scr.ids.message.text
    assert scr.entry == booked["code"]  # kept: the same code works later
    scr.ids.keypad.clear()
    _type(h, "000000" if booked["code"] != "000000" else "111111")
    h.tap(scr.ids.submit_btn)
    h.wait(lambda: scr.state == "refused" and "Không tìm thấy" in scr.ids.message.text, what="unknown code")
    assert scr.entry == ""  # typed afresh


@pytest.mark.parametrize("shown", ["booking_qr", "id_card"])
def test_booking_qr_or_id_card_at_the_camera(
    make_harness: Any, booking_service: QueueingProcess, tmp_path: Path, shown: str
) -> None:
    q = booking_service
    booked = _book(q, 0, id_number="079203001234")
    if shown == "booking_qr":
        result = ScanResult(kind="appointment", appointment_code=booked["code"])
    else:  # the card's keyed hash, as the kiosk's scanner makes it with the shared key file
        id_hash = IdHasher(load_or_create_key(q.site.parent / "id-hash.key")).hash_id("079203001234")
        result = ScanResult(kind="cccd", cccd=replace(card(date(1990, 1, 1)), id_hash=id_hash))
    scanner = ScriptedScanner([ScanResult(kind="other", reason="unknown"), result])
    services = Services(
        queueing=QueueingClient(q.url, token_file=q.token_file, timeout_s=5),
        printer=open_printer(f"png://{tmp_path / 'printer'}"),
        printer_error="",
        scanner=scanner,
    )
    h = make_harness(services)
    h.idle_workers()
    h.tap(h.screen("home").ids.checkin_btn)
    scr = h.screen("checkin")
    h.wait(lambda: scr.state == "printed", timeout_s=30, what=f"checked in by {shown}")
    assert scr.checked is not None and scr.checked.appointment_id == booked["appointment_id"]
    assert scanner.started >= 1
    h.tap(scr.ids.back_btn)
    assert h.app.current == "home"
