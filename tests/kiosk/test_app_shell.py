"""The app shell: home, language switch, idle timeout, out-of-service and recovery."""

from __future__ import annotations

import pytest

from kiosk.clients.queueing import QueueingClient
from kiosk.services import Services
from tests.conftest import free_port

pytestmark = pytest.mark.kivy


def test_home_shows_queue_unavailable_when_service_does_not_answer(make_harness):
    h = make_harness(Services(queueing=QueueingClient(f"http://127.0.0.1:{free_port()}", timeout_s=1)))
    h.idle_workers()
    home = h.screen("home")
    assert h.app.current == "home"
    assert home.queue_state == "unavailable"
    assert home.ids.take_btn.disabled


def test_language_switch_by_tap_changes_texts(make_harness):
    h = make_harness(Services())
    home = h.screen("home")
    assert "Lấy số thứ tự" in home.ids.take_btn.text
    lang_btn = _lang_button(home)
    h.tap(lang_btn)
    assert h.app.lang == "en"
    assert "Take a number" in home.ids.take_btn.text
    h.tap(lang_btn)
    assert h.app.lang == "vi"


def _lang_button(screen):
    from kiosk.widgets.common import BigButton, Header

    for w in screen.walk():
        if isinstance(w, Header):
            for c in w.walk():
                if isinstance(c, BigButton):
                    return c
    raise AssertionError("no language button")
