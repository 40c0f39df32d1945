"""What the kiosk app does with the health of the services and devices: the out-of-service
screen (shown when a needed service stops answering, left by itself when it answers again), the
site-config warnings for staff screens, and home's corner mark for a device that is not ok. A
mixin of `kiosk.app.KioskApp`."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from kivy.properties import StringProperty

from kiosk.clients.base import ServiceUnavailable
from kiosk.i18n import TABLE as I18N_TABLE
from kiosk.screens.base import KioskScreen
from kiosk.screens.registry import HOME, OUT_OF_SERVICE

if TYPE_CHECKING:
    from kivy.uix.screenmanager import ScreenManager

    from kiosk.devices import Reading
    from kiosk.health import HealthMonitor

log = logging.getLogger(__name__)


class ServiceHealthMixin:
    """Out-of-service, config warnings and the device note."""

    device_note = StringProperty("")  # home's discreet corner mark while a device is not ok
    config_warnings = StringProperty("")  # site-config problems the services report (staff screens)

    # what the app provides (kiosk.app.KioskApp)
    sm: ScreenManager | None
    health: HealthMonitor
    _warnings: dict[str, list[dict[str, str]]]  # by service, from its health
    _return_to: str | None
    if TYPE_CHECKING:

        @property
        def current(self) -> str: ...
        def screen(self, name: str) -> KioskScreen: ...
        def go_home(self) -> None: ...
        def t(self, key: str, _lang: str | None = None, **fmt: object) -> str: ...

    def show_devices(self, readings: dict[str, Reading]) -> None:
        """The corner mark on home from the devices' readings (empty while all are ok)."""
        problems = [r for r in readings.values() if r.state != "ok"]
        self.device_note = "  ·  ".join(self.t(f"device.{r.device}_{r.state}") for r in problems)

    def take_health(self, service: str, body: dict[str, Any]) -> None:
        """A service's health answer: keep its `warnings` ([{"code", "message"}]) for staff screens."""
        raw = body.get("warnings")
        found = [
            {"code": str(w.get("code", "")), "message": str(w.get("message", ""))}
            for w in (raw if isinstance(raw, list) else [])
            if isinstance(w, dict)
        ]
        if found == self._warnings.get(service, []):
            return
        for w in found:
            if w not in self._warnings.get(service, []):
                log.warning("%s reports a site-config problem: %s", service, w["message"] or w["code"])
        self._warnings[service] = found
        self._show_warnings()

    def _show_warnings(self) -> None:
        """One line per warning, in the current language (the service's own text for unknown codes)."""
        lines = []
        for found in self._warnings.values():
            for w in found:
                key = f"warning.{w['code']}"
                lines.append(self.t(key) if key in I18N_TABLE else (w["message"] or w["code"]))
        self.config_warnings = "\n".join(lines)

    def service_failed(self, service: str, err: BaseException) -> None:
        """A screen's call failed: an unavailable service puts up out-of-service."""
        if isinstance(err, ServiceUnavailable):
            log.warning("%s unavailable: %s", service, err)
            self.health.report(service, False, f"a citizen's call failed: {err}")
            if self.current != OUT_OF_SERVICE:
                self._show_out_of_service([service], return_to=None)

    def _health_changed(self, service: str, up: bool) -> None:
        if not up:
            scr = self.screen(self.current) if self.current else None
            if scr is not None and service in scr.requires:
                self._show_out_of_service([service], return_to=None)
            elif self.current == HOME:
                self.screen(HOME).prepare()
            return
        if self.current == OUT_OF_SERVICE:
            # leave when the services this screen waits for are back (others may stay down:
            # home then offers only what works)
            oos = self.screen(OUT_OF_SERVICE)
            still_down = [s for s in getattr(oos, "waiting_for", []) if not self.health.is_up(s)]
            if still_down:
                oos.prepare(services=still_down)
            else:
                log.info("services back (%s): leaving out-of-service", service)
                self.go_home()
        elif self.current == HOME:
            self.screen(HOME).prepare()

    def _show_out_of_service(self, services: list[str], return_to: str | None) -> None:
        self._return_to = return_to
        for scr in self.sm.screens if self.sm else []:
            if isinstance(scr, KioskScreen) and scr.name != OUT_OF_SERVICE:
                scr.reset()
        oos = self.screen(OUT_OF_SERVICE)
        oos.prepare(services=services)
        assert self.sm is not None
        log.info("screen %s -> out_of_service (%s)", self.sm.current, ", ".join(services))
        self.sm.current = OUT_OF_SERVICE
        self.health.poll()
