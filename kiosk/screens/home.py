"""Home: "Take a number", "Collect your result" and "Check a dossier", the center's name, clock,
out-of-hours state (when the center opens next, as the queueing service says; "simulated center,
open at any hour")."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty

from drivers.camera.model import ScanResult
from kiosk.camera_use import ScanSession
from kiosk.clients.base import ServiceError
from kiosk.clients.queueing import ServiceInfo
from kiosk.memory import MemoryReleaser
from kiosk.opening import closed_sentence, earliest_opening, opens_later_today
from kiosk.screens.base import KioskScreen
from kiosk.screens.registry import register

log = logging.getLogger(__name__)

PICKUP_SCREEN = "pickup"
DOSSIER_SCREEN = "dossier"
REFRESH_S = 30.0
RELEASE_MEMORY_AFTER_S = 1.0  # once home has been drawn
RELEASE_MEMORY_EVERY_S = 20.0
STAFF_SCREEN = "staff_login"


def opening_note(services: list[ServiceInfo]) -> tuple[bool, datetime | None]:
    """(any service open, the soonest moment a closed one opens again or None)."""
    if any(s.open for s in services):
        return True, None
    return False, earliest_opening(services)


@register("home", kv="home.kv", order=0)
class HomeScreen(KioskScreen):
    """The start screen; it asks the queueing service whether numbers can be taken now."""

    idle_home: ClassVar[bool] = False

    queue_state = StringProperty("unknown")  # unknown | open | closed | unavailable
    take_sub = StringProperty("")  # the ticket tile's second line
    simulated = BooleanProperty(False)  # [queueing] open_all_hours: the simulated center
    pickup_available = BooleanProperty(False)
    dossier_available = BooleanProperty(False)  # the lookup goes through the locker daemon
    status_text = StringProperty("")

    def __init__(self, ctx: Any, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self._refreshing = False
        self._opens: datetime | None = None  # next opening while closed (from the service)
        self._refresh_ev: Any = None
        self._camera_ev: Any = None
        self.camera = ScanSession(ctx, self.on_scan, where="home")
        self.memory = MemoryReleaser(RELEASE_MEMORY_EVERY_S, clock=ctx.clock.monotonic)
        self._memory_ev: Any = None

    def on_enter(self, *_args: Any) -> None:
        self.prepare()
        # opening hours change while home is shown (07:30 opening, lunch break, cap reached)
        if self._refresh_ev is None:
            self._refresh_ev = Clock.schedule_interval(lambda _dt: self.prepare(), REFRESH_S)
        watch = self.ctx.config.kiosk.staff_card_on_home and self._has_screen(STAFF_SCREEN)
        if watch and self.camera.available:
            # Next frame: Kivy dispatches the old screen's on_leave (which may stop the shared
            # scanner) after this on_enter, so starting now could be undone at once.
            self._camera_ev = Clock.schedule_once(lambda _dt: self._start_camera(), 0)
        # a flow just ended: hand its garbage back (nobody is mid-flow on home)
        if self._memory_ev is None:
            self._memory_ev = Clock.schedule_once(lambda _dt: self._release_memory(), RELEASE_MEMORY_AFTER_S)

    def _release_memory(self) -> None:
        self._memory_ev = None
        if self.manager is not None and self.manager.current == self.name:
            self.memory.release()

    def _start_camera(self) -> None:
        self._camera_ev = None
        if self.manager is not None and self.manager.current == self.name:
            self.camera.start()

    def on_pre_leave(self, *_args: Any) -> None:
        # before the next screen's on_enter, so it finds the scanner free
        self._stop_camera()

    def on_leave(self, *_args: Any) -> None:
        if self._refresh_ev is not None:
            self._refresh_ev.cancel()
            self._refresh_ev = None
        self._stop_camera()

    def _stop_camera(self) -> None:
        if self._camera_ev is not None:
            self._camera_ev.cancel()
            self._camera_ev = None
        self.camera.stop()

    def on_scan(self, result: ScanResult) -> None:
        """A QR read on home (UI thread): a staff card opens staff sign-in with the ID filled in.

        Anything else (a citizen's ID card, a receipt) is ignored on purpose: home has no
        question a card answers, and jumping somewhere unasked would only confuse. Nothing read
        is kept.
        """
        if result.kind == "staff" and result.staff is not None:
            log.info("staff card on home: sign-in for %s", result.staff.staff_id)
            self.ctx.nav.play_voice("beep")
            self.ctx.nav.go(STAFF_SCREEN, staff_id=result.staff.staff_id, from_card=True)
        else:
            log.debug("home: ignored a %s QR", result.kind)

    def prepare(self, **_params: Any) -> None:
        """Refresh the out-of-hours state and whether pickup is offered."""
        self.pickup_available = (
            self._has_screen(PICKUP_SCREEN)
            and self.ctx.services.locker is not None
            and (self._health_up("locker"))
        )
        self.dossier_available = (
            self._has_screen(DOSSIER_SCREEN)
            and self.ctx.services.locker is not None
            and self._health_up("locker")
        )
        client = self.ctx.services.queueing
        if client is None or not self._health_up("queueing"):
            self._set_queue("unavailable")
            return
        if self._refreshing:
            return
        self._refreshing = True
        self.ctx.worker.submit(client.services, self._got_services, self._services_failed)

    def _health_up(self, name: str) -> bool:
        app = self.ctx.nav
        health = getattr(app, "health", None)
        return True if health is None else bool(health.is_up(name))

    def _has_screen(self, name: str) -> bool:
        return bool(self.ctx.nav.has_screen(name))

    def _got_services(self, services: list[ServiceInfo]) -> None:
        self._refreshing = False
        is_open, self._opens = opening_note(services)
        self.simulated = any(s.open_all_hours for s in services)
        self._set_queue("open" if is_open else "closed")

    def _services_failed(self, err: BaseException) -> None:
        self._refreshing = False
        log.warning("home: services list failed: %s", err)
        self._set_queue("unavailable" if isinstance(err, ServiceError) else "unknown")

    def _set_queue(self, state: str) -> None:
        self.queue_state = state
        self._update_status()

    def _update_status(self) -> None:
        if self.queue_state == "closed":
            now = self.ctx.clock.now()
            text = closed_sentence(self.tr, self._opens, now)
            # the tile keeps a short line; the full sentence is the status line under the tiles
            self.take_sub = text if opens_later_today(self._opens, now) else self.tr("home.closed_short")
            self.status_text = text + " " + self.tr("home.always_open") if self.pickup_available else text
            return
        if self.queue_state == "unavailable":
            self.take_sub = self.status_text = self.tr("home.queue_unavailable")
            return
        self.take_sub = self.tr("home.take_number_sub")
        notes = [self.tr("home.simulated")] if self.simulated else []
        if not self.pickup_available and self._has_screen(PICKUP_SCREEN):
            notes.append(self.tr("home.pickup_unavailable"))
        self.status_text = "  ·  ".join(notes)

    def on_language(self, lang: str) -> None:
        self._update_status()

    # ----- actions (bound in home.kv) -----
    def take_number(self) -> None:
        """Start the ticket flow."""
        self.ctx.nav.go("services")

    def collect(self) -> None:
        """Start the pickup flow (the pickup screen)."""
        if self._has_screen(PICKUP_SCREEN):
            self.ctx.nav.go(PICKUP_SCREEN)

    def check_dossier(self) -> None:
        """Start the dossier lookup."""
        if self._has_screen(DOSSIER_SCREEN):
            self.ctx.nav.go(DOSSIER_SCREEN)

    def staff(self) -> None:
        """Long press in the corner: staff sign-in."""
        if self._has_screen(STAFF_SCREEN):
            self.ctx.nav.go(STAFF_SCREEN)

    @classmethod
    def demo_states(cls) -> list[str]:
        return ["open", "simulated", "closed", "paper_out"]

    def stage_demo(self, state: str) -> None:
        from contracts.locker import Device, DeviceState
        from kiosk.devices import Reading

        show = getattr(self.ctx.nav, "show_devices", None)
        if show is not None:
            paper = Reading(Device.PRINTER, DeviceState.PAPER_OUT, "reported by the printer")
            show({Device.PRINTER: paper} if state == "paper_out" else {})
        self.pickup_available = self.dossier_available = True
        self.simulated = state == "simulated"
        self._opens = None
        if state == "closed":  # after hours: the next morning, as the service would say (UTC+7)
            now = self.ctx.clock.now().astimezone(timezone(timedelta(hours=7)))
            self._opens = (now + timedelta(days=1)).replace(hour=7, minute=30, second=0, microsecond=0)
        self._set_queue("closed" if state == "closed" else "open")
