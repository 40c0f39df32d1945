"""Draw a `Document` at a paper width with Pillow: text as raster, QR native or raster.

The output is a list of blocks. A `RasterBlock` is a 1-bit image as wide as the printable
area; a `QrBlock` is a QR code the printer draws itself (GS ( k), carrying a preview image of
the same size so the PNG a person looks at matches the paper.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

import qrcode
import qrcode.constants
from PIL import Image, ImageChops, ImageDraw, ImageFont

from drivers.printer.elements import (
    Align,
    BigNumber,
    Document,
    Element,
    Field,
    Logo,
    QrCode,
    Rule,
    Space,
    Text,
    TextSize,
    nfc,
)
from drivers.printer.fonts import FontSet

log = logging.getLogger(__name__)


# Printable dots per line at 203 dpi: 80 mm paper prints 72 mm, 58 mm paper prints 48 mm.
WIDTH_DOTS = {80: 576, 58: 384}

# Pixel sizes (em height in dots, 8 dots = 1 mm) per paper width.
_SIZES = {
    576: {TextSize.SMALL: 22, TextSize.NORMAL: 26, TextSize.LARGE: 34, TextSize.TITLE: 42},
    384: {TextSize.SMALL: 19, TextSize.NORMAL: 22, TextSize.LARGE: 28, TextSize.TITLE: 34},
}
_BIG_NUMBER_DOTS = {576: 168, 384: 128}  # target glyph height of the queue number
_QR_MODULE_DOTS = {576: 6, 384: 5}
MARGIN_DOTS = 8
PARAGRAPH_GAP_DOTS = 6
QR_BORDER_MODULES = 2
_CACHE_ENTRIES = 256  # drawn text strips kept per renderer (a few MB at most)


class RenderError(Exception):
    """The document cannot be drawn (missing font or logo, QR data too long for the paper)."""


@dataclass(frozen=True)
class RasterBlock:
    """A 1-bit image, `width` dots wide, printed with GS v 0."""

    image: Image.Image


@dataclass(frozen=True)
class QrBlock:
    """A QR code printed natively; `image` is what it should look like on paper (drawn on demand)."""

    data: str
    module_dots: int
    width_dots: int

    @property
    def image(self) -> Image.Image:
        """The QR drawn as the printer will (only the simulators and previews need it)."""
        return qr_strip(self.data, self.module_dots, self.width_dots)


Block = RasterBlock | QrBlock


@dataclass(frozen=True)
class Rendered:
    """A document drawn for one paper width."""

    kind: str
    width_dots: int
    blocks: tuple[Block, ...]

    def to_image(self) -> Image.Image:
        """The whole ticket as one black-on-white image, as it comes out of the printer."""
        images = [b.image for b in self.blocks]
        page = Image.new("1", (self.width_dots, max(1, sum(i.height for i in images))), 1)
        y = 0
        for image in images:
            page.paste(image, (0, y))
            y += image.height
        return page


def wrap(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """Greedy word wrap by measured width; a word wider than the line is broken by letters."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if font.getlength(candidate) <= max_width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = ""
            for ch in word:  # only overlong words (URLs, codes) get here
                if current and font.getlength(current + ch) > max_width:
                    lines.append(current)
                    current = ""
                current += ch
        lines.append(current)
    return lines


def balanced_wrap(text: str, font: ImageFont.FreeTypeFont, max_width: int, count: int) -> list[str]:
    """Wrap into `count` lines of even length, so a centred title does not leave one word alone."""
    lo, hi = max_width // count, max_width
    while hi - lo > 4:  # the narrowest width that still needs no more than `count` lines
        mid = (lo + hi) // 2
        if len(wrap(text, font, mid)) <= count:
            hi = mid
        else:
            lo = mid
    return wrap(text, font, hi)


