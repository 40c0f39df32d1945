"""Help, speech and tap counts on the real flows: a real locker daemon (help alarm, pickup with a
known code) and the real queueing service (tickets). Speech goes to a memory sink; every flow
checks that no code, PIN, ID number or name reached it."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from drivers.camera.model import ScanResult
from kiosk.clients.locker import LockerClient
from kiosk.clients.queueing import QueueingClient
from kiosk.services import Services
from kiosk.voice import MemorySink, Speech
from tests.kiosk.fakes import ScriptedScanner, card
from tests.kiosk.locker_fixtures import rig_fixture, rig_pool, services_for, type_digits  # noqa: F401

pytestmark = pytest.mark.kivy
RIG_CODES = {"second_factor": "none"}


class Counted:
    """Counts the taps and the screens shown on a harness."""

    def __init__(self, h: Any) -> None:
        self.h = h
        self.taps = 0
        self.screens = [h.app.current]
        h.app.sm.bind(current=lambda _sm, name: self.screens.append(name))

    def tap(self, widget: Any, speech: bool = False) -> None:
        for _ in range(2 if speech else 1):  # with speech: touch to hear, touch again to choose
            self.taps += 1
            self.h.tap(widget)


def _speech_on(h: Any) -> MemorySink:
    sink = MemorySink()
    h.app.speech = Speech(sink)
    h.tap(h.screen("home").ids.access.ids.listen_btn)
    assert h.app.speech_on
    return sink


def _assert_no_secret(sink: MemorySink, *secrets: str) -> None:
    for text in sink.texts():
        assert not re.search(r"\d{5,}", text), text
        for secret in secrets:
            assert secret not in text and secret not in text.replace(" ", ""), (secret, text)


def _open_help(rig: Any) -> list[dict[str, Any]]:
    return [a for a in rig.api("GET", "/api/v1/alarms?open_only=true", "setup") if a["kind"] == "kiosk_help"]


def test_call_staff_raises_the_alarm_cancel_clears_it_and_it_cannot_be_spammed(make_harness, rig, tmp_path):
    h = make_harness(services_for(rig, tmp_path), default_language="vi")
    h.idle_workers()
    h.tap(h.screen("home").ids.collect_btn)
    h.wait(lambda: h.app.current == "pickup", what="pickup screen")
    h.tap(h.screen().ids.access.ids.help_btn)
    h.wait(lambda: h.app.help_state == "coming", what="staff called")
    view = h.app._help_view
    assert view is not None and "Nhân viên sẽ đến ngay" in view.ids.message.text
    alarms = _open_help(rig)
    assert len(alarms) == 1 and re.fullmatch(r"kiosk [\w-]+: help requested on pickup", alarms[0]["message"])
    h.tap(h.screen().ids.access.ids.help_btn)  # again while staff are coming: no second alarm
    h.idle_workers()
    assert len(_open_help(rig)) == 1
    h.tap(view.ids.cancel_btn)
    h.idle_workers()
    h.wait(lambda: not _open_help(rig), what="the alarm cleared")
    h.tap(h.screen().ids.access.ids.help_btn)  # at once again: refused on the kiosk
    assert h.app.help_state == "limited" and "giây" in view.ids.message.text
    assert not _open_help(rig)
    h.tap(view.ids.close_btn)
    h.clock.advance(h.app.cfg.kiosk.help_cooldown_s + 1)
    h.tap(h.screen().ids.access.ids.help_btn)
    h.wait(lambda: h.app.help_state == "coming", what="staff called again")
    assert len(_open_help(rig)) == 1
    h.app.go_home()  # the panel goes; the alarm stays for staff
    assert view.parent is None and len(_open_help(rig)) == 1
    rig.api("POST", f"/api/v1/alarms/{_open_help(rig)[0]['alarm_id']}/ack", "setup")


@pytest.mark.parametrize("speech", [False, True])
def test_pickup_with_speech_never_says_the_code_and_takes_three_screens(make_harness, rig, tmp_path, speech):
    dossier = f"HS-2026-A11Y{int(speech)}"
    rig.load(dossier)
    code = rig.wait_code(dossier)
    h = make_harness(services_for(rig, tmp_path), default_language="vi")
    h.idle_workers()
    sink = _speech_on(h) if speech else MemorySink()
    c = Counted(h)
    c.tap(h.screen("home").ids.collect_btn, speech)
    h.wait(lambda: h.app.current == "pickup", what="pickup screen")
    scr = h.screen("pickup")
    h.idle_workers()
    type_digits(h, scr.ids.keypad, code)  # keys of a secret act at once, never read out
    assert scr.entry == code
    c.tap(scr.ids.submit_btn, speech)
    h.wait(lambda: h.app.current == "pickup_open", timeout_s=20, what="door opening screen")
    h.wait(lambda: h.screen().headline != "", what="door state")
    assert [s for s in c.screens if s] == ["home", "pickup", "pickup_open"]  # goal: 3 screens
    if speech:
        said = " ".join(sink.texts())
        assert "Đã nhập sáu số" in said  # how many, never which
        assert "Mời quý khách nhập mã" in said or "mã" in said
        assert any("Ngăn" in t for t in sink.texts())  # the door that opened is said
    _assert_no_secret(sink, code)
    print(f"A11Y pickup speech={speech}: {len(c.screens)} screens, {c.taps} taps + {len(code)} digits")


def _ready(h: Any) -> None:
    """Home knows numbers can be taken (the service answered its first call)."""
    h.idle_workers()
    h.wait(lambda: h.screen("home").queue_state == "open", timeout_s=30, what="home open for tickets")


def _queueing(q: Any, scanner: Any = None) -> Services:
    return Services(
        queueing=QueueingClient(q.url, token_file=q.token_file, timeout_s=5),
        printer_error="no printer in this test",
        scanner=scanner,
        camera_error="no camera in this test",
    )


@pytest.mark.parametrize("speech", [False, True])
def test_taps_from_home_to_a_ticket(make_harness, queueing_service, speech):
    h = make_harness(_queueing(queueing_service), default_language="vi")
    _ready(h)
    sink = _speech_on(h) if speech else MemorySink()
    c = Counted(h)
    c.tap(h.screen("home").ids.take_btn, speech)
    h.wait(lambda: h.app.current == "services" and h.screen().services, timeout_s=30, what="service list")
    c.tap(h.screen().tile("ho_tich"), speech)
    assert h.app.current == "scan_id"
    c.tap(h.ids().skip_btn, speech)
    h.wait(lambda: h.app.current == "priority" and h.screen().priorities, what="priority list")
    c.tap(h.ids().none_btn, speech)
    ticket = h.screen("ticket")
    h.wait(lambda: ticket.state in ("printed", "screen"), timeout_s=30, what="ticket")
    assert c.taps == (8 if speech else 4)  # goal: 4 without speech (each doubled with it)
    if speech:
        h.pump(2)
        said = sink.texts()
        number_words = ticket.speech_prompt()
        assert "Số của quý khách là" in number_words
        assert any("Số của quý khách là" in t for t in said)
        assert not any(re.search(r"[A-Z]\d{3}", t) for t in said)  # numbers read as words
    print(f"A11Y ticket speech={speech}: {c.taps} taps")


@pytest.mark.parametrize("speech", [False, True])
def test_taps_to_a_ticket_with_an_id_card_and_the_name_is_never_said(make_harness, queueing_service, speech):
    scanner = ScriptedScanner([ScanResult(kind="cccd", cccd=card(date(1940, 3, 2)))])
    h = make_harness(_queueing(queueing_service, scanner), default_language="vi")
    _ready(h)
    sink = _speech_on(h) if speech else MemorySink()
    c = Counted(h)
    c.tap(h.screen("home").ids.take_btn, speech)
    h.wait(lambda: h.app.current == "services" and h.screen().services, timeout_s=30, what="service list")
    c.tap(h.screen().tile("ho_tich"), speech)
    h.wait(lambda: h.app.current == "ticket", what="auto-continue to the ticket")
    ticket = h.screen("ticket")
    h.wait(lambda: ticket.state in ("printed", "screen"), timeout_s=30, what="ticket")
    assert c.taps == (4 if speech else 2)  # goal: 2 with an ID card
    if speech:
        assert any("Đã đọc thẻ căn cước" in t for t in sink.texts())
    _assert_no_secret(sink, "Bình", "Nguyễn", "001099012345")
    print(f"A11Y ticket with card speech={speech}: {c.taps} taps")


def _counter_calls(desk: Any, q: Any) -> list[tuple[str, str]]:
    r = desk.get(f"{q.url}/api/v1/counter", timeout=10)
    assert r.ok, r.text
    return [(c["kiosk"], c["screen"]) for c in r.json()["help_requests"]]


def test_call_staff_reaches_the_counter_console_and_its_failure_changes_nothing(
    make_harness, rig, queueing_service, tmp_path
):
    import dataclasses

    import requests

    services = dataclasses.replace(
        services_for(rig, tmp_path),
        locker=LockerClient(
            rig.url, token_file=rig.token_file, timeout_s=15, client_id="sanh-2"
        ),  # own limit
        queueing=QueueingClient(
            queueing_service.url, token_file=queueing_service.token_file, client_id="sanh-2"
        ),
    )
    desk = requests.Session()
    r = desk.post(
        f"{queueing_service.url}/api/v1/counter/sessions",
        json={"staff_id": "cb01", "pin": "1111", "counter": 1},
    )
    assert r.ok, r.text
    try:
        h = make_harness(services, default_language="vi")
        h.idle_workers()
        h.tap(h.screen("home").ids.collect_btn)
        h.wait(lambda: h.app.current == "pickup", what="pickup screen")
        h.tap(h.screen().ids.access.ids.help_btn)
        h.wait(lambda: h.app.help_state == "coming", what="staff called")
        h.wait(
            lambda: _counter_calls(desk, queueing_service) == [("sanh-2", "pickup")], what="on the console"
        )
        h.tap(h.app._help_view.ids.cancel_btn)
        h.idle_workers()
        h.wait(lambda: not _counter_calls(desk, queueing_service), what="the console's call cleared")
        h.wait(lambda: not _open_help(rig), what="the alarm cleared")
        # the queueing service refuses (wrong address): the citizen still sees "Staff are coming"
        h.app.services.queueing = QueueingClient("http://127.0.0.1:9", token_file=queueing_service.token_file)
        h.clock.advance(h.app.cfg.kiosk.help_cooldown_s + 1)
        h.tap(h.screen().ids.access.ids.help_btn)
        h.idle_workers()
        h.wait(lambda: h.app.help_state == "coming", what="staff called without the consoles")
        assert "Nhân viên sẽ đến ngay" in h.app._help_view.ids.message.text
        rig.api("POST", f"/api/v1/alarms/{_open_help(rig)[0]['alarm_id']}/ack", "setup")
    finally:
        desk.delete(f"{queueing_service.url}/api/v1/counter/sessions/current", timeout=10)
