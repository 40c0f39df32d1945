"""Encode a `Rendered` document as ESC/POS bytes, using python-escpos's command builders.

The whole job is built in memory first and sent in one write, so a document that cannot be
encoded never leaves half a ticket on paper. The byte stream is deterministic: the same data,
width and options always give the same bytes (the golden tests rely on it).
"""

from __future__ import annotations

import copy
import enum
import logging
import os
from typing import Any

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


class CutMode(enum.StrEnum):
    """How the job ends: most kiosk printers do a partial cut so the ticket does not fall."""

    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"


class _Builder(Dummy):
    """python-escpos's Dummy with a profile that knows the paper width (no 'unknown width' prints)."""

    def __init__(self, width_dots: int) -> None:
        super().__init__()
        data: dict[str, Any] = copy.deepcopy(self.profile.profile_data)
        data.setdefault("media", {}).setdefault("width", {})["pixels"] = width_dots
        self.profile.profile_data = data  # instance attribute: the shared profile class is untouched


# Real-time commands (DLE EOT n, DLE ENQ n, DLE DC4 ...) are acted on by many printers the
# moment the bytes arrive, even inside bit-image data. A raster that happens to contain
# 10 04 n makes the printer send an unasked status byte; 10 05 02 may even clear its buffer
# (a truncated ticket). Removing the one dot that makes the 0x10 byte avoids both invisibly.
_DLE = 0x10
_REALTIME_SECOND = np.array([0x04, 0x05, 0x14], dtype=np.uint8)


def scrub_realtime(image: Image.Image) -> tuple[Image.Image, int]:
    """The 1-bit image with every DLE-EOT/ENQ/DC4 byte pair in its raster broken; and how many."""
    black = ~np.asarray(image.convert("1"), dtype=bool)
    packed = np.packbits(black, axis=1)  # exactly the GS v 0 payload, row by row
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


def encode(rendered: Rendered, *, cut: CutMode = CutMode.PARTIAL) -> bytes:
    """The complete job: init, every block in order, feed and cut."""
    b = _Builder(rendered.width_dots)
    b._raw(INIT)
    for block in rendered.blocks:
        if isinstance(block, RasterBlock):
            image, _ = scrub_realtime(block.image)
            b.image(image, impl="bitImageRaster", center=False, fragment_height=960)
        elif isinstance(block, QrBlock):
            b._raw(TXT_STYLE["align"]["center"])
            b.qr(block.data, ec=QR_ECLEVEL_M, size=block.module_dots, native=True)
            b._raw(b"\n" + TXT_STYLE["align"]["left"])
    if cut is CutMode.NONE:
        b.print_and_feed(FEED_BEFORE_CUT_LINES)
    else:
        b.cut(mode="PART" if cut is CutMode.PARTIAL else "FULL")
    return b.output
