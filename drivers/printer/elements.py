"""Print elements: what a layout asks for, before anything is drawn or encoded.

Layouts (drivers/printer/layouts.py) are pure functions from data to a `Document`, a list of
these elements. `render.py` draws them at a paper width; `encode.py` turns the result into
ESC/POS bytes. Keeping the three apart lets tests check "every element appears" without
looking at pixels, and lets the same document go to 58 mm and 80 mm paper.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path


class Align(enum.StrEnum):
    """Horizontal placement of a text line."""

    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


class TextSize(enum.StrEnum):
    """Relative text sizes; `render.FontSet` maps them to pixel sizes per paper width."""

    SMALL = "small"
    NORMAL = "normal"
    LARGE = "large"
    TITLE = "title"


def nfc(text: str) -> str:
    """NFC-normalise: decomposed Vietnamese (e.g. from a Mac or a web form) becomes one glyph per letter."""
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True)
class Text:
    """A paragraph, wrapped to the paper width."""

    text: str
    size: TextSize = TextSize.NORMAL
    bold: bool = False
    align: Align = Align.LEFT
    inverted: bool = False  # white on black band, for the one thing that must stand out


@dataclass(frozen=True)
class Field:
    """`label: value` on one line when it fits, else the value on its own line(s) below."""

    label: str
    value: str


@dataclass(frozen=True)
class BigNumber:
    """The queue number, as large as the paper allows."""

    text: str


@dataclass(frozen=True)
class Rule:
    """A horizontal line across the paper."""

    dashed: bool = False


@dataclass(frozen=True)
class Space:
    """Vertical blank space, in dots (8 dots = 1 mm at 203 dpi)."""

    dots: int


@dataclass(frozen=True)
class QrCode:
    """A QR code, centred; printed natively (GS ( k) or as raster depending on the printer config."""

    data: str


@dataclass(frozen=True)
class Logo:
    """An optional image at the top, scaled to fit and dithered to black and white."""

    path: Path


Element = Text | Field | BigNumber | Rule | Space | QrCode | Logo


@dataclass(frozen=True)
class Document:
    """What one layout produced: a kind (for file names and logs) and its elements in order."""

    kind: str  # "ticket", "pickup_receipt", "loading_slip"
    elements: tuple[Element, ...] = field(default_factory=tuple)

    def texts(self) -> list[str]:
        """Every string the document will print (for tests and the font coverage check)."""
        out: list[str] = []
        for el in self.elements:
            if isinstance(el, Text | BigNumber):
                out.append(el.text)
            elif isinstance(el, Field):
                out.extend((el.label, el.value))
        return out

    def qr_payloads(self) -> list[str]:
        """The data of every QR code in the document."""
        return [el.data for el in self.elements if isinstance(el, QrCode)]
