"""Staff: the cabinet picture with every compartment coloured by its state, plus a legend and
the doors that are open or whose sensor is unknown."""

from __future__ import annotations

import logging
from typing import Any

from kivy.graphics import Color, Rectangle
from kivy.metrics import dp, sp
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk import theme
from kiosk.clients.locker import DoorOutcome, LockerClient
from kiosk.clients.locker_views import Cabinet, CabinetSlot, CompartmentStatus
from kiosk.screens.registry import register
from kiosk.screens.staff_base import StaffScreen
from kiosk.widgets.cabinet import STATE_COLOURS, CabinetView  # noqa: F401 - registers the kv class

log = logging.getLogger(__name__)

LEGEND_STATES = ("free", "reserved", "loaded", "open", "attention", "disabled")


def load_view(client: LockerClient) -> tuple[Cabinet, list[CompartmentStatus]]:
    """Worker: the layout and the live states, merged (a state from /compartments wins)."""
    layout = client.cabinet()
    status = client.compartments()
    states = {c.label: ("open" if c.door == "open" else c.state) for c in status}
    return layout.with_states(states), status


def swatch(rgba: tuple[float, float, float, float]) -> Widget:
    """A small coloured square for the legend."""
    w = Widget(size_hint=(None, None), size=(dp(30), dp(30)))
    with w.canvas:
        Color(*rgba)
        rect = Rectangle(pos=w.pos, size=w.size)
    w.bind(pos=lambda _w, p: setattr(rect, "pos", p))
    return w


@register("staff_cabinet", kv="staff_cabinet.kv", order=35)
class StaffCabinetScreen(StaffScreen):
    """Loads the cabinet and the compartments' states; Refresh reloads."""

    cabinet = ObjectProperty(None, allownone=True)
    selected = StringProperty("")  # compartment tapped in the picture
    detail = StringProperty("")
    supervisor = BooleanProperty(False)

    def __init__(self, ctx: Any, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.status: list[CompartmentStatus] = []

    def prepare(self, **_params: Any) -> None:
        """Load in the background."""
        self.cabinet = None
        self.status = []
        self.selected = self.detail = ""
        self.supervisor = bool(self.session and self.session.is_supervisor)
        self.refresh()

    def refresh(self) -> None:
        """Ask the locker again."""
        self.say("staff.loading")
        client = self.client
        self.run(lambda: load_view(client), self._loaded)

    def _loaded(self, view: tuple[Cabinet, list[CompartmentStatus]]) -> None:
        self.cabinet, self.status = view
        self.say(None)
        self.render()
        self._describe()

    def render(self) -> None:
        """Legend and notes on open/unknown doors."""
        box = self.ids.legend
        box.clear_widgets()
        counts: dict[str, int] = {}
        for s in self.cabinet.slots if self.cabinet else ():
            counts[s.state] = counts.get(s.state, 0) + 1
        for state in LEGEND_STATES:
            row = BoxLayout(size_hint_y=None, height=dp(40), spacing=dp(12))
            row.add_widget(swatch(STATE_COLOURS[state][0]))
            lbl = Label(
                text=f"{self.tr('state.' + state)}: {counts.get(state, 0)}",
                font_size=sp(22),
                color=theme.TEXT,
                halign="left",
                valign="middle",
            )
            lbl.bind(size=lambda w, _s: setattr(w, "text_size", w.size))
            row.add_widget(lbl)
            box.add_widget(row)
        notes = [
            self.tr(
                "staff.door_note",
                label=c.label,
                door=self.tr(f"door.{c.door}") if c.door in ("open", "unknown") else c.door,
            )
            for c in self.status
            if c.door != "closed"
        ]
        self.ids.notes.text = "  ".join(notes)

    def select(self, label: str) -> None:
        """A compartment was tapped: show what the locker knows about it."""
        self.selected = label
        self.ctx.nav.touch_activity()
        self._describe()

    def _describe(self) -> None:
        c = next((c for c in self.status if c.label == self.selected), None)
        if c is None:
            self.detail = ""
            return
        state = self.tr("state." + c.state) if f"state.{c.state}" in _state_keys() else c.state
        item = self.tr(
            "staff.item_unknown"
            if c.item_present is None
            else ("staff.item_yes" if c.item_present else "staff.item_no")
        )
        self.detail = self.tr(
            "staff.compartment_detail",
            label=c.label,
            size=self.tr(f"staff.size_{c.size}"),
            state=state,
            door=self.tr(f"door.{c.door}") if f"door.{c.door}" in _state_keys("door.") else c.door,
            item=item,
        )

    def force_open(self) -> None:
        """Supervisor: open the selected door (audited with a fixed reason naming the kiosk)."""
        label = self.selected
        if not label or not self.supervisor:
            return
        client = self.client
        reason = f"opened by a supervisor from the cabinet view of {self.ctx.config.kiosk.kiosk_id}"
        self.say("common.please_wait")
        self.run(lambda: client.force_open(label, reason), lambda door: self._forced(label, door))

    def _forced(self, label: str, door: DoorOutcome) -> None:
        if door.is_open:
            self.say("staff.forced", "ok", label=label)
        else:
            self.say("staff.door_jammed", "error", label=label)
        client = self.client
        self.run(lambda: load_view(client), self._reloaded)

    def _reloaded(self, view: tuple[Cabinet, list[CompartmentStatus]]) -> None:
        self.cabinet, self.status = view
        self.render()
        self._describe()

    def on_language(self, lang: str) -> None:
        super().on_language(lang)
        self.render()
        self._describe()

    @classmethod
    def demo_states(cls) -> list[str]:
        return ["cabinet"]

    def stage_demo(self, state: str) -> None:
        states = ["free", "loaded", "loaded", "attention", "free", "disabled"]
        slots = tuple(
            CabinetSlot(str(c * 6 + r + 1), "small", c, r, 1, states[(c + r) % len(states)])
            for c in range(3)
            for r in range(6)
        )
        self.cabinet = Cabinet(3, slots)
        self.status = [
            CompartmentStatus(s.label, s.size, s.state, "closed", s.state == "loaded", None) for s in slots
        ]
        self.supervisor = True
        self.say(None)
        self.render()
        self.select("4")


def _state_keys(prefix: str = "state.") -> set[str]:
    from kiosk.i18n import TABLE

    return {k for k in TABLE if k.startswith(prefix)}
