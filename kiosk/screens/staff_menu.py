"""Staff menu: load, withdraw expired, alarms, cabinet view, reissue/unblock, sign out."""

from __future__ import annotations

import logging
from typing import Any

from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from kiosk.clients.locker_views import Alarm, StaffSession
from kiosk.screens.registry import register
from kiosk.screens.staff_base import StaffScreen

log = logging.getLogger(__name__)


@register("staff_menu", kv="staff_menu.kv", order=31)
class StaffMenuScreen(StaffScreen):
    """The staff member's choices; supervisor-only ones are greyed out for loaders."""

    who = StringProperty("")
    supervisor = BooleanProperty(False)
    open_alarms = NumericProperty(0)

    def prepare(self, **_params: Any) -> None:
        """Show who is signed in; count open alarms in the background."""
        self.say(None)
        session = self.session
        if session is None:
            return
        self._show(session)
        self.run(self.client.alarms, self._got_alarms, lambda _e: True)

    def _show(self, session: StaffSession) -> None:
        self.supervisor = session.is_supervisor
        role = self.tr("staff.role_supervisor" if session.is_supervisor else "staff.role_loader")
        self.who = self.tr("staff.menu_title", staff_id=session.staff_id, role=role)

    def _got_alarms(self, alarms: list[Alarm]) -> None:
        self.open_alarms = sum(1 for a in alarms if not a.acked)

    def on_language(self, lang: str) -> None:
        super().on_language(lang)
        if self.session is not None:
            self._show(self.session)

    def open_screen(self, name: str, **params: Any) -> None:
        """Go to a staff screen."""
        self.ctx.nav.go(name, **params)

    def sign_out(self) -> None:
        """Sign out and go home."""
        self.ctx.nav.go_home()

    @classmethod
    def demo_states(cls) -> list[str]:
        return ["config_warnings", "supervisor"]  # the last one clears the warnings again

    def stage_demo(self, state: str) -> None:
        take_health = getattr(self.ctx.nav, "take_health", None)
        if take_health is not None:
            codes = ["public_url_loopback", "open_all_hours"] if state == "config_warnings" else []
            take_health("queueing", {"warnings": [{"code": c, "message": c} for c in codes]})
        self.supervisor = True
        self.who = self.tr("staff.menu_title", staff_id="nv-loan", role=self.tr("staff.role_supervisor"))
        self.open_alarms = 2
