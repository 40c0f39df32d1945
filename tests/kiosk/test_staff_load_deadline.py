"""Loading keeps its deadline when the door sensor confirms by itself (the normal case).

A real locker daemon with `auto_confirm_on_close = true`: shutting the door sends the code. The
screen must follow that (no "press Door closed" left on screen), and the deadline on screen and
on the slip must be the daemon's, shown in the center's time zone, not the machine's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kiosk.screens import staff_load
from tests.kiosk.harness import Harness, make_config
from tests.kiosk.locker_fixtures import (  # noqa: F401
    rig_fixture,
    rig_pool,
    services_for,
    type_digits,
)
from tests.kiosk.test_staff_flow import sign_in

pytestmark = pytest.mark.kivy

RIG_DOORS = {"auto_confirm_on_close": True}
CENTER_TZ = "Pacific/Kiritimati"  # UTC+14: never the test machine's zone by accident


class SlipSpy:
    """The real PNG printer, remembering the loading slips it was asked to print."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.slips: list[Any] = []

    def print_loading_slip(self, data: Any) -> None:
        self.slips.append(data)
        self.inner.print_loading_slip(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture
def kiosk(rig, tmp_path):  # type: ignore[no-untyped-def]
    services = services_for(rig, tmp_path)
    spy = SlipSpy(services.printer)
    services.printer = spy
    config = make_config(tmp_path, default_language="en")
    config.center.timezone = CENTER_TZ
    h = Harness(config, services)
    yield h, spy
    h.close()


def _open_for_loading(h, rig, dossier: str) -> Any:  # type: ignore[no-untyped-def]
    h.tap(sign_in(h, rig).ids.load_btn)
    load = h.screen("staff_load")
    load.ids.dossier_input.text = dossier
    h.tap(load.ids.phone_field)
    type_digits(h, load.ids.keypad, "0900000061")
    h.tap(load.ids.open_btn)
    h.wait(lambda: load.step == "open", timeout_s=20, what="door opened for loading")
    return load


def _daemon_deadline(rig, deposit_id: str) -> datetime:  # type: ignore[no-untyped-def]
    dep = rig.api("GET", f"/api/v1/deposits/{deposit_id}", "setup")
    assert dep["state"] == "code_sent"
    return datetime.fromisoformat(dep["expires_at"])


def _center(when: datetime) -> str:
    return when.astimezone(ZoneInfo(CENTER_TZ)).strftime("%d/%m/%Y %H:%M")


def test_door_shut_the_screen_follows_to_done_with_the_daemons_deadline(kiosk, rig) -> None:
    h, spy = kiosk
    load = _open_for_loading(h, rig, "HS-DL-0001")
    assert "shut the door" in load.ids.message.text
    rig.shut_after_loading(load.label)  # nobody presses "Door closed": the sensor confirms
    h.wait(lambda: load.step == "done", timeout_s=20, what="the screen follows the sensor's confirm")
    deadline = _daemon_deadline(rig, load.deposit.deposit_id)
    assert f"Collect by: {_center(deadline)}." in load.ids.message.text
    assert "Door closed" not in load.ids.message.text
    assert load.ids.done_panel.opacity == 1 and load.ids.open_panel.opacity == 0
    h.wait(lambda: spy.slips, timeout_s=20, what="the loading slip")
    assert spy.slips[0].expires_at == deadline
    h.wait(lambda: "printed" in load.slip, timeout_s=30, what="slip printed")


def test_door_closed_pressed_after_the_sensor_confirmed_still_shows_the_deadline(
    kiosk, rig, monkeypatch
) -> None:
    h, spy = kiosk
    monkeypatch.setattr(staff_load, "FOLLOW_S", 3600.0)  # the button's path alone, no following
    load = _open_for_loading(h, rig, "HS-DL-0002")
    dep_id = load.deposit.deposit_id
    assert load.deposit.expires_at is None  # the create-time answer has no deadline yet
    rig.shut_after_loading(load.label)

    def sent() -> bool:
        return bool(rig.api("GET", f"/api/v1/deposits/{dep_id}", "setup")["state"] == "code_sent")

    h.wait(sent, timeout_s=20, what="the sensor's confirm on the daemon")
    h.tap(load.ids.confirm_btn)  # answered code_already_sent
    h.wait(lambda: load.step == "done", timeout_s=20, what="done after code_already_sent")
    deadline = _daemon_deadline(rig, dep_id)
    assert f"Collect by: {_center(deadline)}." in load.ids.message.text
    h.wait(lambda: spy.slips, timeout_s=20, what="the loading slip")
    assert len(spy.slips) == 1 and spy.slips[0].expires_at == deadline
