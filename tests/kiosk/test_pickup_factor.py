"""Collect your result with the last 4 phone digits as second factor; locked deposits; unblock."""

from __future__ import annotations

from tests.kiosk.locker_fixtures import rig_fixture, rig_pool, services_for, type_digits  # noqa: F401

RIG_CODES = {"second_factor": "phone_last4", "max_wrong_per_deposit": 3}


def _enter_code(h, code):  # type: ignore[no-untyped-def]
    h.tap(h.screen("home").ids.collect_btn)
    h.wait(lambda: h.app.current == "pickup", what="pickup screen")
    scr = h.screen("pickup")
    h.wait(lambda: scr.factor == "phone_last4", what="kiosk config from the locker")
    type_digits(h, scr.ids.keypad, code)
    h.tap(scr.ids.submit_btn)
    return scr


def test_phone_digits_asked_wrong_then_right(make_harness, rig, tmp_path):
    rig.load("HS-F-0001", phone="0900000011")
    code = rig.wait_code("HS-F-0001")
    h = make_harness(services_for(rig, tmp_path), default_language="en")
    scr = _enter_code(h, code)
    assert scr.step == "phone_last4" and scr.max_length == 4
    assert "last 4 digits" in scr.ids.prompt.text
    assert scr.ids.submit_btn.text == "Open the locker"
    type_digits(h, scr.ids.keypad, "12")
    h.tap(scr.ids.submit_btn)
    assert "all 4 digits" in scr.ids.message.text
    h.tap(scr.ids.keypad._clear_btn)
    type_digits(h, scr.ids.keypad, "9999")
    h.tap(scr.ids.submit_btn)
    h.wait(lambda: scr.message_kind == "error" and not scr.busy, timeout_s=20, what="factor refused")
    assert "not the right last 4 digits" in scr.ids.message.text
    assert scr.step == "phone_last4" and scr.entry == ""
    # back to the code keeps it; continue asks for the digits again
    h.tap(scr.ids.back_btn)
    assert scr.step == "code" and scr.entry == code
    h.tap(scr.ids.submit_btn)
    type_digits(h, scr.ids.keypad, "0011")
    h.tap(scr.ids.submit_btn)
    h.wait(lambda: h.app.current == "pickup_open", timeout_s=20, what="door opened")
    assert h.screen("pickup_open").door_view == "open"


def test_locked_deposit_gives_the_hotline_and_a_supervisor_unblocks_it(make_harness, rig, tmp_path):
    rig.load("HS-F-0002", phone="0900000022")
    code = rig.wait_code("HS-F-0002")
    h = make_harness(services_for(rig, tmp_path), default_language="en")
    scr = _enter_code(h, "000000")  # a wrong code, the right phone digits: counted on this deposit
    messages = []
    for attempt in range(3):
        if attempt:
            type_digits(h, scr.ids.keypad, "000000")
            h.tap(scr.ids.submit_btn)
        assert scr.step == "phone_last4"
        type_digits(h, scr.ids.keypad, "0022")
        h.tap(scr.ids.submit_btn)
        h.wait(lambda: not scr.busy and scr.message_kind == "error", timeout_s=20, what="wrong code answer")
        messages.append(scr.ids.message.text)
        assert scr.step == "code" and scr.entry == ""
    assert "2 tries left" in messages[0] and "Only 1 try left" in messages[1], messages
    assert "blocked" in messages[2] and "1900\u00a01234" in messages[2], messages
    # the right code no longer works until a supervisor unblocks
    scr.reset()
    type_digits(h, scr.ids.keypad, code)
    h.tap(scr.ids.submit_btn)
    type_digits(h, scr.ids.keypad, "0022")
    h.tap(scr.ids.submit_btn)
    h.wait(lambda: not scr.busy and scr.message_kind == "error", timeout_s=20, what="locked refusal")
    assert "blocked" in scr.ids.message.text and "1900\u00a01234" in scr.ids.message.text
    assert h.app.current == "pickup"

    # supervisor on the same kiosk: sign in, Reissue/unblock, Unblock
    h.app.go_home()
    h.app.go("staff_login")
    login = h.screen("staff_login")
    sup = rig.new_staff("supervisor")
    login.ids.staff_id_input.text = sup
    h.tap(login.ids.pin_field)
    type_digits(h, login.ids.keypad, "482916")
    h.tap(login.ids.totp_field)
    type_digits(h, login.ids.keypad, rig.totp[sup].now())
    h.tap(login.ids.sign_in_btn)
    h.wait(lambda: h.app.current == "staff_menu", timeout_s=20, what="signed in")
    h.tap(h.screen("staff_menu").ids.reissue_btn)
    deps = h.screen("staff_deposits")
    h.wait(lambda: any(r.dossier_code == "HS-F-0002" for r in deps.rows), timeout_s=20, what="deposit list")
    row = next(r for r in deps.rows if r.dossier_code == "HS-F-0002")
    assert row.locked
    h.tap(deps.button(f"unblock-{row.deposit_id}"))
    h.wait(lambda: deps.message_kind == "ok", timeout_s=20, what="unblocked")
    assert "unblocked" in deps.ids.message.text
    h.tap(deps.ids.menu_btn)
    h.tap(h.screen("staff_menu").ids.sign_out_btn)
    assert h.app.current == "home"

    scr = _enter_code(h, code)
    type_digits(h, scr.ids.keypad, "0022")
    h.tap(scr.ids.submit_btn)
    h.wait(lambda: h.app.current == "pickup_open", timeout_s=20, what="door opened after unblock")
