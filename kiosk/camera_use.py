"""One screen's use of the shared QR scanner: start, stop, and results on the UI thread.

Every screen that reads QR codes (ID card for a ticket or a pickup, dossier receipt, staff card)
goes through a `ScanSession`, so starting, stopping and "no camera" are handled one way. The
scanner's callbacks run on its worker thread; a session hops them to the Kivy thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock

from drivers.camera.model import CameraState, FrameCallback, ScanResult

log = logging.getLogger(__name__)


class ScanSession:
    """Start/stop the scanner for one screen; `on_result`/`on_state` are called on the UI thread."""

    def __init__(
        self,
        ctx: Any,
        on_result: Callable[[ScanResult], None],
        on_state: Callable[[CameraState], None] | None = None,
        where: str = "",
    ) -> None:
        self._ctx = ctx
        self._on_result = on_result
        self._on_state = on_state
        self._where = where
        self.running = False

    @property
    def available(self) -> bool:
        """Whether the kiosk has a scanner at all."""
        return self._ctx.services.scanner is not None

    def start(self, on_frame: FrameCallback | None = None) -> bool:
        """Start capturing; False (logged) when there is no camera or it failed to start."""
        scanner = self._ctx.services.scanner
        if scanner is None:
            log.info("%s: no camera (%s)", self._where, self._ctx.services.camera_error)
            return False
        if self.running:
            return True
        try:
            scanner.start(self._result_thread, on_frame, self._state_thread)
        except Exception as err:  # noqa: BLE001 - a broken camera means "type instead", not a crash
            log.error("%s: camera start failed: %s", self._where, err)
            return False
        self.running = True
        return True

    def stop(self) -> None:
        """Stop capturing if this session started it; never raises."""
        scanner = self._ctx.services.scanner
        if not self.running or scanner is None:
            self.running = False
            return
        self.running = False
        try:
            scanner.stop()
        except Exception as err:  # noqa: BLE001 - stopping must never strand the screen
            log.warning("%s: camera stop failed: %s", self._where, err)

    # ----- camera thread -> UI thread (results after stop() are dropped) -----
    def _result_thread(self, result: ScanResult) -> None:
        Clock.schedule_once(lambda _dt: self._deliver(result))

    def _deliver(self, result: ScanResult) -> None:
        if self.running:
            self._on_result(result)

    def _state_thread(self, state: CameraState) -> None:
        callback = self._on_state
        if callback is not None:
            Clock.schedule_once(lambda _dt: callback(state) if self.running else None)
