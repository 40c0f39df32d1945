"""Staff: the alarms list (newest first), each open one with "Acknowledge"."""

from __future__ import annotations

import logging
import re
from typing import Any

from kiosk.clients.locker_views import Alarm
from kiosk.screens.registry import register
from kiosk.screens.staff_base import StaffScreen, find_button, make_row

log = logging.getLogger(__name__)

# alarm kinds the locker raises for a kiosk's devices (locker/kiosk_devices.py), named by kiosk
DEVICES = ("printer_", "camera_", "screen_")


@register("staff_alarms", kv="staff_alarms.kv", order=34)
class StaffAlarmsScreen(StaffScreen):
    """Lists alarms from the locker; acknowledging one is attributed to the signed-in staff."""

    def __init__(self, ctx: Any, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.alarms: list[Alarm] = []

    def prepare(self, **_params: Any) -> None:
        """Load the list."""
        self.alarms = []
        self.render()
        self.refresh()

    def refresh(self) -> None:
        """Ask the locker again."""
        self.say("staff.loading")
        self.run(self.client.alarms, self._loaded)

    def _loaded(self, alarms: list[Alarm]) -> None:
        self.alarms = sorted(
            alarms, key=lambda a: (a.acked, -(a.raised_at.timestamp() if a.raised_at else 0))
        )
        self.say(None if alarms else "staff.no_alarms")
        self.render()

    def describe(self, a: Alarm) -> str:
        """One line: time, what (translated when known, else the daemon's message), where."""
        when = self.ctx.center_time(a.raised_at, "%d/%m %H:%M") if a.raised_at else "—"
        from kiosk.i18n import TABLE

        # a kiosk's printer/camera alarm (kind printer_paper_out, …) reads like home's device mark
        key = next((k for k in (f"alarm.{a.kind}", f"device.{a.kind}") if k in TABLE), "")
        what = self.tr(key) if key else (a.message or a.kind)
        where = self.tr("staff.alarm_where", label=a.compartment) if a.compartment else ""
        kiosk = re.match(r"kiosk ([\w-]+): ", a.message or "") if a.kind.startswith(DEVICES) else None
        where += self.tr("staff.alarm_kiosk", kiosk=kiosk.group(1)) if kiosk else ""
        text = self.tr("staff.alarm_row", time=when, what=what, where=where)
        return text + (f"  ({self.tr('staff.acked')})" if a.acked else "")

    def render(self) -> None:
        """Rebuild the rows."""
        box = self.ids.rows
        box.clear_widgets()
        for a in self.alarms:
            buttons: list[Any] = []
            if not a.acked:
                buttons.append(
                    (self.tr("staff.ack"), "primary", lambda al=a: self.ack(al), f"ack-{a.alarm_id}")
                )
            box.add_widget(make_row(self.describe(a), buttons))

    def button(self, test_id: str) -> Any:
        """A row button by id, e.g. "ack-<alarm_id>"."""
        return find_button(self.ids.rows, test_id)

    def ack(self, alarm: Alarm) -> None:
        """Acknowledge one alarm, then reload."""
        client = self.client
        self.run(lambda: client.ack_alarm(alarm.alarm_id), lambda _r: self.refresh())

    def on_language(self, lang: str) -> None:
        super().on_language(lang)
        self.render()

    @classmethod
    def demo_states(cls) -> list[str]:
        return ["list"]

    def stage_demo(self, state: str) -> None:
        from datetime import UTC, datetime

        now = datetime(2026, 11, 23, 12, 5, tzinfo=UTC)
        self._loaded(
            [
                Alarm("a1", "door_left_open", "12", now, "door 12 open for 2 min", False),
                Alarm("a2", "board_unreachable", None, now, "board 1 on bus main does not answer", False),
                Alarm("a3", "door_jammed", "4", now, "door 4 did not open", True),
                Alarm("a4", "printer_paper_out", None, now, "kiosk kiosk-1: printer paper out (none)", False),
            ]
        )
