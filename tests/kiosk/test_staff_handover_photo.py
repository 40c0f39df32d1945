"""A supervisor views a handover photo at the kiosk (issue 16, staff side), through real touches
against a real locker daemon with `[locker.handover_photo] enabled`: the photo after a typed reason
(the audit has it), a loader kept out, and a photo erased meanwhile said plainly."""

from __future__ import annotations

import base64
import sqlite3
from typing import Any

import requests

from tests.kiosk.locker_fixtures import (  # noqa: F401
    SAMPLES,
    rig_fixture,
    rig_pool,
    services_for,
    type_text,
)
from tests.kiosk.test_staff_flow import sign_in

RIG_CODES = {"second_factor": "none"}  # the same daemon as test_handover_photo_flow
RIG_PHOTO = {"enabled": True, "retention_days": 14}
FRAME = (SAMPLES / "4-no-code.jpg").read_bytes()  # 640 x 480, no person, no code


def _collected_with_photo(rig: Any, dossier: str) -> tuple[str, str]:
    """Load `dossier`, collect it with the kiosk token and send its photo: (deposit_id, pickup_id)."""
    dep = rig.load(dossier, phone="0900000051")
    kiosk = {"Authorization": f"Bearer {rig.token_file.read_text().strip()}"}
    r = requests.post(
        f"{rig.url}/api/v1/pickups", json={"code": rig.wait_code(dossier)}, headers=kiosk, timeout=15
    )
    assert r.status_code == 200 and r.json()["door"] == "opened", r.text
    pickup_id = r.json()["pickup_id"]
    body = {"jpeg_base64": base64.b64encode(FRAME).decode()}
    r = requests.post(f"{rig.url}/api/v1/pickups/{pickup_id}/photo", json=body, headers=kiosk, timeout=15)
    assert r.status_code == 200, r.text
    return dep["deposit_id"], pickup_id


def _photos_screen(h: Any, rig: Any) -> Any:
    menu = sign_in(h, rig)
    assert not menu.ids.photos_btn.disabled
    h.tap(menu.ids.photos_btn)
    h.wait(lambda: h.app.current == "staff_photos", what="photos screen")
    scr = h.screen("staff_photos")
    h.wait(lambda: bool(scr.rows), timeout_s=20, what="the kept photos")
    return scr


def test_supervisor_sees_the_photo_after_a_reason_and_it_is_audited(make_harness, rig, tmp_path):
    deposit_id, pickup_id = _collected_with_photo(rig, "HS-PV-0001")
    h = make_harness(services_for(rig, tmp_path))
    scr = _photos_screen(h, rig)
    assert "ghi nhật ký" in scr.ids.message.text and "14 ngày" in scr.ids.message.text
    h.tap(scr.button(f"view-{pickup_id}"))
    assert scr.step == "reason" and "HS-PV-0001" in scr.title
    assert scr.ids.show_btn.disabled  # no reason, no photo
    type_text(h, scr.ids.keyboard, "KH")
    assert scr.ids.show_btn.disabled and scr.ids.reason_field.text == "KH"
    type_text(h, scr.ids.keyboard, "IEU NAI HS-PV-0001")
    assert not scr.ids.show_btn.disabled
    h.tap(scr.ids.show_btn)
    h.wait(lambda: scr.step == "photo", timeout_s=20, what="the photo")
    assert tuple(scr.ids.photo.texture.size) == (640, 480)
    assert scr.ids.photo.norm_image_size[1] > 100  # drawn, not a zero-height widget
    assert "Lần xem này đã được ghi nhật ký" in scr.ids.message.text
    h.app.set_language("en")
    assert "This view has been logged" in scr.ids.message.text

    records = rig.api("GET", "/api/v1/audit", "setup", params={"deposit_id": deposit_id})["records"]
    seen = [r for r in records if r["action"] == "handover_photo_viewed"]
    assert len(seen) == 1 and seen[0]["detail"]["reason"] == "KHIEU NAI HS-PV-0001"
    assert seen[0]["actor"] == scr.session.staff_id

    h.tap(scr.ids.back_btn)
    assert scr.step == "list" and scr.ids.photo.texture is None  # the image is not kept around
    h.tap(scr.ids.menu_btn)
    assert h.app.current == "staff_menu"


def test_loader_sees_no_option_and_is_refused(make_harness, rig, tmp_path):
    h = make_harness(services_for(rig, tmp_path))
    menu = sign_in(h, rig, rig.new_staff("loader"))
    assert menu.ids.photos_btn.disabled and "Chỉ trưởng nhóm" in menu.ids.photos_btn.text
    h.tap(menu.ids.photos_btn)
    assert h.app.current == "staff_menu"
    h.app.go("staff_photos")  # reached anyway: the locker says no
    scr = h.screen("staff_photos")
    h.wait(lambda: "trưởng nhóm" in scr.ids.message.text, timeout_s=20, what="refusal")
    assert scr.rows == [] and scr.ids.message.text == "Thao tác này chỉ dành cho trưởng nhóm."


def test_a_photo_erased_meanwhile_is_said_plainly(make_harness, rig, tmp_path):
    _, pickup_id = _collected_with_photo(rig, "HS-PV-0002")
    h = make_harness(services_for(rig, tmp_path), default_language="en")
    scr = _photos_screen(h, rig)
    # what the retention sweep does (row and sealed file), while the list is on screen
    with sqlite3.connect(rig.data_dir / "locker.db") as conn:
        conn.execute("DELETE FROM handover_photos WHERE pickup_id=?", (pickup_id,))
    (rig.data_dir / "handover" / f"{pickup_id}.sealed").unlink()
    h.tap(scr.button(f"view-{pickup_id}"))
    type_text(h, scr.ids.keyboard, "Check")
    h.tap(scr.ids.show_btn)
    h.wait(lambda: "erased after 14 days" in scr.ids.message.text, timeout_s=20, what="no photo")
    assert scr.step == "list" and all(p.pickup_id != pickup_id for p in scr.rows)
    assert scr.ids.photo.texture is None
