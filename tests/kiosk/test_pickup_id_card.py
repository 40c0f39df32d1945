"""Collect your result with the ID card as second factor: scanned by the real camera driver, or typed."""

from __future__ import annotations

from tests.kiosk.locker_fixtures import (  # noqa: F401
    SAMPLE_CARD_ID,
    folder_scanner,
    rig_fixture,
    rig_pool,
    services_for,
    type_digits,
)

RIG_CODES = {"second_factor": "id_number"}


def _to_id_step(h, code):  # type: ignore[no-untyped-def]
    h.tap(h.screen("home").ids.collect_btn)
    h.wait(lambda: h.app.current == "pickup", what="pickup screen")
    scr = h.screen("pickup")
    h.wait(lambda: scr.factor == "id_number", what="kiosk config from the locker")
    type_digits(h, scr.ids.keypad, code)
    assert scr.ids.submit_btn.text == "Continue"
    h.tap(scr.ids.submit_btn)
    assert scr.step == "id_number" and scr.max_length == 12
    return scr


def test_scanning_the_id_card_opens_the_door(make_harness, rig, tmp_path):
    rig.load("HS-ID-0001", phone="0900000031", id_number=SAMPLE_CARD_ID)
    code = rig.wait_code("HS-ID-0001")
    scanner = folder_scanner(tmp_path, "1-cccd-2021-format.jpg")
    h = make_harness(services_for(rig, tmp_path, scanner=scanner), default_language="en")
    _to_id_step(h, code)
    h.wait(lambda: h.app.current == "pickup_open", timeout_s=30, what="card read and door opened")
    assert h.screen("pickup_open").door_view == "open"
    assert scanner.state.value == "stopped"


def test_typed_id_number_that_does_not_match_is_explained(make_harness, rig, tmp_path):
    rig.load("HS-ID-0002", phone="0900000032", id_number=SAMPLE_CARD_ID)
    code = rig.wait_code("HS-ID-0002")
    h = make_harness(services_for(rig, tmp_path), default_language="en")  # no camera: type it
    scr = _to_id_step(h, code)
    assert scr.camera_state == "unavailable"
    type_digits(h, scr.ids.keypad, "001099012345")
    h.tap(scr.ids.submit_btn)
    h.wait(lambda: not scr.busy and scr.message_kind == "error", timeout_s=20, what="refusal")
    assert "does not match" in scr.ids.message.text or "not right" in scr.ids.message.text
    scr.reset()
    type_digits(h, scr.ids.keypad, code)
    h.tap(scr.ids.submit_btn)
    type_digits(h, scr.ids.keypad, SAMPLE_CARD_ID)
    h.tap(scr.ids.submit_btn)
    h.wait(lambda: h.app.current == "pickup_open", timeout_s=20, what="door opened with the typed ID")
