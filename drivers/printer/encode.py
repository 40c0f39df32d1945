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


def encode(rendered: Rendered, *, cut: CutMode = CutMode.PARTIAL) -> bytes:
    """The complete job: init, every block in order, feed and cut."""
    b = _Builder(rendered.width_dots)
    b._raw(INIT)
    for block in rendered.blocks:
        if isinstance(block, RasterBlock):
            b.image(block.image, impl="bitImageRaster", center=False, fragment_height=960)
        elif isinstance(block, QrBlock):
            b._raw(TXT_STYLE["align"]["center"])
            b.qr(block.data, ec=QR_ECLEVEL_M, size=block.module_dots, native=True)
            b._raw(b"\n" + TXT_STYLE["align"]["left"])
    if cut is CutMode.NONE:
        b.print_and_feed(FEED_BEFORE_CUT_LINES)
    else:
        b.cut(mode="PART" if cut is CutMode.PARTIAL else "FULL")
    return b.output
