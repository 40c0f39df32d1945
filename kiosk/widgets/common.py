"""Big buttons, wrapping labels and the header bar (center name, clock, language switch)."""

from __future__ import annotations

from kivy.properties import BooleanProperty, ColorProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label

from kiosk import theme


class WrapLabel(Label):
    """A label that wraps to its width and grows in height to fit (no overflow)."""


class BigButton(Button):
    """A touch target of at least 15 mm with large bold text; `kind` picks the colours."""

    kind = StringProperty("primary")  # primary | secondary | neutral | danger
    subtitle = StringProperty("")
    bg = ColorProperty(theme.PRIMARY)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.bind(kind=self._recolor, disabled=self._recolor)
        self._recolor()

    def _recolor(self, *_args: object) -> None:
        if self.disabled:
            self.bg, self.color = theme.DISABLED, theme.DISABLED_TEXT
            return
        self.bg, self.color = {
            "primary": (theme.PRIMARY, theme.PRIMARY_TEXT),
            "secondary": (theme.SECONDARY, theme.SECONDARY_TEXT),
            "danger": (theme.DANGER, theme.TEXT),
            "success": (theme.SUCCESS, theme.TEXT),
        }.get(self.kind, (theme.NEUTRAL, theme.TEXT))


class Header(BoxLayout):
    """Top bar: center name, the time, and the language switch."""

    show_language = BooleanProperty(True)