class Renderer:
    """Draws documents for one paper width."""

    def __init__(self, fonts: FontSet, width_dots: int = 576, *, qr_native: bool = True) -> None:
        if width_dots not in _SIZES:
            raise RenderError(f"unsupported paper width {width_dots} dots; use 384 (58 mm) or 576 (80 mm)")
        self.fonts = fonts
        self.width = width_dots
        self.qr_native = qr_native
        self._sizes = _SIZES[width_dots]
        self._inner = width_dots - 2 * MARGIN_DOTS
        # strips are only ever read (pasted, compared), so sharing them between jobs is safe
        self._cache: OrderedDict[Element, Image.Image] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._render_lock = threading.Lock()

    def render(self, doc: Document) -> Rendered:
        """Draw every element; consecutive raster elements become one image. Thread-safe."""
        # FreeType faces are shared between jobs and are not safe to use from two threads at once
        with self._render_lock:
            return self._render(doc)

    def _render(self, doc: Document) -> Rendered:
        blocks: list[Block] = []
        pending: list[Image.Image] = []

        def flush() -> None:
            if pending:
                blocks.append(RasterBlock(_to_1bit(_stack(pending, self.width))))
                pending.clear()

        for el in doc.elements:
            if isinstance(el, QrCode) and self.qr_native:
                flush()
                blocks.append(QrBlock(el.data, self._qr_module(el.data), self.width))
            else:
                pending.append(self._draw(el))
        flush()
        return Rendered(doc.kind, self.width, tuple(blocks))

    # -- one element -> a greyscale strip as wide as the paper (white = 255)

    def _draw(self, el: Element) -> Image.Image:
        """Draw one element; text strips are cached, since labels and the center name repeat all day."""
        if not isinstance(el, Text | Field | Rule | Space):
            return self._draw_uncached(el)
        with self._cache_lock:
            hit = self._cache.get(el)
            if hit is not None:
                self._cache.move_to_end(el)
                return hit
        img = self._draw_uncached(el)
        with self._cache_lock:
            self._cache[el] = img
            while len(self._cache) > _CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return img

    def _draw_uncached(self, el: Element) -> Image.Image:
        if isinstance(el, Text):
            return self._text(replace(el, text=self.fonts.printable(el.text, "text line")))
        if isinstance(el, Field):
            label = self.fonts.printable(el.label, "field label")
            return self._field(Field(label, self.fonts.printable(el.value, f"value of {label!r}")))
        if isinstance(el, BigNumber):
            return self._big_number(self.fonts.printable(el.text, "queue number"))
        if isinstance(el, Rule):
            return self._rule(el.dashed)
        if isinstance(el, Space):
            return Image.new("L", (self.width, max(0, el.dots)), 255)
        if isinstance(el, QrCode):
            return self._qr(el.data)[1].convert("L")
        if isinstance(el, Logo):
            return self._logo(el.path)
        raise RenderError(f"unknown print element {el!r}")

    def _lines_image(
        self, lines: list[tuple[str, bool, Align]], size: int, *, inverted: bool = False, indent: int = 0
    ) -> Image.Image:
        ascent, descent = self.fonts.get(size).getmetrics()
        line_h = ascent + descent + 2
        pad = 4 if inverted else 0
        img = Image.new("L", (self.width, line_h * len(lines) + 2 * pad + PARAGRAPH_GAP_DOTS), 255)
        draw = ImageDraw.Draw(img)
        if inverted:
            draw.rectangle((MARGIN_DOTS, 0, self.width - MARGIN_DOTS - 1, img.height - PARAGRAPH_GAP_DOTS), 0)
        ink = 255 if inverted else 0
        for i, (line, bold, align) in enumerate(lines):
            font = self.fonts.get(size, bold)
            w = font.getlength(line)
            left = MARGIN_DOTS + indent
            if align is Align.CENTER:
                x = (self.width - w) / 2
            elif align is Align.RIGHT:
                x = self.width - MARGIN_DOTS - w
            else:
                x = left
            draw.text((x, pad + i * line_h + ascent + 1), line, font=font, fill=ink, anchor="ls")
        return img

    def _text(self, el: Text) -> Image.Image:
        size = self._sizes[el.size]
        font = self.fonts.get(size, el.bold)
        inner = self._inner - (16 if el.inverted else 0)
        lines = wrap(nfc(el.text), font, inner)
        if el.align is Align.CENTER and len(lines) > 1:
            lines = balanced_wrap(nfc(el.text), font, inner, len(lines))
        return self._lines_image([(ln, el.bold, el.align) for ln in lines], size, inverted=el.inverted)

    def _field(self, el: Field) -> Image.Image:
        size = self._sizes[TextSize.NORMAL]
        regular, bold = self.fonts.get(size), self.fonts.get(size, True)
        label, value = nfc(el.label) + ":", nfc(el.value)
        if regular.getlength(label) + 12 + bold.getlength(value) <= self._inner:
            img = self._lines_image([(label, False, Align.LEFT)], size)
            right = self._lines_image([(value, True, Align.RIGHT)], size)
            # both strips share geometry: overlay the value's ink on the label's
            return ImageChops.darker(img, right)
        label_lines = [(ln, False, Align.LEFT) for ln in wrap(label, regular, self._inner)]
        value_lines = [(ln, True, Align.RIGHT) for ln in wrap(value, bold, self._inner - 24)]
        return _stack(
            [self._lines_image(label_lines, size), self._lines_image(value_lines, size)], self.width
        )

    def _big_number(self, text: str) -> Image.Image:
        size = _BIG_NUMBER_DOTS[self.width]
        font = self.fonts.get(size, True)
        while size > 40 and font.getlength(text) > self._inner:
            size -= 4
            font = self.fonts.get(size, True)
        if font.getlength(text) > self._inner:  # a very long "number": wrap it like a title instead
            return self._text(Text(text, TextSize.TITLE, bold=True, align=Align.CENTER))
        left, top, right, bottom = (int(v) for v in font.getbbox(text, anchor="ls"))
        img = Image.new("L", (self.width, bottom - top + 16), 255)
        x = (self.width - (right - left)) / 2 - left
        ImageDraw.Draw(img).text((x, 8 - top), text, font=font, fill=0, anchor="ls")
        return img

    def _rule(self, dashed: bool) -> Image.Image:
        img = Image.new("L", (self.width, 18), 255)
        draw = ImageDraw.Draw(img)
        if dashed:
            for x in range(MARGIN_DOTS, self.width - MARGIN_DOTS, 12):
                draw.rectangle((x, 8, min(x + 6, self.width - MARGIN_DOTS - 1), 9), 0)
        else:
            draw.rectangle((MARGIN_DOTS, 8, self.width - MARGIN_DOTS - 1, 10), 0)
        return img

    def _qr_module(self, data: str) -> int:
        """Dots per QR module: as large as fits (cheap: sizes the code without drawing it)."""
        qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QR_BORDER_MODULES)
        qr.add_data(data)
        try:
            version = qr.best_fit()
        except qrcode.exceptions.DataOverflowError as err:
            raise RenderError(f"QR data too long ({len(data)} characters)") from err
        count = 17 + 4 * version + 2 * QR_BORDER_MODULES
        module = _QR_MODULE_DOTS[self.width]
        while module > 2 and module * count > self._inner:
            module -= 1
        if module * count > self._inner:
            raise RenderError(f"QR code for {len(data)} characters does not fit {self.width} dots")
        return module

    def _qr(self, data: str) -> tuple[int, Image.Image]:
        module = self._qr_module(data)
        return module, qr_strip(data, module, self.width)

    def _logo(self, path: Path) -> Image.Image:
        try:
            with Image.open(path) as src:
                logo = src.convert("L")
        except OSError as err:
            raise RenderError(
                f"logo {path} cannot be read ({err}); fix [printer] logo_path or leave it empty"
            ) from err
        logo.thumbnail((int(self._inner * 0.6), 160))
        dithered = logo.convert("1").convert("L")  # Floyd-Steinberg: greys become dot patterns
        strip = Image.new("L", (self.width, dithered.height), 255)
        strip.paste(dithered, ((self.width - dithered.width) // 2, 0))
        return strip


def qr_strip(data: str, module: int, width: int) -> Image.Image:
    """A QR code (error correction M, 2-module quiet zone) centred on a paper-wide 1-bit strip."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QR_BORDER_MODULES)
    qr.add_data(data)
    qr.make(fit=True)
    matrix = qr.get_matrix()  # includes the quiet zone
    count = len(matrix)
    code = Image.new("1", (count, count), 1)
    code.putdata([0 if dark else 255 for row in matrix for dark in row])
    code = code.resize((count * module, count * module), Image.Resampling.NEAREST)
    strip = Image.new("1", (width, code.height), 1)
    strip.paste(code, ((width - code.width) // 2, 0))
    return strip


def _stack(images: list[Image.Image], width: int) -> Image.Image:
    out = Image.new("L", (width, sum(i.height for i in images)), 255)
    y = 0
    for img in images:
        out.paste(img.convert("L"), (0, y))
        y += img.height
    return out


def _to_1bit(img: Image.Image) -> Image.Image:
    # A plain threshold keeps text edges crisp; dithering anti-aliased text makes it fuzzy.
    return img.point(lambda v: 255 if v >= 140 else 0).convert("1", dither=Image.Dither.NONE)
