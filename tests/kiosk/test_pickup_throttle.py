"""Too many wrong codes from this kiosk: the locker throttles, the screen counts down with the hotline."""

from __future__ import annotations

from tests.kiosk.locker_fixtures import rig_fixture, rig_pool, services_for, type_digits  # noqa: F401

RIG_CODES = {"kiosk_free_failures": 1, "kiosk_first_delay_s": 60.0, "burst_failures": 100}


def test_throttled_kiosk_counts_down_and_blocks_the_button(make_harness, rig, tmp_path):
    h = make_harness(services_for(rig, tmp_path), default_language="en")
    h.tap(h.screen("home").ids.collect_btn)
    h.wait(lambda: h.app.current == "pickup", what="pickup screen")
    scr = h.screen("pickup")
    for _ in range(4):
        type_digits(h, scr.ids.keypad, "111111")
        h.tap(scr.ids.submit_btn)
        h.wait(lambda: not scr.busy and scr.message_kind == "error", timeout_s=20, what="answer")
        if scr.wait_s > 0:
            break
        h.tap(scr.ids.keypad._clear_btn)
    assert scr.wait_s > 0, scr.ids.message.text
    assert "Too many wrong tries" in scr.ids.message.text and "1900\u00a01234" in scr.ids.message.text
    assert scr.ids.submit_btn.disabled
    assert scr.entry == "111111"  # what was typed is kept for the next try
    h.app.go_home()
    assert scr.wait_s == 0 and scr.entry == ""
