"""A supervisor opens "Handover photos" on a locker that keeps none (`[locker.handover_photo]` off,
the shipped default): the screen says so instead of an empty list (issue 16, staff side)."""

from __future__ import annotations

from tests.kiosk.locker_fixtures import rig_fixture, rig_pool, services_for  # noqa: F401
from tests.kiosk.test_staff_flow import sign_in

RIG_CODES = {"second_factor": "none"}  # the same daemon as test_pickup_flow (photos off)


def test_feature_off_is_said_plainly(make_harness, rig, tmp_path):
    h = make_harness(services_for(rig, tmp_path))
    menu = sign_in(h, rig)
    h.tap(menu.ids.photos_btn)
    scr = h.screen("staff_photos")
    h.wait(lambda: "tính năng đang tắt" in scr.ids.message.text, timeout_s=20, what="feature off")
    assert scr.rows == [] and list(scr.ids.rows.children) == []
    h.app.set_language("en")
    assert scr.ids.message.text == "This locker takes no handover photos (the feature is off) and keeps none."
