"""A picture of the locker cabinet drawn from GET /api/v1/cabinet.

Citizens see every door in grey and theirs in bright yellow with a thick frame, so they can find
it at a glance; staff see each compartment coloured by its state. Pure drawing: the layout comes
in through `cabinet` (a `kiosk.clients.locker_views.Cabinet`), nothing here talks to the daemon.
"""

from __future__ import annotations

from typing import Any

from kivy.graphics import Color, Line, Rectangle
from kivy.metrics import dp, sp
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk import theme
from kiosk.clients.locker_views import Cabinet, CabinetSlot

Rgba = tuple[float, float, float, float]

# Staff view: state -> (fill, text colour). Unknown states fall back to neutral grey.
STATE_COLOURS: dict[str, tuple[Rgba, Rgba]] = {
    "free": (theme.SUCCESS, theme.TEXT),
    "reserved": (theme.WARNING, theme.PRIMARY_TEXT),
    "loading": (theme.WARNING, theme.PRIMARY_TEXT),
    "loaded": (theme.SECONDARY, theme.TEXT),
    "code_sent": (theme.SECONDARY, theme.TEXT),
    "open": (theme.PRIMARY, theme.PRIMARY_TEXT),
    "expired": (theme.DANGER, theme.TEXT),
    "locked": (theme.DANGER, theme.TEXT),
    "disabled": (theme.DISABLED, theme.DISABLED_TEXT),
    "fault": (theme.DANGER, theme.TEXT),
    "attention": (theme.DANGER, theme.TEXT),  # jammed/unknown pickup or expired: staff needed
}
CITIZEN_DOOR: tuple[Rgba, Rgba] = ((0.30, 0.38, 0.50, 1), theme.TEXT_DIM)
HIGHLIGHT: tuple[Rgba, Rgba] = (theme.PRIMARY, theme.PRIMARY_TEXT)


def slot_rects(
    cabinet: Cabinet, x: float, y: float, w: float, h: float, gap: float
) -> dict[str, tuple[float, ...]]:
    """Rectangles (x, y, w, h) in window units for each label; row 0 is at the top."""
    total_units = max((s.row + s.height_units for s in cabinet.slots), default=1)
    col_w = w / max(1, cabinet.columns)
    unit_h = h / max(1, total_units)
    out: dict[str, tuple[float, ...]] = {}
    for s in cabinet.slots:
        sx = x + s.column * col_w + gap / 2
        top = y + h - s.row * unit_h
        sh = s.height_units * unit_h - gap
        out[s.label] = (sx, top - sh - gap / 2, col_w - gap, sh)
    return out


class CabinetView(Widget):
    """Draws `cabinet`; `highlight` is the label to point out; `show_states` colours by state."""

    cabinet = ObjectProperty(None, allownone=True)
    highlight = StringProperty("")
    show_states = BooleanProperty(False)
    selectable = BooleanProperty(False)  # staff: tapping a compartment dispatches on_select(label)

    __events__ = ("on_select",)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._labels: dict[str, Label] = {}
        self._rects: dict[str, tuple[float, ...]] = {}
        self.bind(
            pos=self._redraw,
            size=self._redraw,
            cabinet=self._rebuild,
            highlight=self._redraw,
            show_states=self._redraw,
        )

    def label_widget(self, label: str) -> Label:
        """The text widget of compartment `label` (tests inspect it)."""
        return self._labels[label]

    def slot_at(self, x: float, y: float) -> str | None:
        """The label of the compartment drawn at (x, y) in parent coordinates, if any."""
        for label, (rx, ry, rw, rh) in self._rects.items():
            if rx <= x <= rx + rw and ry <= y <= ry + rh:
                return label
        return None

    def on_touch_up(self, touch: Any) -> bool:
        if self.selectable and self.collide_point(*touch.pos):
            label = self.slot_at(*touch.pos)
            if label is not None:
                self.dispatch("on_select", label)
                return True
        return bool(super().on_touch_up(touch))

    def on_select(self, label: str) -> None:
        """Default handler (bind to react)."""

    def colours(self, slot: CabinetSlot) -> tuple[Rgba, Rgba]:
        """Fill and text colour of `slot` in the current mode."""
        if slot.label == self.highlight:
            return HIGHLIGHT
        if self.show_states:
            return STATE_COLOURS.get(slot.state, (theme.NEUTRAL, theme.TEXT))
        return CITIZEN_DOOR

    def _rebuild(self, *_args: Any) -> None:
        for lbl in self._labels.values():
            self.remove_widget(lbl)
        self._labels = {}
        cab: Cabinet | None = self.cabinet
        if cab is not None:
            for s in cab.slots:
                lbl = Label(text=s.label, bold=True, halign="center", valign="middle")
                self._labels[s.label] = lbl
                self.add_widget(lbl)
        self._redraw()

    def _redraw(self, *_args: Any) -> None:
        self.canvas.before.clear()
        self._rects = {}
        cab: Cabinet | None = self.cabinet
        if cab is None or not cab.slots:
            return
        gap = dp(6)
        # keep compartments roughly door-shaped: the cabinet is at most 0.6 as wide as tall per column
        w = min(self.width, self.height * 0.45 * cab.columns)
        x = self.x + (self.width - w) / 2
        rects = slot_rects(cab, x, self.y, w, self.height, gap)
        self._rects = rects
        with self.canvas.before:
            Color(0.02, 0.06, 0.12, 1)
            Rectangle(pos=(x - gap, self.y - gap), size=(w + 2 * gap, self.height + 2 * gap))
            for s in cab.slots:
                rx, ry, rw, rh = rects[s.label]
                fill, _text = self.colours(s)
                Color(*fill)
                Rectangle(pos=(rx, ry), size=(rw, rh))
                if s.label == self.highlight:
                    Color(*theme.TEXT)
                    Line(rectangle=(rx - dp(3), ry - dp(3), rw + dp(6), rh + dp(6)), width=dp(4))
        for s in cab.slots:
            rx, ry, rw, rh = rects[s.label]
            lbl = self._labels.get(s.label)
            if lbl is None:
                continue
            _fill, text = self.colours(s)
            lbl.pos = (rx, ry)
            lbl.size = (rw, rh)
            lbl.text_size = (rw, rh)
            lbl.color = text
            big = s.label == self.highlight
            lbl.font_size = min(sp(40) if big else sp(22), rh * 0.6, rw * 0.45)
