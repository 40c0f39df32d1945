"""The app shell: home, language switch, idle timeout, out-of-service and recovery."""

from __future__ import annotations

import pytest

from kiosk.clients.queueing import QueueingClient
from kiosk.services import Services
from tests.harness import free_port

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


def test_header_clock_shows_the_centers_local_time(make_harness):
    h = make_harness(Services())  # ManualClock starts 2026-01-05 08:00 UTC
    assert h.app.clock_text == "15:00"  # Asia/Ho_Chi_Minh is UTC+7


def test_many_services_are_paged_with_big_next_and_previous(make_harness):
    from kiosk.clients.queueing import ServiceInfo

    h = make_harness(Services())
    scr = h.screen("services")
    h.app.sm.current = "services"
    many = [ServiceInfo(f"s{i}", f"Dịch vụ {i}", f"Service {i}", "A", True, None, i, None) for i in range(12)]
    scr._loaded(many)
    h.pump(3)
    assert scr.pages == 2 and scr.searchable
    assert scr.ids.prev_btn.disabled
    h.tap(scr.ids.next_btn)
    assert scr.page == 1
    assert [getattr(c, "entry_code", None) for c in scr.ids.grid.children if hasattr(c, "entry_code")]
    assert scr.tile("s11")
    h.tap(scr.ids.prev_btn)
    assert scr.page == 0 and scr.tile("s0")
