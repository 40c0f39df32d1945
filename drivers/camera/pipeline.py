"""The QR decoding pipeline: a fast primary decoder, then cheap retries aimed where a code is.

Measured on photographed QR codes and on generated ID-card frames (bench/bench_camera.py):
zxing-cpp reads most frames in well under a millisecond, so it goes first, on the whole frame,
asked to return the codes it *found but could not decode* as well. That answer decides what the
retries are worth:

1. Located (zxing saw the finder patterns, the checksum failed: defocus, noise, too few pixels per
   module): only the code's own region is retried, cropped with its quiet zone and upscaled, then
   sharpened, then smoothed for zxing's global binarizer. A crop is a tenth of the frame, so these
   retries cost a fraction of a millisecond each.
2. Nothing located, but the frame has two-direction edge structure (QR modules; text lines are
   mostly one direction): the likeliest small-code window (a card held far away, 1-2 px per
   module, too small for zxing's finder search) is cut out, upscaled 3x and decoded.
3. Sensor noise and print texture: the frame smoothed, with zxing's global-histogram binarizer.

Light-on-dark codes (a phone screen in dark mode) are read by the primary pass itself: zxing's
`try_invert` reuses its binarized frame, cheaper than a separate pass on the inverted frame.

A frame is not worth more than the next one: at 15-30 fps the next frame arrives within 33-66 ms
and usually shows the card a little better, so a frame with no located code stops after the cheap
stages instead of running every retry. The costly retries for defocus that hides even the finder
patterns (`thorough`) run when asked: the scanner asks on every few frames, so a card held still
but out of focus gets them soon, while most frames stay cheap. A blank or black frame skips the
retries altogether, and every retry stops once `budget_ms` is spent. zbar as a last,
second-decoder stage is available (`use_zbar`) but off by default: on the bench sets it read
nothing the stages above had missed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
import zxingcpp

if TYPE_CHECKING:
    from drivers.camera.config import CameraConfig

log = logging.getLogger(__name__)

# Below this mean edge response (per pixel, normalised by brightness) a frame is treated as blank.
_MIN_EDGE_SCORE = 0.02
# A far card's QR (version 6-7, 1.3-2 px per module, up to 25 degrees turned) fits in this window.
SMALL_CODE_WINDOW_PX = 200
# Located codes are cropped with this share of their size added on every side (quiet zone, and
# corners zxing placed a little off).
_LOCATED_MARGIN = 0.25
# Crops of located codes are upscaled to about this many pixels on their longer side.
_LOCATED_TARGET_PX = 480


@dataclass(frozen=True)
class Decoded:
    """One decoded QR code: the text (for display/bench), the raw bytes (for the parsers)."""

    text: str
    raw: bytes
    stage: str  # which pipeline stage read it, for the benchmark and diagnostics


Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in frame pixels


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


def _formats() -> Any:
    # Built per call (microseconds): module-level nanobind objects are reported as leaks when a
    # daemon worker thread still runs at interpreter exit. Code 128: the barcode printed on dossier
    # receipts beside (or instead of) their QR code.
    return zxingcpp.BarcodeFormats((zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.Code128))


def zxing_read(gray: np.ndarray, stage: str, **options: Any) -> list[Decoded]:
    """zxing-cpp, QR and Code 128, plain text mode."""
    found = zxingcpp.read_barcodes(gray, formats=_formats(), text_mode=zxingcpp.TextMode.Plain, **options)
    return [Decoded(r.text, bytes(r.bytes), stage) for r in found if r.valid]


def zxing_locate(gray: np.ndarray, stage: str, **options: Any) -> tuple[list[Decoded], list[Box]]:
    """zxing-cpp as `zxing_read`, plus the boxes of codes it found but could not decode."""
    found = zxingcpp.read_barcodes(
        gray, formats=_formats(), text_mode=zxingcpp.TextMode.Plain, return_errors=True, **options
    )
    decoded = [Decoded(r.text, bytes(r.bytes), stage) for r in found if r.valid]
    boxes: list[Box] = []
    if not decoded:
        for r in found:
            p = r.position
            xs = (p.top_left.x, p.top_right.x, p.bottom_right.x, p.bottom_left.x)
            ys = (p.top_left.y, p.top_right.y, p.bottom_right.y, p.bottom_left.y)
            box = (min(xs), min(ys), max(xs), max(ys))
            # zxing often reports one code twice (two finder-pattern triples): keep distinct ones.
            if box[2] > box[0] and box[3] > box[1] and not any(_overlap(box, b) > 0.5 for b in boxes):
                boxes.append(box)
    return decoded, boxes


def _overlap(a: Box, b: Box) -> float:
    """Intersection over the smaller box's area."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w * h / max(1, smaller)


