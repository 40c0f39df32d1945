"""An invisible corner area that fires `on_long_press` after being held (the staff entry)."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import NumericProperty
from kivy.uix.widget import Widget


class LongPressArea(Widget):
    """Dispatches `on_long_press` when a touch stays on it for `hold_s` seconds."""

    hold_s = NumericProperty(3.0)
    __events__ = ("on_long_press",)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._event: Any = None

    def on_touch_down(self, touch: Any) -> bool:
        if not self.collide_point(*touch.pos):
            return False
        touch.grab(self)
        self._event = Clock.schedule_once(lambda _dt: self.dispatch("on_long_press"), float(self.hold_s))
        return True

    def on_touch_up(self, touch: Any) -> bool:
        if touch.grab_current is self:
            touch.ungrab(self)
            if self._event is not None:
                self._event.cancel()
                self._event = None
            return True
        return False

    def on_long_press(self) -> None:
        """Default handler (bind to react)."""
