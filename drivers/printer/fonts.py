"""The bundled fonts, and what to do with a character they cannot draw.

Noto Sans covers every Vietnamese letter (tests/test_fonts.py fails the build otherwise), but
data from outside (a service name typed by an administrator, a name from a card) can hold a
character it lacks: an emoji, a CJK ideograph, a math sign. Pillow would print an empty box
and nobody would notice; here such characters become "?" and a warning names their code
points (never the text, which may be personal data).
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from pathlib import Path

from PIL import ImageFont

log = logging.getLogger(__name__)

DEFAULT_FONT_DIR = Path(__file__).resolve().parents[2] / "assets" / "fonts"
REGULAR_FONT = "NotoSans-Regular.ttf"
BOLD_FONT = "NotoSans-Bold.ttf"
REPLACEMENT = "?"
_SURELY_MISSING = "\U0010fffd"  # a private-use code point no text font draws: its box is the "tofu"
_PROBE_SIZE = 22


class FontError(Exception):
    """The fonts cannot be loaded; the message says which file and which config key."""


class FontSet:
    """The bundled regular and bold fonts, loaded once per size, with a glyph check. Thread-safe."""

    def __init__(self, font_dir: Path = DEFAULT_FONT_DIR) -> None:
        self.font_dir = Path(font_dir)
        self._lock = threading.Lock()
        self._cache: dict[tuple[bool, int], ImageFont.FreeTypeFont] = {}
        self._drawable: dict[str, bool] = {}
        for name in (REGULAR_FONT, BOLD_FONT):
            if not (self.font_dir / name).is_file():
                raise FontError(
                    f"font {name} not found in {self.font_dir}; set [printer] font_dir to the folder "
                    "holding NotoSans-Regular.ttf and NotoSans-Bold.ttf (assets/fonts in the repository)"
                )
        probe = self.get(_PROBE_SIZE)
        self._tofu = _signature(probe, _SURELY_MISSING)

    def get(self, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
        """The font at `size` dots."""
        key = (bold, size)
        with self._lock:
            font = self._cache.get(key)
            if font is None:
                path = self.font_dir / (BOLD_FONT if bold else REGULAR_FONT)
                font = ImageFont.truetype(str(path), size)
                self._cache[key] = font
            return font

    def can_draw(self, ch: str) -> bool:
        """True when the font has a glyph for `ch` (whitespace counts as drawable)."""
        with self._lock:
            known = self._drawable.get(ch)
        if known is not None:
            return known
        if ch in " \n":
            ok = True
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            ok = False  # control, format, surrogate, private-use, unassigned
        else:
            ok = _signature(self.get(_PROBE_SIZE), ch) != self._tofu
        with self._lock:
            self._drawable[ch] = ok
        return ok

    def printable(self, text: str, what: str) -> str:
        """`text` (NFC), each character the font cannot draw replaced by "?"; `what` names it in the log."""
        text = unicodedata.normalize("NFC", text)
        missing = sorted({ch for ch in text if not self.can_draw(ch)})
        if not missing:
            return text
        log.warning(
            "%s: the font cannot draw %s; printed as %r",
            what,
            ", ".join(f"U+{ord(ch):04X}" for ch in missing),
            REPLACEMENT,
        )
        return "".join(REPLACEMENT if ch in missing else ch for ch in text)


def _signature(font: ImageFont.FreeTypeFont, ch: str) -> tuple[tuple[int, int], bytes]:
    mask = font.getmask(ch)
    return mask.size, bytes(mask)
