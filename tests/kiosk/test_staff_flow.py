"""Staff mode driven through the real widgets against a real locker daemon and lock-board simulator."""

from __future__ import annotations

from typing import Any

import requests
from kivy.tests.common import UnitTestTouch

from tests.kiosk.locker_fixtures import (  # noqa: F401
    SAMPLE_DOSSIER,
    folder_scanner,
    printed_pngs,
    rig_fixture,
    rig_pool,
    services_for,
    type_digits,
    type_text,
)
from tests.kiosk.locker_rig import PIN


def sign_in(h, rig, staff_id=None):  # type: ignore[no-untyped-def]
    """Through the sign-in screen: staff ID, PIN on the keypad, then the authenticator code."""
    staff_id = staff_id or rig.new_staff("supervisor")
    h.app.go("staff_login")
    login = h.screen("staff_login")
    h.tap(login.ids.staff_id_input)  # the kiosk's own keyboard types the staff ID
    assert login.field == "staff_id" and login.ids.staff_id_input.selected
    h.tap(login.ids.keyboard.key_button("clear"))
    type_text(h, login.ids.keyboard, staff_id)
    assert login.ids.staff_id_input.text == staff_id
    h.tap(login.ids.pin_field)
    type_digits(h, login.ids.keypad, PIN)
    h.tap(login.ids.totp_field)
    type_digits(h, login.ids.keypad, rig.totp[staff_id].now())
    h.tap(login.ids.sign_in_btn)
    h.wait(lambda: h.app.current == "staff_menu", timeout_s=20, what="staff menu")
    return h.screen("staff_menu")


