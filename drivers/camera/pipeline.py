"""The QR decoding pipeline: a fast primary decoder, then cheap retries, under a time budget.

Measured on photographed QR codes and on generated ID-card frames (bench/bench_camera.py):
zxing-cpp reads most frames in well under a millisecond, so it goes first, on the whole frame.
What it misses falls in two groups, and each retry targets one:

1. Small codes (1-2 px per module, a card held far away): the frame is cut into overlapping
   half-size tiles, the tiles with the densest edges in *both* directions (QR modules; text lines
   are mostly one direction) are upscaled 3x (then 2x with an unsharp mask) and decoded again.
2. Inverted (light-on-dark) codes: the primary pass on the inverted frame.
3. Textured or noisy codes (printed on food, halftone, sensor noise): a light Gaussian blur with
   zxing's global-histogram binarizer.
4. Defocused codes: an unsharp mask on the whole frame, then on the upscaled tiles.

zbar as a last, second-decoder stage is available (`use_zbar`) but off by default: on both bench
sets it read nothing the stages above had missed, and it costs ~10 ms on every frame without a QR.

A frame without a QR goes through every stage, so the stages are ordered by recovered frames per
millisecond and the whole run stops when `budget_ms` is spent. A blank or black frame (no edges)
skips the retries altogether.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import zxingcpp

log = logging.getLogger(__name__)

# Below this mean edge response (per pixel, normalised by brightness) a frame is treated as blank.
_MIN_EDGE_SCORE = 0.02
TILE_FRACTION = 0.5  # half-frame tiles: hold a far card's QR wherever it sits


@dataclass(frozen=True)
class Decoded:
    """One decoded QR code: the text (for display/bench), the raw bytes (for the parsers)."""

    text: str
    raw: bytes
    stage: str  # which pipeline stage read it, for the benchmark and diagnostics


def to_gray(frame: np.ndarray) -> np.ndarray:
    """A contiguous 8-bit grayscale view of a BGR, BGRA or gray frame."""
    if frame.ndim == 2:
        gray = frame
    elif frame.shape[2] == 4:
        gray = cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY)
    else:
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    if gray.dtype != np.uint8:
        gray = cv2.convertScaleAbs(gray)
    return np.ascontiguousarray(gray)


def zxing_read(gray: np.ndarray, stage: str, **options: Any) -> list[Decoded]:
    """zxing-cpp, QR only, plain text mode."""
    # Built per call (microseconds): module-level nanobind objects are reported as leaks when a
    # daemon worker thread still runs at interpreter exit.
    formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    found = zxingcpp.read_barcodes(gray, formats=formats, text_mode=zxingcpp.TextMode.Plain, **options)
    return [Decoded(r.text, bytes(r.bytes), stage) for r in found if r.valid]


def _load_zbar() -> Callable[[np.ndarray], list[Decoded]] | None:
    try:
        from pyzbar import pyzbar
    except (ImportError, OSError) as err:  # libzbar0 missing: the pipeline runs without it
        log.info("zbar not available (%s); the pipeline runs without the second decoder", err)
        return None

    def read(gray: np.ndarray) -> list[Decoded]:
        found = pyzbar.decode(gray, symbols=[pyzbar.ZBarSymbol.QRCODE])
        return [Decoded(r.data.decode("utf-8", "replace"), bytes(r.data), "zbar") for r in found]

    return read


def edge_tiles(gray: np.ndarray, count: int,
               fraction: float = 0.5) -> tuple[list[tuple[int, int, int, int]], float]:
    """The `count` tiles (`fraction` of the frame's width and height) richest in two-direction
    edges, and the best tile's score."""
    h, w = gray.shape
    small = cv2.resize(gray, (max(8, w // 4), max(8, h // 4)), interpolation=cv2.INTER_AREA)
    gx = cv2.convertScaleAbs(cv2.Sobel(small, cv2.CV_16S, 1, 0, ksize=3))
    gy = cv2.convertScaleAbs(cv2.Sobel(small, cv2.CV_16S, 0, 1, ksize=3))
    # min(|gx|, |gy|): strong only where edges run both ways (modules), weak along text lines.
    edges = cv2.min(gx, gy).astype(np.float32)
    # Divide by local brightness so a dim card counts as much as a bright one.
    edges /= cv2.blur(small.astype(np.float32), (15, 15)) + 8.0
    integral = cv2.integral(edges)
    sh, sw = max(2, int(small.shape[0] * fraction)), max(2, int(small.shape[1] * fraction))
    step_y, step_x = max(1, sh // 2), max(1, sw // 2)
    scored: list[tuple[float, int, int]] = []
    for y in range(0, small.shape[0] - sh + 1, step_y):
        for x in range(0, small.shape[1] - sw + 1, step_x):
            total = integral[y + sh, x + sw] - integral[y, x + sw] - integral[y + sh, x] + integral[y, x]
            scored.append((float(total), x, y))
    scored.sort(reverse=True)
    sx, sy = w / small.shape[1], h / small.shape[0]
    chosen: list[tuple[int, int]] = []
    for _, x, y in scored:
        if all(abs(x - cx) >= sw // 2 or abs(y - cy) >= sh // 2 for cx, cy in chosen):
            chosen.append((x, y))
        if len(chosen) >= count:
            break
    best = scored[0][0] / max(1, sh * sw) if scored else 0.0
    tiles = [(int(x * sx), int(y * sy), min(w, int((x + sw) * sx)), min(h, int((y + sh) * sy)))
             for x, y in chosen]
    return tiles, best


class QrDecoder:
    """Decode QR codes in one frame with the staged pipeline; one instance per worker thread."""

    def __init__(self, *, budget_ms: float = 35.0, roi_tiles: int = 2, use_zbar: bool = False,
                 max_upscaled_px: int = 1100, timer: Callable[[], float] = time.perf_counter) -> None:
        self._budget_s = budget_ms / 1000.0
        self._roi_tiles = roi_tiles
        self._max_upscaled_px = max_upscaled_px
        self._timer = timer
        self._zbar = _load_zbar() if use_zbar else None

    @property
    def has_zbar(self) -> bool:
        """Whether the second decoder is available."""
        return self._zbar is not None

    def decode(self, frame: np.ndarray) -> list[Decoded]:
        """Every QR found in the frame (usually zero or one); never raises on odd frames."""
        if frame is None or frame.size == 0 or min(frame.shape[:2]) < 16:
            return []
        start = self._timer()
        gray = to_gray(frame)
        # Inverted (light-on-dark) codes wait until after the ROI stage: ID cards and receipts
        # are dark on light, so far-away cards are the likelier miss.
        found = zxing_read(gray, "primary", try_invert=False, try_downscale=max(gray.shape) > 1000)
        if found:
            return found

        tiles, score = edge_tiles(gray, self._roi_tiles, TILE_FRACTION)
        if score < _MIN_EDGE_SCORE:
            return []  # blank, black or defocused to nothing: retries cannot help

        def spent() -> bool:
            return self._timer() - start > self._budget_s

        for x0, y0, x1, y1 in tiles:
            crop = gray[y0:y1, x0:x1]
            factor = min(3.0, self._max_upscaled_px / max(crop.shape))
            if factor < 1.5:
                continue
            up = cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
            found = zxing_read(up, "roi_upscale", try_downscale=False, try_invert=False)
            if found or spent():
                return found

        # Light-on-dark codes (a phone screen in dark mode): the primary pass, inverted.
        found = zxing_read(cv2.bitwise_not(gray), "inverted", try_invert=False,
                           try_downscale=max(gray.shape) > 1000)
        if found or spent():
            return found

        blurred = cv2.GaussianBlur(gray, (0, 0), 1.0)
        found = zxing_read(blurred, "blur_global", binarizer=zxingcpp.Binarizer.GlobalHistogram)
        if found or spent():
            return found

        # Defocus: an unsharp mask restores module edges softened by up to ~1.5 px of blur.
        sharp = cv2.addWeighted(gray, 2.5, cv2.GaussianBlur(gray, (0, 0), 1.5), -1.5, 0)
        found = zxing_read(sharp, "sharpen", try_invert=False)
        if found or spent():
            return found

        for x0, y0, x1, y1 in tiles:
            crop = gray[y0:y1, x0:x1]
            factor = min(2.0, self._max_upscaled_px / max(crop.shape))
            if factor < 1.5:
                continue
            up = cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
            sharp = cv2.addWeighted(up, 2.0, cv2.GaussianBlur(up, (0, 0), 1.5), -1.0, 0)
            found = zxing_read(sharp, "roi_sharpen", try_downscale=False, try_invert=False)
            if found or spent():
                return found

        if self._zbar is not None:
            return self._zbar(blurred)
        return []
