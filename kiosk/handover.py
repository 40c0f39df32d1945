"""Evidence of handover on the kiosk: one camera frame as the pickup's door opens, sent to the locker.

Only when the locker's kiosk config says `handover_photo` (the pickup screen has told the citizen
before the code was typed). The door-open screen calls `capture(pickup_id, max_bytes)` once it
knows the door is open: the camera the kiosk already uses (a `ScanSession`) runs for a few
frames, one is kept, the camera stops, and a worker shrinks it to a JPEG within the locker's cap
and posts it. Nothing here ever blocks or stops the citizen: no camera, a refusal or a network
failure is logged and the pickup goes on exactly as without the photo.
"""

from __future__ import annotations

import enum
import logging
from typing import Any

import numpy as np
from kivy.clock import Clock

from drivers.camera.model import ScanResult
from drivers.camera.still import jpeg_within
from kiosk.camera_use import ScanSession
from kiosk.clients.handover import send_photo

log = logging.getLogger(__name__)

WARMUP_FRAMES = 3
"""The frame kept is the third: a camera just opened is still setting its exposure."""


class PhotoState(enum.StrEnum):
    """Where the photo of the current pickup is (for logs and tests; never shown)."""

    IDLE = "idle"
    CAPTURING = "capturing"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    NO_CAMERA = "no_camera"


class HandoverCamera:
    """Takes and sends the door-open photo of one pickup at a time (UI thread, except `_on_frame`)."""

    def __init__(self, ctx: Any) -> None:
        self._ctx = ctx
        self._session = ScanSession(ctx, self._ignore, where="handover photo")
        self.state = PhotoState.IDLE
        self.pickup_id = ""
        self._max_bytes = 0
        self._frames = 0
        self._kept = False

    def capture(self, pickup_id: str, max_bytes: int) -> None:
        """Start the camera for one frame of `pickup_id` (a second call for it does nothing)."""
        if pickup_id == self.pickup_id and self.state is not PhotoState.IDLE:
            return
        self.cancel()
        self.pickup_id, self._max_bytes, self._frames, self._kept = pickup_id, max_bytes, 0, False
        if self._ctx.services.locker is None or not self._session.start(self._on_frame):
            self.state = PhotoState.NO_CAMERA
            why = self._ctx.services.camera_error
            log.warning("handover photo of %s not taken: no camera (%s)", pickup_id, why)
            return
        self.state = PhotoState.CAPTURING

    def cancel(self) -> None:
        """Stop a capture still waiting for its frame (the screen is left); never raises."""
        if self.state is PhotoState.CAPTURING:
            self._session.stop()
            self.state = PhotoState.FAILED
            log.warning("handover photo of %s not taken: the screen was left first", self.pickup_id)

    def reset(self) -> None:
        """Forget the last pickup (a capture still running is stopped)."""
        self.cancel()
        self.state = PhotoState.IDLE
        self.pickup_id = ""

    # ----- camera thread -----
    def _on_frame(self, frame: np.ndarray) -> None:
        if self._kept:
            return
        self._frames += 1
        if self._frames < WARMUP_FRAMES:
            return
        self._kept = True
        still, pickup_id = frame.copy(), self.pickup_id
        Clock.schedule_once(lambda _dt: self._got(pickup_id, still))

    @staticmethod
    def _ignore(_result: ScanResult) -> None:
        """QR codes read meanwhile mean nothing here."""

    # ----- UI thread -----
    def _got(self, pickup_id: str, frame: np.ndarray) -> None:
        if pickup_id != self.pickup_id or self.state is not PhotoState.CAPTURING:
            return  # cancelled meanwhile
        self._session.stop()
        client = self._ctx.services.locker
        if client is None:
            self.state = PhotoState.FAILED
            return
        self.state = PhotoState.SENDING
        max_bytes = self._max_bytes
        self._ctx.worker.submit(
            lambda: send_photo(client, pickup_id, jpeg_within(frame, max_bytes)),
            lambda _stored: self._done(pickup_id, PhotoState.SENT, None),
            lambda err: self._done(pickup_id, PhotoState.FAILED, err),
        )

    def _done(self, pickup_id: str, state: PhotoState, err: BaseException | None) -> None:
        if err is not None:
            log.warning("handover photo of %s not kept by the locker: %s", pickup_id, err)
        else:
            log.info("handover photo of %s kept by the locker", pickup_id)
        if pickup_id == self.pickup_id:
            self.state = state
