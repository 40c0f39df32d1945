"""Encode a `Rendered` document as ESC/POS bytes, using python-escpos's command builders.

The whole job is built in memory first and sent in one write, so a document that cannot be
encoded never leaves half a ticket on paper. The byte stream is deterministic: the same data,
width and options always give the same bytes (the golden tests rely on it).
"""

from __future__ import annotations

import enum
import logging
import os

import numpy as np
from PIL import Image

from drivers.printer.render import QrBlock, RasterBlock, Rendered

# python-escpos caches its printer profiles in $ESCPOS_CAPABILITIES_PICKLE_DIR and fails to import
# when that folder does not exist yet (a fresh clone: the Makefile points it into var/).
if os.environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR"):
    os.makedirs(os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"], exist_ok=True)
# python-escpos calls logging.basicConfig() when imported, which would leave a bare root handler
# and make common.logsetup skip its formatted one. Undo exactly what the import added.
_root_handlers = list(logging.getLogger().handlers)
from escpos.constants import ESC, QR_ECLEVEL_M, TXT_STYLE  # noqa: E402
from escpos.printer import Dummy  # noqa: E402

for _h in list(logging.getLogger().handlers):
    if _h not in _root_handlers:
        logging.getLogger().removeHandler(_h)

INIT = ESC + b"@"  # ESC @: reset modes left over from a previous job
FEED_BEFORE_CUT_LINES = 6  # python-escpos feeds this much so the cut falls below the last line
FRAGMENT_ROWS = 960  # GS v 0 bands: printers limit one image's height (python-escpos uses 960 too)


class CutMode(enum.StrEnum):
    """How the job ends: most kiosk printers do a partial cut so the ticket does not fall."""

    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"


class _Builder(Dummy):
    """python-escpos's Dummy, collecting the job's bytes (QR, feed and cut builders come from it)."""


# Real-time commands (DLE EOT n, DLE ENQ n, DLE DC4 ...) are acted on by many printers the
# moment the bytes arrive, even inside bit-image data. A raster that happens to contain
# 10 04 n makes the printer send an unasked status byte; 10 05 02 may even clear its buffer
# (a truncated ticket). Removing the one dot that makes the 0x10 byte avoids both invisibly.
_DLE = 0x10
_REALTIME_SECOND = np.array([0x04, 0x05, 0x14], dtype=np.uint8)


def raster_bits(image: Image.Image) -> np.ndarray:
    """The GS v 0 payload of a 1-bit image: one row of packed bytes per dot row, 1 = black."""
    return np.packbits(~np.asarray(image.convert("1"), dtype=bool), axis=1)


def scrub_realtime(image: Image.Image) -> tuple[Image.Image, int]:
    """The 1-bit image with every DLE-EOT/ENQ/DC4 byte pair in its raster broken; and how many."""
    packed = raster_bits(image)
    flat = packed.ravel()
    hits = np.nonzero((flat[:-1] == _DLE) & np.isin(flat[1:], _REALTIME_SECOND))[0]
    if hits.size == 0:
        return image, 0
    fixed = image.convert("1").copy()
    width_bytes = packed.shape[1]
    for i in hits.tolist():
        y, xb = divmod(i, width_bytes)
        fixed.putpixel((xb * 8 + 3, y), 1)  # 0x10 is the single dot at bit 4: make it white
    return fixed, int(hits.size)


def raster_commands(image: Image.Image, fragment_rows: int = FRAGMENT_ROWS) -> bytes:
    """GS v 0 (normal density) commands for a 1-bit image, in bands of at most `fragment_rows`.

    The same bytes python-escpos's `image(impl="bitImageRaster")` produces, built straight from
    the bits we already have (its own path converts the image four times and took 40% of a job).
    """
    packed = raster_bits(image)
    height, width_bytes = packed.shape
    out = []
    for top in range(0, height, fragment_rows):
        band = packed[top : top + fragment_rows]
        rows = band.shape[0]
        header = b"\x1dv0\x00" + bytes((width_bytes & 0xFF, width_bytes >> 8, rows & 0xFF, rows >> 8))
        out.append(header + band.tobytes())
    return b"".join(out)


def encode(rendered: Rendered, *, cut: CutMode = CutMode.PARTIAL) -> bytes:
    """The complete job: init, every block in order, feed and cut."""
    b = _Builder()
    b._raw(INIT)
    for block in rendered.blocks:
        if isinstance(block, RasterBlock):
            image, _ = scrub_realtime(block.image)
            b._raw(raster_commands(image))
        elif isinstance(block, QrBlock):
            b._raw(TXT_STYLE["align"]["center"])
            b.qr(block.data, ec=QR_ECLEVEL_M, size=block.module_dots, native=True)
            b._raw(b"\n" + TXT_STYLE["align"]["left"])
    if cut is CutMode.NONE:
        b.print_and_feed(FEED_BEFORE_CUT_LINES)
    else:
        b.cut(mode="PART" if cut is CutMode.PARTIAL else "FULL")
    out: bytes = b.output
    return out
