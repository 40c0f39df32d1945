"""Live camera preview with a guide frame. Frames come from the camera thread; only the latest
is kept and drawn on the next UI frame, so a slow UI drops frames instead of queueing them."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from kivy.clock import Clock
from kivy.graphics.texture import Texture
from kivy.properties import ColorProperty, NumericProperty
from kivy.uix.image import Image

from kiosk import theme


class CameraPreview(Image):
    """Shows BGR frames handed to `offer_frame()` from any thread; draws a guide square."""

    guide_color = ColorProperty(theme.PRIMARY)
    frames_drawn = NumericProperty(0)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("fit_mode", "contain")
        super().__init__(**kwargs)
        self._lock = threading.Lock()
        self._latest: np.ndarray | None = None
        self._trigger = Clock.create_trigger(self._draw, 0)

    def offer_frame(self, frame: np.ndarray) -> None:
        """Camera thread: keep this frame and ask the UI thread to draw it."""
        with self._lock:
            self._latest = frame
        self._trigger()

    def clear(self) -> None:
        """Forget the picture (screen left)."""
        with self._lock:
            self._latest = None
        self.texture = None

    def _draw(self, _dt: float) -> None:
        with self._lock:
            frame, self._latest = self._latest, None
        if frame is None:
            return
        if frame.ndim == 2:
            frame = np.dstack([frame] * 3)
        h, w = frame.shape[:2]
        tex = self.texture
        if tex is None or tex.size != (w, h):
            tex = Texture.create(size=(w, h), colorfmt="rgb")
            tex.flip_vertical()
        tex.blit_buffer(np.ascontiguousarray(frame[:, :, :3]).tobytes(), colorfmt="bgr", bufferfmt="ubyte")
        self.texture = tex
        self.canvas.ask_update()
        self.frames_drawn += 1
