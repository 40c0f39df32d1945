"""Take a number, step 2 (optional): show the ID card's QR to the camera, or skip.

Live preview with a guide frame; a read card beeps and continues by itself. The camera missing or
showing no picture is said plainly, with "Skip" to carry on without the card.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from kivy.clock import Clock
from kivy.properties import StringProperty

from drivers.camera.model import CameraState, CccdInfo, ScanResult
from kiosk.camera_use import ScanSession
from kiosk.clients.queueing import ServiceInfo
from kiosk.names import mask_name
from kiosk.screens.base import KioskScreen
from kiosk.screens.registry import register

log = logging.getLogger(__name__)

CONTINUE_AFTER_READ_S = 1.2


@register("scan_id", kv="scan_id.kv", order=11)
class ScanIdScreen(KioskScreen):
    """Starts the scanner on enter, stops it on leave; results hop to the UI thread."""

    spoken_props: ClassVar[tuple[str, ...]] = ("status",)  # said when they change (speech on)

    def spoken_text(self, value: str) -> str:
        """A read card is announced without the (masked) name on screen: no name is ever spoken."""
        return self.tr("speech.card_read") if self.status_kind == "ok" else value

    status = StringProperty("")
    status_kind = StringProperty("info")  # info | ok | error
    camera_state = StringProperty("stopped")

    def __init__(self, ctx: Any, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.service: ServiceInfo | None = None
        self.card: CccdInfo | None = None
        self._timeout_ev: Any = None
        self._continue_ev: Any = None
        self.camera = ScanSession(ctx, self.on_scan, self.handle_camera_state, where="scan ID card")

    def prepare(self, **params: Any) -> None:
        """`service`: the chosen service."""
        self.service = params.get("service")
        self.card = None
        self._set_status("", "info")

    def reset(self) -> None:
        self._stop()
        self.service = None
        self.card = None
        self._set_status("", "info")

    # ----- lifecycle -----
    def on_enter(self, *_args: Any) -> None:
        self.ctx.nav.play_voice("scan")
        if self.camera.start(self.ids.preview.offer_frame):
            self._set_status(self.tr("scan.starting"), "info")
        else:
            self.camera_state = CameraState.UNAVAILABLE.value
            self._set_status(self.tr("scan.camera_unavailable"), "error")
        self._timeout_ev = Clock.schedule_once(
            lambda _dt: self.skip(), self.timeout_s(self.ctx.config.kiosk.scan_id_timeout_s)
        )

    def on_leave(self, *_args: Any) -> None:
        self._stop()

    def _stop(self) -> None:
        for ev in (self._timeout_ev, self._continue_ev):
            if ev is not None:
                ev.cancel()
        self._timeout_ev = self._continue_ev = None
        self.camera.stop()
        if "preview" in self.ids:
            self.ids.preview.clear()

    def handle_camera_state(self, state: CameraState) -> None:
        """Camera health changed (UI thread)."""
        self.camera_state = state.value
        if state == CameraState.RUNNING and self.card is None:
            self._set_status(self.tr("scan.hint"), "info")
        elif state == CameraState.NO_SIGNAL:
            self._set_status(self.tr("scan.no_signal"), "error")
        elif state == CameraState.UNAVAILABLE:
            self._set_status(self.tr("scan.camera_unavailable"), "error")

    def on_scan(self, result: ScanResult) -> None:
        """A QR was decoded (UI thread): an ID card continues; anything else is explained."""
        if self.card is not None or self.manager is None or self.manager.current != self.name:
            return
        self.ctx.nav.touch_activity()
        if result.kind == "cccd" and result.cccd is not None:
            self.card = result.cccd
            self.ctx.nav.play_voice("beep")
            self._set_status(self.tr("scan.read_ok", name=mask_name(result.cccd.full_name)), "ok")
            self._continue_ev = Clock.schedule_once(lambda _dt: self.proceed(), CONTINUE_AFTER_READ_S)
        else:
            self._set_status(self.tr("scan.not_id"), "error")

    def _set_status(self, text: str, kind: str) -> None:
        self.status_kind = kind  # first: speech reads the kind when the text changes
        self.status = text

    # ----- actions -----
    def skip(self) -> None:
        """Continue without the card."""
        self.card = None
        self.proceed()

    def proceed(self) -> None:
        """Go to the priority question with what we have."""
        if self.manager is None or self.manager.current != self.name:
            return
        card, service = self.card, self.service
        self._stop()
        self.ctx.nav.go("priority", service=service, card=card)

    def on_language(self, lang: str) -> None:
        if self.card is not None:
            self._set_status(self.tr("scan.read_ok", name=mask_name(self.card.full_name)), "ok")
        elif self.camera_state == CameraState.UNAVAILABLE.value:
            self._set_status(self.tr("scan.camera_unavailable"), "error")
        elif self.status:
            self._set_status(self.tr("scan.hint"), "info")

    @classmethod
    def demo_states(cls) -> list[str]:
        return ["camera", "unavailable"]

    def stage_demo(self, state: str) -> None:
        if state == "unavailable":
            self.camera_state = CameraState.UNAVAILABLE.value
            self._set_status(self.tr("scan.camera_unavailable"), "error")
            return
        import numpy as np

        frame = np.full((480, 640, 3), 70, dtype=np.uint8)
        frame[140:340, 220:420] = 235
        self.ids.preview.offer_frame(frame)
        self.camera_state = CameraState.RUNNING.value
        self._set_status(self.tr("scan.hint"), "info")
