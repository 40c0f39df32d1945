"""Issue 16 on the staff loading screen, through real touches against a real locker daemon:
the authorised person (ID card scanned with the camera, phone typed) goes with the deposit, and
a full cabinet's offer (a bigger size, or keep at the counter) works from the form."""

from __future__ import annotations

import requests

from drivers.gateways.sms import read_messages
from tests.harness import wait_until
from tests.kiosk.locker_fixtures import (  # noqa: F401
    folder_scanner,
    printed_pngs,
    rig_fixture,
    rig_pool,
    services_for,
    type_digits,
    type_text,
)
from tests.kiosk.test_staff_flow import sign_in

# a daemon of this module's own (the full-cabinet test fills it), asking for the ID card
RIG_CODES = {"second_factor": "id_number"}


def _sms(rig, words):  # type: ignore[no-untyped-def]
    msgs = read_messages(rig.sms_dir) if rig.sms_dir.exists() else []
    return [m for m in msgs if words in m["text"]]


def _door(rig, label):  # type: ignore[no-untyped-def]
    return {c["label"]: c["door"] for c in rig.api("GET", "/api/v1/compartments", "setup")}[label]


def test_authorised_person_scanned_and_typed_then_their_card_collects(make_harness, rig, tmp_path):
    scanner = folder_scanner(tmp_path, "1-cccd-2021-format.jpg")
    h = make_harness(services_for(rig, tmp_path, scanner=scanner), default_language="en")
    h.tap(sign_in(h, rig).ids.load_btn)
    load = h.screen("staff_load")
    type_text(h, load.ids.keyboard, "HS-AU-1")
    h.tap(load.ids.phone_field)
    type_digits(h, load.ids.keypad, "0900000071")
    h.tap(load.ids.auth_id_field)
    type_digits(h, load.ids.keypad, "12345")
    h.tap(load.ids.open_btn)
    assert "12 digits" in load.ids.message.text and load.step == "form"
    h.tap(load.ids.auth_id_field)
    h.tap(load.ids.keypad._clear_btn)
    h.tap(load.ids.scan_card_btn)
    h.wait(lambda: len(load.auth_id) == 12, timeout_s=30, what="the ID card QR read")
    assert not load.scanning and "authorised" in load.ids.message.text
    assert load.auth_id not in load.ids.message.text  # shown masked only
    assert load.field == "auth_phone"
    type_digits(h, load.ids.keypad, "0900000072")
    assert load.auth_phone == "0900000072" and load.phone == "0900000071"
    h.tap(load.ids.open_btn)
    h.wait(lambda: load.step == "open", timeout_s=20, what="door opened")
    rig.shut_after_loading(load.label)
    h.tap(load.ids.confirm_btn)
    h.wait(lambda: load.step == "done", timeout_s=20, what="code sent")
    texts = wait_until(lambda: len(_sms(rig, "HS-AU-1")) == 2 and _sms(rig, "HS-AU-1"), 15, "two code SMS")
    assert sorted(m["to"] for m in texts) == ["+84900000071", "+84900000072"]
    code = rig.wait_code("HS-AU-1")
    r = requests.post(
        f"{rig.url}/api/v1/pickups",
        json={"code": code, "id_number": load.auth_id},
        headers={"Authorization": f"Bearer {rig.token_file.read_text().strip()}"},
        timeout=15,
    )
    assert r.status_code == 200, r.text
    assert r.json()["receipt"]["collected_by"] == "authorised"


def test_full_cabinet_offers_a_bigger_size_then_the_counter(make_harness, rig, tmp_path):
    for i, label in enumerate(("1", "2", "4")):  # every small compartment
        comps = {c["label"]: c for c in rig.api("GET", "/api/v1/compartments", "setup")}
        if comps[label]["deposit_id"] is None:
            rig.load(f"HS-FULL-{i}", size="small")
    h = make_harness(services_for(rig, tmp_path), default_language="en")
    h.tap(sign_in(h, rig).ids.load_btn)
    load = h.screen("staff_load")
    type_text(h, load.ids.keyboard, "HS-FULL-9")
    h.tap(load.ids.phone_field)
    type_digits(h, load.ids.keypad, "0900000079")
    h.tap(load.ids.size_small)
    h.tap(load.ids.open_btn)
    h.wait(lambda: load.offer != "" and not load.busy, timeout_s=20, what="the full-cabinet offer")
    assert load.offer == "medium" and "No small compartment is free" in load.ids.message.text
    assert "medium" in load.ids.take_bigger_btn.text and not load.ids.counter_btn.disabled
    h.tap(load.ids.take_bigger_btn)
    h.wait(lambda: load.step == "open", timeout_s=20, what="a medium compartment opened")
    opened = load.label
    assert opened in ("3", "5") and load.offer == ""
    h.tap(load.ids.cancel_btn)
    h.wait(lambda: load.step == "form", timeout_s=20, what="cancelled")
    rig.close_door(opened)
    wait_until(lambda: _door(rig, opened) == "closed", 10, "the daemon to see the door shut")
    # nothing of any size is free now (3, 5 and 6 loaded): only the counter is offered
    for i in range(3):
        rig.load(f"HS-FULL-B{i}")
    load.ids.dossier_input.text = "HS-FULL-9"
    h.tap(load.ids.phone_field)
    h.tap(load.ids.keypad._clear_btn)
    type_digits(h, load.ids.keypad, "0900000079")
    h.tap(load.ids.size_auto)
    h.tap(load.ids.open_btn)
    h.wait(lambda: load.offer != "" and not load.busy, timeout_s=20, what="the counter offer")
    assert load.offer == "counter" and "locker is full" in load.ids.message.text
    assert load.ids.take_bigger_btn.disabled
    h.tap(load.ids.counter_btn)
    h.wait(lambda: load.message_kind == "ok", timeout_s=20, what="kept at the counter")
    assert "stays at the counter" in load.ids.message.text and "+84*****0079" in load.ids.message.text
    assert load.step == "form" and load.ids.dossier_input.text == ""
    (msg,) = wait_until(lambda: _sms(rig, "HS-FULL-9"), 15, "the counter SMS")
    assert "nhan tai quay" in msg["text"]
