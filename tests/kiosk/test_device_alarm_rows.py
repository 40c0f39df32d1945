"""The staff alarms list names a kiosk's printer/camera alarm in the staff's language, with the kiosk."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kiosk.clients.locker_views import Alarm
from kiosk.services import Services

NOW = datetime(2026, 11, 23, 12, 5, tzinfo=UTC)


@pytest.mark.kivy
def test_a_paper_out_alarm_reads_like_the_home_mark_and_names_the_kiosk(make_harness) -> None:
    h = make_harness(Services())
    alarms = h.screen("staff_alarms")
    # as locker/kiosk_devices.py writes it
    paper = Alarm("a1", "printer_paper_out", None, NOW, "kiosk kiosk-2: printer paper out (no paper)", False)
    h.app.set_language("vi")
    row = alarms.describe(paper)
    assert "Máy in hết giấy" in row and "kiosk-2" in row and "paper out" not in row
    h.app.set_language("en")
    assert "Printer out of paper · kiosk kiosk-2" in alarms.describe(paper)
    camera = Alarm("a2", "camera_missing", None, NOW, "kiosk k1: camera missing (no device)", False)
    assert "Camera not found · kiosk k1" in alarms.describe(camera)
    message = "kiosk k2: screen out of service (queueing)"
    screen = Alarm("a5", "screen_out_of_service", None, NOW, message, False)
    assert "Kiosk out of service · kiosk k2" in alarms.describe(screen)
    # a kind nobody translated still shows the daemon's words, and a door alarm names no kiosk
    odd = Alarm("a3", "something_new", None, NOW, "kiosk k1: something new", False)
    assert alarms.describe(odd).endswith("kiosk k1: something new")
    door = Alarm("a4", "door_left_open", "12", NOW, "door 12 open for 2 min", False)
    assert alarms.describe(door).endswith("Door left open · compartment 12")
