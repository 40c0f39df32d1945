"""Is the camera really seeing something? Black and frozen frames, timed with an injected clock."""

from __future__ import annotations

import cv2
import numpy as np

from common.clock import Clock

# Frames are compared on a small thumbnail: cheap, and blind to nothing a person would notice.
_THUMB = (32, 24)
# Mean absolute thumbnail difference below this counts as "the same frame" (sensor noise is ~1+).
_FROZEN_DIFF = 0.05


class SignalWatch:
    """Tracks black or frozen frames; unhealthy once either lasted `no_signal_after_s`."""

    def __init__(self, clock: Clock, *, no_signal_after_s: float, black_level: int, repeats_ok: bool) -> None:
        self._clock = clock
        self._after_s = no_signal_after_s
        self._black_level = black_level
        self.repeats_ok = repeats_ok
        self._last: np.ndarray | None = None
        self._bad_since: float | None = None
        self.black = False
        self.brightness = 0.0
        self.reason = ""

    def bad_for_s(self) -> float:
        """How long the current run of black/frozen frames has lasted (0 when healthy)."""
        if self._bad_since is None:
            return 0.0
        return self._clock.monotonic() - self._bad_since

    def update(self, frame: np.ndarray) -> bool:
        """Account for one frame; True while the signal is healthy."""
        gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        thumb = cv2.resize(gray, _THUMB, interpolation=cv2.INTER_AREA).astype(np.float32)
        self.brightness = float(thumb.mean())
        self.black = self.brightness < self._black_level
        frozen = (
            not self.repeats_ok
            and self._last is not None
            and float(np.abs(thumb - self._last).mean()) < _FROZEN_DIFF
        )
        self._last = thumb
        now = self._clock.monotonic()
        if not (self.black or frozen):
            self._bad_since = None
            self.reason = ""
            return True
        if self._bad_since is None:
            self._bad_since = now
        self.reason = "black frames" if self.black else "frozen frames"
        return now - self._bad_since < self._after_s
