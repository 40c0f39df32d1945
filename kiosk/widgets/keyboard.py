"""The kiosk's own touch keyboard for staff fields (staff ID, dossier code), and the field it types into.

Kivy's desktop VKeyboard is not used for these fields: it pops up over the form, its keys are
small, its Shift gives no capitals. `TextKeyboard` has large keys in the app's style: digits, the
symbols a field allows (`symbols`; " " is a space key labelled `space_text`), A-Z (capitals by
default; one key switches to small letters and back, and the letter keys show which), delete and
clear. Screens place it in the panel beside
the form, so it never covers the field being typed or the button that submits it.
`TextField` is the field: a touch target that shows its text, with the yellow focus frame while
it is the one being typed into (`selected`), and never opens a system keyboard.
"""

from __future__ import annotations

import string

from kivy.metrics import sp
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget

from kiosk.widgets.common import BigButton

COLUMNS = 7
CAPS = "caps"
DELETE = "delete"
CLEAR = "clear"
LETTERS = "letters"  # paged: switch to the letter page
DIGITS = "digits"  # paged: switch to the digit page


class TextField(ButtonBehavior, BoxLayout):
    """A one-line field typed by a kiosk keyboard or keypad; tap it to select it.

    `text` is the value; `shown` is what is drawn (the value, masked by the screen if needed);
    `placeholder` is drawn dimmed while the value is empty; `selected` draws the focus frame and
    a caret. Never requests a system keyboard.
    """

    text = StringProperty("")
    selected = BooleanProperty(False)
    placeholder = StringProperty("")
    shown = StringProperty("")
    font_size = NumericProperty(sp(30))

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.bind(text=self._update, selected=self._update, placeholder=self._update)
        self._update()

    def _update(self, *_args: object) -> None:
        caret = "|" if self.selected else ""
        self.shown = (self.text + caret) if self.text else (caret or self.placeholder)


class KeyButton(BigButton):
    """A key: a BigButton whose label may use the key's whole width (narrow keys, long words)."""


class TextKeyboard(GridLayout):
    """Large keys editing `value` (at most `max_length` characters); `on_change(value)` after each
    edit. Letters come as capitals while `caps` (the default)."""

    value = StringProperty("")
    max_length = NumericProperty(32)
    caps = BooleanProperty(True)
    symbols = StringProperty("-.")  # the symbol keys this field accepts, after the digits
    # paged: digits and symbols on one page, capital letters on another (a key switches), so the
    # keys keep their size in fewer rows (a citizen screen with large text); no case switch
    paged = BooleanProperty(False)
    page = StringProperty(DIGITS)
    delete_text = StringProperty("Delete")
    clear_text = StringProperty("Clear")
    space_text = StringProperty("Space")  # the label of the " " key, when `symbols` has one
    key_font_size = NumericProperty(sp(28))

    __events__ = ("on_change",)

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("cols", COLUMNS)
        super().__init__(**kwargs)
        self._keys: dict[str, BigButton] = {}
        self._build()
        self.bind(symbols=lambda *_a: self._build(), paged=lambda *_a: self._build())
        self.bind(page=lambda *_a: self._build(), caps=self._relabel)
        self.bind(delete_text=self._relabel, clear_text=self._relabel, space_text=self._relabel)

    # ----- building -----
    def _build(self) -> None:
        self.clear_widgets()
        self._keys = {}
        if self.paged:
            self._build_page()
            return
        # block 1: digits and this field's symbols, then delete at the right end of the row;
        # block 2: the letters, then the case switch and clear (26 + 2 = 4 rows of 7)
        first = [*string.digits[1:], "0", *self.symbols]
        first += [""] * (-(len(first) + 1) % COLUMNS) + [DELETE]
        for key in [*first, *string.ascii_uppercase, CAPS, CLEAR]:
            self.add_widget(self._make(key) if key else Widget())
        self._relabel()

    def _build_page(self) -> None:
        # digits: 0-9, the symbols, then clear / letters / delete ending the last row;
        # letters: A-Z, then digits / delete (26 + 2 = 4 rows of 7)
        if self.page == DIGITS:
            keys = [*string.digits[1:], "0", *self.symbols]
            keys += [""] * (-(len(keys) + 3) % COLUMNS) + [CLEAR, LETTERS, DELETE]
        else:
            keys = [*string.ascii_uppercase, DIGITS, DELETE]
        for key in keys:
            self.add_widget(self._make(key) if key else Widget())
        self._relabel()

    def _make(self, key: str) -> BigButton:
        control = key in (CAPS, DELETE, CLEAR, LETTERS, DIGITS)
        btn = KeyButton(kind="neutral" if control else "secondary")
        btn.key = key  # type: ignore[attr-defined]
        btn.bind(on_release=lambda *_a, k=key: self.press(k))
        self._keys[key] = btn
        return btn

    def _relabel(self, *_args: object) -> None:
        for key, btn in self._keys.items():
            if key == CAPS:
                btn.text = "abc" if self.caps else "ABC"
                btn.font_size = self.key_font_size * 0.8
            elif key == DELETE:
                btn.text, btn.font_size = self.delete_text, self.key_font_size * 0.7
            elif key == CLEAR:
                btn.text, btn.font_size = self.clear_text, self.key_font_size * 0.7
            elif key == " ":
                btn.text, btn.font_size = self.space_text, self.key_font_size * 0.7
            elif key in (LETTERS, DIGITS):
                btn.text, btn.font_size = ("ABC" if key == LETTERS else "123"), self.key_font_size * 0.8
            else:
                btn.text = key if self.caps or not key.isalpha() else key.lower()
                btn.font_size = self.key_font_size

    # ----- use -----
    def key_button(self, key: str) -> BigButton:
        """The button for `key`: a character ("A", "7", "-") or "caps" / "delete" / "clear" (paged:
        "letters" / "digits"; a character of the other page is KeyError until the page is switched)."""
        return self._keys[key.upper() if len(key) == 1 else key]

    def press(self, key: str) -> None:
        """What a key does."""
        if key == CAPS:
            self.caps = not self.caps
        elif key in (LETTERS, DIGITS):
            self.page = key
        elif key == DELETE:
            if self.value:
                self.value = self.value[:-1]
                self.dispatch("on_change", self.value)
        elif key == CLEAR:
            self.value = ""
            self.dispatch("on_change", self.value)
        elif len(self.value) < int(self.max_length):
            char = key if self.caps or not key.isalpha() else key.lower()
            self.value += char
            self.dispatch("on_change", self.value)

    def on_change(self, value: str) -> None:
        """Default handler (bind to react)."""
