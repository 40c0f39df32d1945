"""Layout checks on the real kv files offscreen: nothing overlaps, the Done button is centred."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.services import Services

pytestmark = pytest.mark.kivy


def _ys(w: Any) -> tuple[float, float]:
    _x, y = w.to_window(w.x, w.y)
    return y, y + w.height


def test_ticket_column_never_overlaps_and_done_is_centred(make_harness) -> None:
    h = make_harness(Services(), default_language="en")
    for state in ("printer_failed", "closed", "printed", "printer_failed"):
        ticket = h.stage("ticket", state)
        col = ticket.ids.ticket_column
        shown = [w for w in reversed(col.children) if w.height > 0 and getattr(w, "text", "x")]
        for upper, lower in zip(shown, shown[1:], strict=False):
            assert _ys(lower)[1] <= _ys(upper)[0] + 0.5, f"{state}: {lower} overlaps {upper}"
        msg = ticket.ids.message
        assert msg.texture_size[1] <= msg.height + 0.5, f"{state}: the message is cut"
        if state == "printer_failed":
            assert "Pregnant" in ticket.priority_text
            assert _ys(msg)[1] <= _ys(ticket.ids.priority)[0] + 0.5  # below the priority line
            assert _ys(msg)[0] >= _ys(ticket.ids.buttons)[1] - 0.5  # above the Done button
        if state != "closed":  # Done alone: centred in its column
            done = ticket.ids.done_btn
            assert abs(done.center_x - col.center_x) <= 2, f"{state}: Done is off-centre"
            if not ticket.qr:  # no QR beside the column: no gap kept for it, Done in the screen's middle
                from kivy.core.window import Window

                x = done.to_window(done.center_x, done.center_y)[0]
                assert abs(x - Window.width / 2) <= 2, f"{state}: Done is off the screen's centre"
        assert ticket.ids.number.texture_size[1] <= ticket.ids.number.height + 0.5 or not ticket.number


def test_with_large_text_a_failed_printers_number_stays_the_biggest_line(make_harness) -> None:
    """Large text, printer out: the number is what the citizen must remember; it was squeezed to
    a line smaller than "7 people ahead". The wait and priority lines give it their room."""
    h = make_harness(Services(), default_language="vi")
    h.app.toggle_large_text()
    ticket = h.stage("ticket", "printer_failed")
    number, ahead = ticket.ids.number, ticket.ids.ahead
    assert number.font_size >= 1.5 * ahead.font_size, (number.font_size, ahead.font_size)
    assert number.texture_size[1] <= number.height + 0.5  # and it fits its row
    assert ticket.ids.priority.height == 0 and ticket.ids.message.text  # the printer message stays


def test_home_tile_is_not_a_queue_service_name(make_harness) -> None:
    h = make_harness(Services(), default_language="vi")
    home = h.screen("home")
    assert "Nhận hồ sơ tại tủ 24h" in home.ids.collect_btn.text
    assert not home.ids.collect_btn.text.startswith("Nhận kết quả")
    h.app.set_language("en")
    assert "24h locker" in home.ids.collect_btn.text


def test_printed_ticket_keeps_its_guidance_and_says_the_qr_hint_once(make_harness) -> None:
    from drivers.printer.layouts import ticket_document
    from drivers.printer.strings import STRINGS

    h = make_harness(Services(), default_language="vi")
    ticket = h.stage("ticket", "printed")
    text = "\n".join(ticket_document(ticket._ticket_data(ticket.ticket)).texts())
    # under the QR its caption; under the dashed rule what to do while waiting (not the caption again)
    assert text.count("theo dõi lượt") == 1, text
    assert STRINGS["vi"]["ticket_guidance"] in text
