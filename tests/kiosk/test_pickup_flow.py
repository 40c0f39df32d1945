"""Collect your result, driven through the real widgets against a real locker daemon (no second factor)."""

from __future__ import annotations

from kiosk.clients.locker import LockerClient
from kiosk.services import Services
from tests.harness import free_port
from tests.kiosk.locker_fixtures import (  # noqa: F401
    printed_pngs,
    rig_fixture,
    rig_pool,
    services_for,
    submit_code,
    type_digits,
)

RIG_CODES = {"second_factor": "none"}


def _start_pickup(h):  # type: ignore[no-untyped-def]
    h.tap(h.screen("home").ids.collect_btn)
    h.wait(lambda: h.app.current == "pickup", what="pickup screen")
    scr = h.screen("pickup")
    h.idle_workers()
    return scr


def test_code_opens_the_door_shows_the_cabinet_and_prints_the_receipt(make_harness, rig, tmp_path):
    dep = rig.load("HS-2026-000123")
    code = rig.wait_code("HS-2026-000123")
    h = make_harness(services_for(rig, tmp_path))
    scr = _start_pickup(h)
    assert scr.max_length == 6
    type_digits(h, scr.ids.keypad, code)
    assert scr.entry == code
    assert code not in scr.ids.entry.text and "\u2022" in scr.ids.entry.text  # masked
    h.tap(scr.ids.mask_btn)
    assert " ".join(code) in scr.ids.entry.text  # shown
    h.tap(scr.ids.submit_btn)
    h.wait(lambda: h.app.current == "pickup_open", timeout_s=20, what="door opening screen")
    opened = h.screen("pickup_open")
    label = dep["compartment"]
    assert opened.ids.headline.text == f"Ngăn số {label} đang mở"
    h.wait(lambda: opened.cabinet is not None, what="cabinet picture")
    view = opened.ids.cabinet_view
    assert view.highlight == label and view.label_widget(label).text == label
    h.wait(lambda: opened.print_view == "printed", timeout_s=30, what="receipt printed")
    assert printed_pngs(tmp_path), "no receipt PNG from the printer simulator"
    h.app.set_language("en")
    assert opened.ids.headline.text == f"Compartment {label} is opening"
    assert "close" in opened.ids.detail.text
    h.tap(opened.ids.done_btn)
    assert h.app.current == "home"
    assert scr.entry == "" and scr.code == ""


def test_short_and_wrong_codes_say_what_to_do_and_clear(make_harness, rig, tmp_path):
    h = make_harness(services_for(rig, tmp_path), default_language="en")
    scr = _start_pickup(h)
    type_digits(h, scr.ids.keypad, "123")
    h.tap(scr.ids.submit_btn)
    assert "6 digits" in scr.ids.message.text
    assert scr.entry == "123"  # nothing lost on a short code
    type_digits(h, scr.ids.keypad, "456")
    h.tap(scr.ids.keypad._del_btn)
    assert scr.entry == "12345"
    type_digits(h, scr.ids.keypad, "9")
    h.tap(scr.ids.submit_btn)
    h.wait(lambda: scr.message_kind == "error" and not scr.busy, timeout_s=20, what="wrong code answer")
    assert "not right" in scr.ids.message.text and "SMS" in scr.ids.message.text
    assert scr.entry == ""
    h.tap(h.screen("pickup").ids.keypad.key_button("1"))  # typing again clears the old message
    assert scr.ids.message.text == ""
    scr.say("pickup.wrong_code", "error", n=2)
    h.app.set_language("vi")  # a message on show follows a language switch
    assert scr.ids.message.text.startswith("Mã chưa đúng. Còn 2 lần thử")
    assert scr.ids.prompt.text == "Nhập mã 6 chữ số trong tin nhắn SMS"
    assert h.app.current == "pickup"
    h.tap(scr.ids.keypad._clear_btn)
    h.tap(scr.ids.back_btn)
    assert h.app.current == "home"