def _expand(box: Box, margin: float, shape: tuple[int, ...]) -> Box:
    """`box` grown by `margin` of its size on every side, clipped to the frame."""
    x0, y0, x1, y1 = box
    mx, my = (x1 - x0) * margin + 4, (y1 - y0) * margin + 4
    h, w = shape[:2]
    return max(0, int(x0 - mx)), max(0, int(y0 - my)), min(w, int(x1 + mx)), min(h, int(y1 + my))


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


def _edge_map(gray: np.ndarray) -> np.ndarray:
    """Two-direction edge strength on a quarter-size copy, normalised by local brightness."""
    h, w = gray.shape
    small = cv2.resize(gray, (max(8, w // 4), max(8, h // 4)), interpolation=cv2.INTER_LINEAR)
    gx = cv2.convertScaleAbs(cv2.Sobel(small, cv2.CV_16S, 1, 0, ksize=3))
    gy = cv2.convertScaleAbs(cv2.Sobel(small, cv2.CV_16S, 0, 1, ksize=3))
    # min(|gx|, |gy|): strong only where edges run both ways (modules), weak along text lines.
    edges = cv2.min(gx, gy).astype(np.float32)
    # Divide by local brightness so a dim card counts as much as a bright one.
    edges /= cv2.blur(small, (15, 15)).astype(np.float32) + 8.0
    return edges


def code_windows(
    gray: np.ndarray, count: int, side_px: int = SMALL_CODE_WINDOW_PX
) -> tuple[list[Box], float]:
    """Up to `count` square windows of `side_px`, centred where two-direction edges are densest,
    and the frame's mean edge score (near 0 on a blank or black frame)."""
    h, w = gray.shape
    edges = _edge_map(gray)
    mean = float(edges.mean())
    scale = w / edges.shape[1]
    k = max(3, int(side_px / scale / 2) | 1)  # density over about half a window: the code itself
    density = cv2.boxFilter(edges, -1, (k, k), borderType=cv2.BORDER_CONSTANT)
    side = min(side_px, w, h)
    windows: list[Box] = []
    for _ in range(count):
        _, peak, _, (px, py) = cv2.minMaxLoc(density)
        if peak <= 0:
            break
        cx, cy = (px + 0.5) * scale, (py + 0.5) * scale
        x0 = int(min(max(0, cx - side / 2), w - side))
        y0 = int(min(max(0, cy - side / 2), h - side))
        windows.append((x0, y0, x0 + side, y0 + side))
        # Suppress this peak's neighbourhood so the next window looks elsewhere.
        r = int(side / scale / 2)
        density[max(0, py - r) : py + r + 1, max(0, px - r) : px + r + 1] = 0
    return windows, mean


def _unsharp(image: np.ndarray, amount: float, sigma: float = 1.5) -> np.ndarray:
    """An unsharp mask: restores module edges softened by up to ~1.5 px of blur."""
    return cv2.addWeighted(image, 1 + amount, cv2.GaussianBlur(image, (0, 0), sigma), -amount, 0)


class QrDecoder:
    """Decode QR codes in one frame with the staged pipeline; one instance per worker thread."""

    def __init__(
        self,
        *,
        budget_ms: float = 35.0,
        roi_tiles: int = 1,
        use_zbar: bool = False,
        max_upscaled_px: int = 1100,
        thorough: bool = False,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._budget_s = budget_ms / 1000.0
        self._roi_tiles = roi_tiles
        self._max_upscaled_px = max_upscaled_px
        self._thorough = thorough
        self._timer = timer
        self._zbar = _load_zbar() if use_zbar else None

    @property
    def has_zbar(self) -> bool:
        """Whether the second decoder is available."""
        return self._zbar is not None

    def decode(self, frame: np.ndarray, *, thorough: bool | None = None) -> list[Decoded]:
        """Every QR found in the frame (usually zero or one); never raises on odd frames.

        `thorough` (default: as constructed) adds the costly retries for defocused codes that
        zxing does not even locate; the scanner asks for them on every few frames only.
        """
        if frame is None or frame.size == 0 or min(frame.shape[:2]) < 16:
            return []
        start = self._timer()

        def spent() -> bool:
            return self._timer() - start > self._budget_s

        gray = to_gray(frame)
        big = max(gray.shape) > 1000
        # try_invert: zxing reuses its binarized image for light-on-dark codes (a phone screen in
        # dark mode), cheaper than a separate pass on the inverted frame.
        found, located = zxing_locate(gray, "primary", try_invert=True, try_downscale=big, try_rotate=False)
        if found:
            return found
        for box in located[:2]:
            found = self._read_located(gray, box, spent)
            if found or spent():
                return found

        windows, score = code_windows(gray, self._roi_tiles)
        if score < _MIN_EDGE_SCORE:
            return []  # blank, black or defocused to nothing: retries cannot help
        # Even when zxing located something, it may be a false finder triple in the card's text
        # while the real, far-away code went unseen: the windows are tried either way.
        crops = [gray[y0:y1, x0:x1] for x0, y0, x1, y1 in windows]
        for crop in crops:
            found = self._read_small(crop, spent)
            if found or spent():
                return found

        # Sensor noise and print texture: smoothed, with zxing's global-histogram binarizer.
        blurred = cv2.GaussianBlur(gray, (5, 5), 1.0)  # 5x5: half the cost of the 7x7 sigma 1 implies
        found = zxing_read(
            blurred,
            "blur_global",
            binarizer=zxingcpp.Binarizer.GlobalHistogram,
            try_invert=False,
            try_downscale=big,
            try_rotate=False,
        )
        if found or spent():
            return found
        if self._thorough if thorough is None else thorough:
            found = self._read_defocused(gray, crops, big, spent)
            if found or spent():
                return found
        return self._zbar(blurred) if self._zbar is not None else []

    def _read_defocused(
        self, gray: np.ndarray, crops: list[np.ndarray], big: bool, spent: Callable[[], bool]
    ) -> list[Decoded]:
        """Defocus that hides even the finder patterns: a strong unsharp mask on the small-code
        window (upscaled 2x), then a milder one on the whole frame. Each pass costs 1-3 ms,
        because zxing's finder search slows down on the noise a strong mask brings out."""
        options: dict[str, Any] = {"try_invert": False, "try_downscale": False, "try_rotate": False}
        for crop in crops:
            up = cv2.resize(crop, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)
            found = zxing_read(_unsharp(up, 3.0, 2.0), "roi_deblur", **options)
            if found or spent():
                return found
        return zxing_read(_unsharp(gray, 1.5), "sharpen", try_invert=False, try_downscale=big)

    def _read_located(self, gray: np.ndarray, box: Box, spent: Callable[[], bool]) -> list[Decoded]:
        """A code zxing found but could not decode: its crop, upscaled, sharpened, smoothed."""
        x0, y0, x1, y1 = _expand(box, _LOCATED_MARGIN, gray.shape)
        crop = gray[y0:y1, x0:x1]
        if min(crop.shape) < 8:
            return []
        factor = min(3.0, _LOCATED_TARGET_PX / max(crop.shape))
        up = crop
        if factor > 1.2:
            up = cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
        options: dict[str, Any] = {"try_invert": False, "try_downscale": False, "try_rotate": False}
        found = zxing_read(up, "located_upscale", **options)
        if found or spent():
            return found
        found = zxing_read(_unsharp(up, 1.5), "located_sharpen", **options)
        if found or spent():
            return found
        smooth = cv2.GaussianBlur(up, (0, 0), max(1.0, factor * 0.6))
        return zxing_read(
            smooth, "located_blur_global", binarizer=zxingcpp.Binarizer.GlobalHistogram, **options
        )

    def _read_small(self, crop: np.ndarray, spent: Callable[[], bool]) -> list[Decoded]:
        """A window that may hold a far card's code, upscaled 3x (then sharpened if zxing finds it)."""
        factor = min(3.0, self._max_upscaled_px / max(crop.shape))
        if factor < 1.5:
            return []
        up = cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
        found, located = zxing_locate(
            up, "roi_upscale", try_downscale=False, try_invert=False, try_rotate=False
        )
        if found or spent() or not located:
            return found
        return zxing_read(
            _unsharp(up, 1.0), "roi_sharpen", try_downscale=False, try_invert=False, try_rotate=False
        )


def decoder_for(config: CameraConfig) -> QrDecoder:
    """The decoder `[camera]` asks for."""
    return QrDecoder(
        budget_ms=config.decode_budget_ms,
        roi_tiles=config.roi_tiles,
        thorough=config.thorough_every_frames == 1,
        use_zbar=config.use_zbar,
    )
