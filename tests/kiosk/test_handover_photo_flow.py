"""Evidence of handover at the kiosk (issue 16), through the real widgets against a real locker daemon
with `[locker.handover_photo] enabled`: the notice before the code, one frame of the real camera
driver (sample images) sent as the door opens, and no camera never in the citizen's way."""

from __future__ import annotations

import io

import requests
from PIL import Image

from tests.kiosk.locker_fixtures import (  # noqa: F401
    folder_scanner,
    rig_fixture,
    rig_pool,
    services_for,
    submit_code,
)

RIG_CODES = {"second_factor": "none"}
RIG_PHOTO = {"enabled": True, "retention_days": 14}


def _pickup_screen(h):  # type: ignore[no-untyped-def]
    h.tap(h.screen("home").ids.collect_btn)
    h.wait(lambda: h.app.current == "pickup", what="pickup screen")
    scr = h.screen("pickup")
    h.wait(lambda: scr.photo_days == 14, what="kiosk config from the locker")
    return scr


def test_told_before_the_code_then_the_door_opening_is_photographed(make_harness, rig, tmp_path):
    rig.load("HS-PH-0001", phone="0900000041")
    code = rig.wait_code("HS-PH-0001")
    scanner = folder_scanner(tmp_path, "4-no-code.jpg")
    h = make_harness(services_for(rig, tmp_path, scanner=scanner))
    scr = _pickup_screen(h)
    notice = scr.ids.photo_notice
    assert notice.text.startswith("Lưu ý: khi cửa tủ mở, camera") and "14 ngày" in notice.text
    assert notice.height > 0 and notice.texture_size[1] > 0  # on screen, not just in a property
    h.app.set_language("en")
    assert "takes one photo" in notice.text and "14 days" in notice.text
    assert "takes one photo" in scr.speech_prompt()  # said too, for a citizen who listens
    h.app.set_language("vi")
    assert scanner.state.value == "stopped"  # nothing is taken while the code is typed

    opened = submit_code(h, scr, code)
    h.wait(lambda: opened.handover.state.value in ("sent", "failed"), timeout_s=30, what="photo sent")
    assert opened.handover.state.value == "sent"
    assert scanner.state.value == "stopped"  # the camera ran for that one frame only
    assert opened.door_view == "open" and h.app.current == "pickup_open"

    pickup_id = opened.handover.pickup_id
    boss = rig.new_staff("supervisor")
    r = requests.post(
        f"{rig.url}/api/v1/pickups/{pickup_id}/photo/view",
        timeout=15,
        headers={"Authorization": f"Bearer {rig.staff_token(boss)}"},
        json={"reason": "Kiểm tra ảnh bàn giao (kiểm thử)"},
    )
    assert r.status_code == 200, r.text
    img = Image.open(io.BytesIO(r.content))
    assert img.format == "JPEG" and img.width <= 640
    h.tap(opened.ids.done_btn)
    assert h.app.current == "home"


def test_without_a_camera_the_door_still_opens_and_nothing_is_said(make_harness, rig, tmp_path):
    rig.load("HS-PH-0002", phone="0900000042")
    code = rig.wait_code("HS-PH-0002")
    h = make_harness(services_for(rig, tmp_path), default_language="en")  # no camera at all
    scr = _pickup_screen(h)
    assert "takes one photo" in scr.ids.photo_notice.text
    opened = submit_code(h, scr, code)
    assert opened.handover.state.value == "no_camera"
    assert opened.door_view == "open" and "photo" not in opened.ids.detail.text
    h.wait(lambda: opened.print_view == "printed", timeout_s=30, what="receipt printed")
