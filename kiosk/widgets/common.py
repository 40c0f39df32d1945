"""Big buttons, wrapping labels and the header bar (center name, clock, language switch)."""

from __future__ import annotations

import re
from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, ColorProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label

from kiosk import theme


class WrapLabel(Label):
    """A label that wraps to its width and grows in height to fit (no overflow)."""


_KINDS = ("primary", "secondary", "danger", "success", "warning")
_MARKUP = re.compile(r"\[/?[a-z]+(=[^\]]*)?\]")


def plain(text: str) -> str:
    """`text` without Kivy markup tags and line breaks (what speech reads)."""
    return " ".join(_MARKUP.sub("", text).split())


class BigButton(Button):
    """A touch target of at least 15 mm with large bold text; `kind` picks the colours.

    With the app's speech on, a first touch reads the button out ("touch to hear") and a second
    touch on the same button chooses it, as phones' screen readers do; `speaks_always` buttons
    (the speech switch itself, keys of a secret entry) act on the first touch. `spoken` replaces
    the label when read out.
    """

    kind = StringProperty("primary")  # primary | secondary | neutral | danger | success | warning
    subtitle = StringProperty("")
    spoken = StringProperty("")
    speaks_always = BooleanProperty(False)
    bg = ColorProperty(theme.PRIMARY)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.bind(kind=self._recolor, disabled=self._recolor)
        app = App.get_running_app()
        if app is not None and hasattr(app, "palette"):
            app.fbind("palette", self._recolor)
        self._recolor()

    def _recolor(self, *_args: object) -> None:
        if self.disabled:
            self.bg, self.color = theme.color("DISABLED"), theme.color("DISABLED_TEXT")
            return
        role = self.kind.upper() if self.kind in _KINDS else "NEUTRAL"
        self.bg, self.color = theme.color(role), theme.color(f"{role}_TEXT")

    def on_touch_down(self, touch: Any) -> bool:
        if self.disabled or not self.collide_point(*touch.pos) or self.speaks_always:
            return bool(super().on_touch_down(touch))
        app = App.get_running_app()
        explore = getattr(app, "explore", None)
        if explore is not None and explore(self):
            return True  # read out, not chosen: the next touch on this button chooses it
        return bool(super().on_touch_down(touch))

    def spoken_label(self) -> str:
        """What speech reads for this button."""
        return self.spoken or plain(self.text)


class Header(BoxLayout):
    """Top bar: center name, the time, and the language switch."""

    show_language = BooleanProperty(True)
