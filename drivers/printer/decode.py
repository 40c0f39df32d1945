"""Read an ESC/POS byte stream back: list its commands and redraw it as an image.

Covers the commands this driver sends (and a few common neighbours); anything else is an
error naming the offset, so a test fails loudly when the encoder starts emitting something
unexpected. `python -m drivers.printer view JOB.bin` uses it to turn a saved job into a PNG.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import qrcode
import qrcode.constants
from PIL import Image

LINE_DOTS = 30  # feed per line with the default line spacing (1/6 inch at 180 dpi ~ 30 dots at 203 dpi)


class DecodeError(ValueError):
    """The stream holds a command this reader does not know, or is cut short."""


@dataclass(frozen=True)
class Command:
    """One command: a short name, where it starts, and its decoded arguments."""

    name: str
    offset: int
    args: dict[str, object] = field(default_factory=dict)


_SIMPLE = {  # prefix -> (name, number of argument bytes)
    b"\x1b@": ("init", 0),
    b"\x1ba": ("align", 1),
    b"\x1bd": ("feed_lines", 1),
    b"\x1bJ": ("feed_dots", 1),
    b"\x1bE": ("bold", 1),
    b"\x1b!": ("print_mode", 1),
    b"\x1b2": ("line_spacing_default", 0),
    b"\x1b3": ("line_spacing", 1),
    b"\x1bt": ("code_page", 1),
    b"\x10\x04": ("status_request", 1),
    b"\x1dB": ("invert", 1),
    b"\x1d!": ("char_size", 1),
}


def parse(data: bytes) -> list[Command]:
    """Split a stream into commands; printable text runs become "text" commands."""
    out: list[Command] = []
    i, n = 0, len(data)
    while i < n:
        two = data[i : i + 2]
        if two in _SIMPLE:
            name, argc = _SIMPLE[two]
            _need(data, i, 2 + argc)
            out.append(Command(name, i, {"value": data[i + 2]} if argc else {}))
            i += 2 + argc
        elif data[i : i + 3] == b"\x1dv0":
            _need(data, i, 8)
            m, xl, xh, yl, yh = data[i + 3 : i + 8]
            width_bytes, height = xl + 256 * xh, yl + 256 * yh
            size = width_bytes * height
            _need(data, i, 8 + size)
            raster = data[i + 8 : i + 8 + size]
            out.append(
                Command(
                    "raster", i, {"mode": m, "width_bytes": width_bytes, "height": height, "data": raster}
                )
            )
            i += 8 + size
        elif data[i : i + 3] == b"\x1d(k":
            _need(data, i, 5)
            length = data[i + 3] + 256 * data[i + 4]
            _need(data, i, 5 + length)
            body = data[i + 5 : i + 5 + length]
            out.append(_qr_command(i, body))
            i += 5 + length
        elif two == b"\x1dV":
            _need(data, i, 3)
            m = data[i + 2]
            extra = 1 if m in (65, 66) else 0
            _need(data, i, 3 + extra)
            out.append(Command("cut", i, {"mode": m}))
            i += 3 + extra
        elif data[i] == 0x0A:
            out.append(Command("newline", i))
            i += 1
        elif 0x20 <= data[i] < 0x7F:
            j = i
            while j < n and 0x20 <= data[j] < 0x7F:
                j += 1
            out.append(Command("text", i, {"text": data[i:j].decode("ascii")}))
            i = j
        else:
            raise DecodeError(f"unknown ESC/POS command at offset {i}: {data[i : i + 4].hex(' ')}")
    return out


def _need(data: bytes, i: int, count: int) -> None:
    if i + count > len(data):
        raise DecodeError(f"command at offset {i} is cut short ({len(data) - i} of {count} bytes)")


def _qr_command(offset: int, body: bytes) -> Command:
    if len(body) < 2 or body[0] != 0x31:
        raise DecodeError(f"GS ( k at offset {offset}: only QR (cn=49) is expected")
    fn = body[1]
    names = {65: "qr_model", 67: "qr_module_size", 69: "qr_error_level", 80: "qr_store", 81: "qr_print"}
    if fn not in names:
        raise DecodeError(f"GS ( k at offset {offset}: unknown QR function {fn}")
    args: dict[str, object] = {}
    if fn == 80:
        args["data"] = body[3:].decode("utf-8")
    elif fn in (65, 67, 69):
        args["value"] = body[2]
    return Command(names[fn], offset, args)


def raster_image(cmd: Command) -> Image.Image:
    """The 1-bit picture of a GS v 0 command (black = printed dot)."""
    wb, h = int(cmd.args["width_bytes"]), int(cmd.args["height"])  # type: ignore[call-overload]
    raw = bytes(cmd.args["data"])  # type: ignore[call-overload]
    # ESC/POS: bit set = dot printed; PIL mode "1" raw: bit set = white. Invert.
    return Image.frombytes("1", (wb * 8, h), bytes(b ^ 0xFF for b in raw))


def to_image(data: bytes, width_dots: int | None = None) -> Image.Image:
    """Redraw a stream as paper: rasters as sent, native QR codes drawn at their module size.

    Without `width_dots` the paper is as wide as the widest raster (576 when there is none).
    """
    cmds = parse(data)
    if width_dots is None:
        widths = [int(c.args["width_bytes"]) * 8 for c in cmds if c.name == "raster"]  # type: ignore[call-overload]
        width_dots = max(widths, default=576)
    strips: list[Image.Image] = []
    module, qr_data, align = 3, "", 0
    for cmd in cmds:
        if cmd.name == "raster":
            strips.append(raster_image(cmd))
        elif cmd.name == "qr_module_size":
            module = int(cmd.args["value"])  # type: ignore[call-overload]
        elif cmd.name == "qr_store":
            qr_data = str(cmd.args["data"])
        elif cmd.name == "align":
            align = int(cmd.args["value"])  # type: ignore[call-overload]
        elif cmd.name == "qr_print":
            code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=module)
            code.add_data(qr_data)
            img = code.make_image().get_image().convert("1")
            strip = Image.new("1", (width_dots, img.height), 1)
            x = (width_dots - img.width) // 2 if align == 1 else 0
            strip.paste(img, (x, 0))
            strips.append(strip)
        elif cmd.name == "feed_lines":
            strips.append(Image.new("1", (width_dots, LINE_DOTS * int(cmd.args["value"])), 1))  # type: ignore[call-overload]
    page = Image.new("1", (width_dots, max(1, sum(s.height for s in strips))), 1)
    y = 0
    for s in strips:
        page.paste(s.crop((0, 0, min(width_dots, s.width), s.height)), (0, y))
        y += s.height
    return page
