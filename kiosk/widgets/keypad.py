"""A large numeric keypad for codes and phone digits (used by pickup and staff screens)."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.gridlayout import GridLayout

from kiosk.widgets.common import BigButton


class NumericKeypad(GridLayout):
    """Digits 1–9, 0, delete and clear, editing `value` up to `max_length` digits.

    Dispatches `on_change(value)` after each edit; bind `value` to show it elsewhere.
    """

    value = StringProperty("")
    max_length = NumericProperty(10)
    delete_text = StringProperty("⌫")
    clear_text = StringProperty("C")

    __events__ = ("on_change",)

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("cols", 3)
        super().__init__(**kwargs)
        self._build()
        self.bind(delete_text=self._relabel, clear_text=self._relabel)

    def _build(self) -> None:
        for d in "123456789":
            self.add_widget(self._key(d))
        self._clear_btn = BigButton(text=self.clear_text, kind="neutral", speaks_always=True)
        self._clear_btn.bind(on_release=lambda *_: self.clear())
        self.add_widget(self._clear_btn)
        self.add_widget(self._key("0"))
        self._del_btn = BigButton(text=self.delete_text, kind="neutral", speaks_always=True)
        self._del_btn.bind(on_release=lambda *_: self.delete())
        self.add_widget(self._del_btn)

    def _relabel(self, *_args: object) -> None:
        self._clear_btn.text = self.clear_text
        self._del_btn.text = self.delete_text

    def _key(self, digit: str) -> BigButton:
        # every citizen keypad takes a secret (pickup code, ID number): a key acts at once and
        # is never read out; speech says only how many digits are in (`on_change` listeners)
        btn = BigButton(text=digit, kind="secondary", speaks_always=True)
        btn.digit = digit  # type: ignore[attr-defined]
        btn.bind(on_release=lambda *_: self.press(digit))
        return btn

    def key_button(self, digit: str) -> BigButton:
        """The button for `digit` (tests tap it)."""
        for child in self.children:
            if getattr(child, "digit", None) == digit:
                return child  # type: ignore[no-any-return]
        raise KeyError(digit)

    def press(self, digit: str) -> None:
        """Append one digit if there is room."""
        if len(self.value) < int(self.max_length):
            self.value += digit
            self.dispatch("on_change", self.value)

    def delete(self) -> None:
        """Remove the last digit."""
        if self.value:
            self.value = self.value[:-1]
            self.dispatch("on_change", self.value)

    def clear(self) -> None:
        """Remove every digit."""
        self.value = ""
        self.dispatch("on_change", self.value)

    def on_change(self, value: str) -> None:
        """Default handler (bind to react): with speech on, say how many digits are in (never which)."""
        say = getattr(App.get_running_app(), "say_key", None)
        if say is not None:
            say("a11y.digit_entered", cut=True, n=len(value))
