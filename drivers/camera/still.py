"""One still frame as a small JPEG (the kiosk's evidence-of-handover photo, issue 16).

A camera frame (BGR, any size) is scaled down to at most `max_width_px` and encoded with falling
JPEG quality, then at half the size, until it fits `max_bytes` (the locker's cap, which must also
fit its JSON body limit). No EXIF or other metadata is written: only the pixels.
"""

from __future__ import annotations

import cv2
import numpy as np

QUALITIES = (85, 70, 55, 40, 25)
MIN_WIDTH_PX = 80


class StillError(ValueError):
    """The frame cannot be made into a JPEG of that size."""


def jpeg_within(frame: np.ndarray, max_bytes: int, max_width_px: int = 640) -> bytes:
    """The frame as a JPEG of at most `max_bytes` (StillError when not even a tiny one fits)."""
    if frame.ndim not in (2, 3) or frame.size == 0:
        raise StillError(f"not an image frame (shape {frame.shape})")
    width = min(max_width_px, frame.shape[1])
    while width >= MIN_WIDTH_PX:
        scale = width / frame.shape[1]
        small = frame
        if scale < 1:
            small = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        for quality in QUALITIES:
            ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, quality])
            if ok and len(buf) <= max_bytes:
                return bytes(buf.tobytes())
        width //= 2
    raise StillError(f"no JPEG of the frame fits {max_bytes} bytes")
