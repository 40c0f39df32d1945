"""The kiosk's own keyboard for staff fields, typed by real touches offscreen.

It sits beside the form (never over the field being typed or the button that submits), has keys of
at least the touch minimum, gives capitals by default, and the focus frame follows the field.
A screenshot is written for a person to look at (its path is printed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from kivy.core.window import Window
from kivy.uix.vkeyboard import VKeyboard

from kiosk import theme
from kiosk.services import Services
from tests.kiosk.locker_fixtures import type_digits, type_text

pytestmark = pytest.mark.kivy


class IdleLocker:
    """A locker client that answers health and has nobody signed in (no daemon needed here)."""

    staff = None

    def health(self) -> dict[str, Any]:
        return {"status": "ok"}

    def close(self) -> None:
        """Nothing to release."""


def rect(widget: Any) -> tuple[float, float, float, float]:
    x, y = widget.to_window(widget.x, widget.y)
    return x, y, x + widget.width, y + widget.height


def overlap(a: Any, b: Any) -> bool:
    ax0, ay0, ax1, ay1 = rect(a)
    bx0, by0, bx1, by1 = rect(b)
    return ax0 < bx1 and bx0 < ax1 and ay0 < by1 and by0 < ay1


def inside_window(widget: Any) -> bool:
    x0, y0, x1, y1 = rect(widget)
    return x0 >= 0 and y0 >= 0 and x1 <= Window.width and y1 <= Window.height


def keys_are_big(keyboard: Any) -> None:
    minimum = theme.touch_min()
    for key in ("A", "Z", "0", "-", "caps", "delete", "clear"):
        btn = keyboard.key_button(key)
        assert btn.width >= minimum - 1 and btn.height >= minimum - 1, f"key {key} is {btn.size}"


def test_typing_the_staff_id_on_the_kiosk_keyboard(make_harness, tmp_path: Path) -> None:
    h = make_harness(Services(locker=IdleLocker()), default_language="vi")
    h.app.go("staff_login")
    login = h.screen("staff_login")
    kb = login.ids.keyboard
    assert login.field == "staff_id" and login.ids.staff_id_input.selected
    assert "không phải thẻ nhân viên" not in login.ids.message.text  # nothing scanned: only the hint
    assert kb.parent.opacity == 1 and login.ids.keypad.parent.opacity == 0
    assert kb.caps and kb.key_button("a").text == "A"  # capitals by default

    for ch in "NV-":
        h.tap(kb.key_button(ch))
    h.tap(kb.key_button("caps"))
    assert kb.key_button("L").text == "l"  # the keys show small letters now
    for ch in "lox":
        h.tap(kb.key_button(ch))
    h.tap(kb.key_button("delete"))
    type_text(h, kb, "an7")
    assert login.ids.staff_id_input.text == "NV-loan7"
    assert login.ids.staff_id_input.shown.startswith("NV-loan7")  # drawn with the caret

    # no desktop VKeyboard anywhere, and the keyboard covers neither the field nor the submit button
    assert not any(isinstance(w, VKeyboard) for w in Window.children)
    assert inside_window(kb)
    assert not overlap(kb, login.ids.staff_id_input)
    assert not overlap(kb, login.ids.sign_in_btn)
    keys_are_big(kb)
    shot = Window.screenshot(name=str(tmp_path / "staff-keyboard.png"))
    assert shot and Path(shot).stat().st_size > 10_000
    print("keyboard screenshot:", shot)

    # the focus frame follows the field; PIN and code are typed on the keypad in the same place
    h.tap(login.ids.pin_field)
    assert login.ids.pin_field.selected and not login.ids.staff_id_input.selected
    assert kb.parent.opacity == 0 and login.ids.keypad.parent.opacity == 1
    type_digits(h, login.ids.keypad, "4829")
    assert login.pin == "4829" and login.ids.staff_id_input.text == "NV-loan7"
    h.tap(login.ids.totp_field)
    assert login.ids.totp_field.selected and not login.ids.pin_field.selected
    assert not overlap(login.ids.keypad, login.ids.totp_field)
    assert not overlap(login.ids.keypad, login.ids.sign_in_btn)


def test_loading_form_keyboard_phone_field_and_size_words(make_harness) -> None:
    h = make_harness(Services(locker=IdleLocker()), default_language="vi")
    h.app.go("staff_load")
    load = h.screen("staff_load")
    kb = load.ids.keyboard
    assert load.field == "dossier" and load.ids.dossier_input.selected
    type_text(h, kb, "H26.1-0042")
    assert load.ids.dossier_input.text == "H26.1-0042"
    assert not overlap(kb, load.ids.dossier_input) and not overlap(kb, load.ids.open_btn)
    assert inside_window(kb) and inside_window(load.ids.open_btn)
    keys_are_big(kb)
    # the empty phone field is an empty box, not a lone dash
    assert load.ids.phone_field.text == "" and load.ids.phone_field.shown == ""
    h.tap(load.ids.phone_field)
    assert load.ids.phone_field.selected and not load.ids.dossier_input.selected
    type_digits(h, load.ids.keypad, "0900000001")
    assert load.phone == "0900000001" and load.ids.phone_field.text == "0900000001"
    assert load.ids.size_auto.text == "Tự động"
    h.app.set_language("en")
    assert load.ids.size_auto.text == "Automatic"