def whoami(rig, token):  # type: ignore[no-untyped-def]
    return requests.get(
        f"{rig.url}/api/v1/staff/whoami", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


def test_corner_long_press_then_wrong_and_right_credentials(make_harness, rig, tmp_path):
    h = make_harness(services_for(rig, tmp_path), default_language="en", staff_longpress_s=1)
    corner = h.screen("home").ids.staff_corner
    x, y = corner.to_window(corner.center_x, corner.center_y)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    h.wait(lambda: h.app.current == "staff_login", timeout_s=10, what="long press opens sign-in")
    touch.touch_up()
    login = h.screen("staff_login")
    h.tap(login.ids.sign_in_btn)
    assert "fill in" in login.ids.message.text
    loader = rig.new_staff("loader")
    login.ids.staff_id_input.text = loader
    h.tap(login.ids.pin_field)
    type_digits(h, login.ids.keypad, "111111")
    assert login.ids.pin_field.text == "\u2022" * 6  # PIN masked
    h.tap(login.ids.totp_field)
    type_digits(h, login.ids.keypad, "000000")
    h.tap(login.ids.sign_in_btn)
    h.wait(lambda: login.message_kind == "error" and not login.busy, timeout_s=20, what="refusal")
    assert "wrong" in login.ids.message.text
    assert login.pin == "" and login.totp == "" and login.ids.staff_id_input.text == loader
    menu = sign_in(h, rig, loader)
    assert loader in menu.ids.who.text and "loader" in menu.ids.who.text
    assert menu.ids.reissue_btn.disabled  # supervisors only
    rig.load("HS-S-0010", phone="0900000050")  # waiting for its citizen: not a loader's to withdraw
    h.tap(menu.ids.withdraw_btn)
    deps = h.screen("staff_deposits")
    h.wait(lambda: deps.message == "No expired items.", timeout_s=20, what="loader sees expired items only")
    assert deps.rows == []


def test_load_a_compartment_confirm_closed_and_slip(make_harness, rig, tmp_path):
    h = make_harness(services_for(rig, tmp_path), default_language="en")
    menu = sign_in(h, rig)
    h.tap(menu.ids.load_btn)
    load = h.screen("staff_load")
    assert h.app.current == "staff_load" and load.step == "form"
    h.tap(load.ids.open_btn)
    assert "dossier code" in load.ids.message.text  # nothing typed yet
    type_text(h, load.ids.keyboard, "HS-S-0001")
    assert load.ids.dossier_input.text == "HS-S-0001"
    h.tap(load.ids.phone_field)
    type_digits(h, load.ids.keypad, "09000")
    h.tap(load.ids.open_btn)
    assert "10 digits" in load.ids.message.text
    type_digits(h, load.ids.keypad, "00041")
    h.tap(load.ids.size_medium)
    assert load.box_size == "medium"
    h.tap(load.ids.open_btn)
    h.wait(lambda: load.step == "open", timeout_s=20, what="door opened for loading")
    label = load.label
    assert "is open" in load.ids.message.text
    h.wait(lambda: load.cabinet is not None, what="cabinet picture")
    assert load.ids.cabinet_view.highlight == label
    assert load.ids.menu_btn.disabled  # finish or cancel first
    h.tap(load.ids.confirm_btn)
    h.wait(lambda: not load.busy and load.message_kind == "error", timeout_s=20, what="door still open")
    assert "still open" in load.ids.message.text
    rig.close_door(label)
    h.tap(load.ids.confirm_btn)
    h.wait(lambda: load.step == "done", timeout_s=20, what="code sent")
    assert "code was sent" in load.ids.message.text
    h.wait(lambda: "printed" in load.slip, timeout_s=30, what="loading slip")
    assert printed_pngs(tmp_path)
    assert rig.wait_code("HS-S-0001")
    h.tap(load.ids.another_btn)
    assert load.step == "form" and load.ids.dossier_input.text == ""


def test_scan_the_dossier_receipt_with_the_camera(make_harness, rig, tmp_path):
    scanner = folder_scanner(tmp_path, "3-dossier-receipt.jpg")
    h = make_harness(services_for(rig, tmp_path, scanner=scanner), default_language="en")
    h.tap(sign_in(h, rig).ids.load_btn)
    load = h.screen("staff_load")
    h.tap(load.ids.scan_btn)
    h.wait(lambda: load.ids.dossier_input.text == SAMPLE_DOSSIER, timeout_s=30, what="dossier QR read")
    assert not load.scanning and scanner.state.value == "stopped"
    assert SAMPLE_DOSSIER in load.ids.message.text


def test_bigger_compartment_then_cancel(make_harness, rig, tmp_path):
    h = make_harness(services_for(rig, tmp_path), default_language="en")
    h.tap(sign_in(h, rig).ids.load_btn)
    load = h.screen("staff_load")
    load.ids.dossier_input.text = "HS-S-0002"
    h.tap(load.ids.phone_field)
    type_digits(h, load.ids.keypad, "0900000042")
    h.tap(load.ids.size_small)
    h.tap(load.ids.open_btn)
    h.wait(lambda: load.step == "open", timeout_s=20, what="door opened")
    first = load.label
    rig.close_door(first)
    h.tap(load.ids.bigger_btn)
    h.wait(lambda: not load.busy and load.label != first, timeout_s=20, what="a bigger compartment")
    second = load.label
    h.tap(load.ids.cancel_btn)
    h.wait(lambda: load.step == "form", timeout_s=20, what="cancelled")
    assert "cancelled" in load.ids.message.text
    rig.close_door(second)
    comps = {c["label"]: c for c in rig.api("GET", "/api/v1/compartments", "setup")}
    assert comps[second]["deposit_id"] is None


def test_withdraw_reissue_alarms_and_cabinet(make_harness, rig, tmp_path):
    dep = rig.load("HS-S-0003", phone="0900000043")
    rig.wait_code("HS-S-0003")
    other = rig.load("HS-S-0004", phone="0900000044")
    rig.wait_code("HS-S-0004")
    h = make_harness(services_for(rig, tmp_path), default_language="en")
    menu = sign_in(h, rig)

    # reissue: a new code by SMS, the old one dies
    h.tap(menu.ids.reissue_btn)
    deps = h.screen("staff_deposits")
    h.wait(lambda: any(r.deposit_id == other["deposit_id"] for r in deps.rows), timeout_s=20, what="rows")
    h.tap(deps.button(f"reissue-{other['deposit_id']}"))
    h.wait(lambda: deps.message_kind == "ok", timeout_s=20, what="reissued")
    assert "new code was sent" in deps.ids.message.text
    assert rig.wait_code("HS-S-0004", nth=2)
    h.tap(deps.ids.menu_btn)

    # withdraw (a supervisor may take back any waiting item)
    h.tap(menu.ids.withdraw_btn)
    h.wait(lambda: any(r.deposit_id == dep["deposit_id"] for r in deps.rows), timeout_s=20, what="rows")
    h.tap(deps.button(f"withdraw-{dep['deposit_id']}"))
    h.wait(
        lambda: deps.message_kind in ("ok", "error") and "wait" not in deps.message,
        timeout_s=20,
        what="withdrawn",
    )
    assert f"Compartment {dep['compartment']} is open" in deps.ids.message.text
    assert all(r.deposit_id != dep["deposit_id"] for r in deps.rows)
    rig.close_door(dep["compartment"])
    h.tap(deps.ids.menu_btn)

    # an alarm: a door that will not open twice at pickup
    rig.jam(other["compartment"])
    code = rig.wait_code("HS-S-0004", nth=2)
    kiosk = {"Authorization": f"Bearer {rig.token_file.read_text().strip()}"}
    p = requests.post(f"{rig.url}/api/v1/pickups", json={"code": code}, headers=kiosk, timeout=20).json()
    requests.post(f"{rig.url}/api/v1/pickups/{p['pickup_id']}/retry", headers=kiosk, timeout=20)
    rig.sim_cmd("clear")
    h.tap(menu.ids.alarms_btn)
    alarms = h.screen("staff_alarms")
    h.wait(
        lambda: any(not a.acked and a.kind == "door_jammed" for a in alarms.alarms),
        timeout_s=20,
        what="alarm listed",
    )
    mine = [a for a in alarms.alarms if not a.acked and a.kind == "door_jammed"]
    alarm = max(mine, key=lambda a: a.raised_at or 0)  # the one just raised (others may share the daemon)
    assert "Door jammed" in alarms.describe(alarm) and other["compartment"] in alarms.describe(alarm)
    h.tap(alarms.button(f"ack-{alarm.alarm_id}"))
    h.wait(
        lambda: all(a.acked for a in alarms.alarms if a.alarm_id == alarm.alarm_id),
        timeout_s=20,
        what="acknowledged",
    )
    h.tap(alarms.ids.menu_btn)

    # cabinet view: every compartment with its state
    h.tap(menu.ids.cabinet_btn)
    cab = h.screen("staff_cabinet")
    h.wait(lambda: cab.cabinet is not None, timeout_s=20, what="cabinet")
    assert {s.label for s in cab.cabinet.slots} == {"1", "2", "3", "4", "5", "6"}
    assert cab.cabinet.slot(other["compartment"]).state not in ("free", "")
    assert cab.ids.cabinet_view.show_states
    assert cab.ids.legend.children
    # tap a free compartment in the picture: details, then a supervisor opens it (audited)
    h.tap(cab.ids.cabinet_view.label_widget("6"))
    assert cab.selected == "6" and "Compartment 6" in cab.ids.detail.text and "free" in cab.ids.detail.text
    h.tap(cab.ids.force_btn)
    h.wait(lambda: cab.message_kind == "ok", timeout_s=20, what="forced open")
    assert "Compartment 6 was opened" in cab.ids.message.text

    def door_shown_open() -> bool:
        if "door open" in cab.ids.detail.text:
            return True
        if h.app.worker.pending == 0:
            h.tap(cab.ids.refresh_btn)  # the daemon's door poll may lag the pulse by a moment
        return False

    h.wait(door_shown_open, timeout_s=20, what="detail shows the open door")
    rig.close_door("6")


def test_sign_out_idle_timeout_and_revoked_session(make_harness, rig, tmp_path):
    h = make_harness(services_for(rig, tmp_path), default_language="en")
    client = h.app.services.locker
    menu = sign_in(h, rig)
    token = client.staff.token
    h.tap(menu.ids.sign_out_btn)
    assert h.app.current == "home" and client.staff is None
    h.idle_workers()
    assert whoami(rig, token).status_code == 401  # the daemon forgot the session too

    # idle: an abandoned staff screen goes home and signs out
    sign_in(h, rig)
    staff = client.staff
    assert staff is not None
    token = staff.token
    h.tap(h.screen("staff_menu").ids.cabinet_btn)
    h.clock.advance(h.app.cfg.kiosk.idle_timeout_s + 1)
    h.app.check_idle()
    assert h.app.current == "home" and client.staff is None
    h.idle_workers()
    assert whoami(rig, token).status_code == 401

    # a session ended elsewhere: the next call goes back to sign-in, saying why
    sign_in(h, rig)
    requests.delete(
        f"{rig.url}/api/v1/staff/sessions/current",
        headers={"Authorization": f"Bearer {_signed_in(client).token}"},
        timeout=10,
    )
    h.tap(h.screen("staff_menu").ids.alarms_btn)
    h.wait(lambda: h.app.current == "staff_login", timeout_s=20, what="back to sign-in")
    assert "session ended" in h.screen("staff_login").ids.message.text


def _signed_in(client: Any) -> Any:
    """The client's staff session (mypy cannot see that the sign-in above set it)."""
    assert client.staff is not None
    return client.staff