def test_jammed_door_try_once_more_then_it_opens(make_harness, rig, tmp_path):
    dep = rig.load("HS-2026-000124")
    code = rig.wait_code("HS-2026-000124")
    rig.jam(dep["compartment"])
    h = make_harness(services_for(rig, tmp_path), default_language="en")
    scr = _start_pickup(h)
    opened = submit_code(h, scr, code)
    assert opened.door_view == "jammed"
    assert "did not open" in opened.ids.detail.text
    assert opened.print_view == "none"  # no receipt for a door that did not open
    rig.sim_cmd("clear")  # the citizen pushed the door; the latch frees
    h.tap(opened.ids.retry_btn)
    h.wait(lambda: opened.door_view == "open", timeout_s=20, what="second pulse opened the door")
    h.wait(lambda: opened.print_view in ("printed", "failed"), timeout_s=30, what="receipt")
    assert opened.print_view == "printed"


def test_jammed_twice_staff_are_alerted(make_harness, rig, tmp_path):
    dep = rig.load("HS-2026-000125")
    code = rig.wait_code("HS-2026-000125")
    rig.jam(dep["compartment"])
    h = make_harness(services_for(rig, tmp_path), default_language="en")
    scr = _start_pickup(h)
    opened = submit_code(h, scr, code)
    h.tap(opened.ids.retry_btn)
    h.wait(lambda: opened.door_view == "staff_alerted", timeout_s=20, what="staff alerted")
    assert "Staff have been alerted" in opened.ids.detail.text and "1900\u00a01234" in opened.ids.detail.text
    assert opened.ids.retry_btn.disabled
    alarms = rig.api("GET", "/api/v1/alarms", "setup")
    assert any(a["kind"] == "door_jammed" and a["compartment"] == dep["compartment"] for a in alarms)
    rig.sim_cmd("clear")


def test_printer_out_of_paper_the_door_still_opens_and_the_citizen_is_told(make_harness, rig, tmp_path):
    rig.load("HS-2026-000200", phone="0900000002")
    code = rig.wait_code("HS-2026-000200")
    services = services_for(rig, tmp_path, printer_url=f"png://{tmp_path / 'printer'}?status=paper_out")
    h = make_harness(services, default_language="en")
    scr = _start_pickup(h)
    opened = submit_code(h, scr, code)
    h.wait(lambda: opened.print_view == "failed", timeout_s=30, what="print failure shown")
    assert "could not be printed" in opened.ids.print_status.text
    assert opened.door_view == "open"


def test_locker_daemon_down_shows_out_of_service(make_harness, rig, tmp_path):
    dead = LockerClient(f"http://127.0.0.1:{free_port()}", token_file=rig.token_file, timeout_s=2)
    h = make_harness(Services(locker=dead), default_language="en")
    h.wait(lambda: not h.app.health.is_up("locker"), timeout_s=20, what="health poll notices the dead locker")
    assert h.screen("home").ids.collect_btn.disabled
    h.app.go("pickup")
    assert h.app.current == "out_of_service"


def test_missing_token_file_is_out_of_service_not_a_crash(make_harness, rig, tmp_path):
    client = LockerClient(rig.url, token_file=tmp_path / "nope.token", timeout_s=5)
    h = make_harness(Services(locker=client), default_language="en")
    h.wait(lambda: not h.app.health.is_up("locker"), timeout_s=20, what="locker counted as down")
    assert h.screen("home").ids.collect_btn.disabled
    h.app.go("pickup")
    assert h.app.current == "out_of_service"


def test_idle_timeout_forgets_the_code(make_harness, rig, tmp_path):
    h = make_harness(services_for(rig, tmp_path), default_language="en")
    scr = _start_pickup(h)
    type_digits(h, scr.ids.keypad, "4821")
    h.tap(scr.ids.mask_btn)
    h.clock.advance(h.app.cfg.kiosk.idle_timeout_s + 1)
    h.app.check_idle()
    assert h.app.current == "home"
    assert scr.entry == "" and scr.masked and scr.message == ""
