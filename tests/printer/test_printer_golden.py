"""Golden bytes on dummy:// for each layout at both widths, read back command by command.

When a deliberate layout change alters the bytes, regenerate with
`UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/printer/test_printer_golden.py` and look at the
PNGs (`python -m drivers.printer view tests/printer/golden/FILE.bin`) before committing them.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from drivers.printer.decode import parse, to_image
from drivers.printer.model import PrinterState
from drivers.printer.printer import EscposReceiptPrinter, open_printer
from drivers.printer.samples import sample_loading_slip, sample_pickup_receipt, sample_ticket
from drivers.printer.sim import DummyTransport

GOLDEN = Path(__file__).parent / "golden"

LAYOUTS: dict[str, Callable[[EscposReceiptPrinter], None]] = {
    "ticket": lambda p: p.print_ticket(sample_ticket("vi")),
    "pickup_receipt": lambda p: p.print_pickup_receipt(sample_pickup_receipt("vi")),
    "loading_slip": lambda p: p.print_loading_slip(sample_loading_slip("vi")),
}


def _print(kind: str, width_mm: int, **kw: object) -> bytes:
    with open_printer("dummy://", paper_width_mm=width_mm, **kw) as p:  # type: ignore[arg-type]
        LAYOUTS[kind](p)
        assert isinstance(p.transport, DummyTransport)
        assert len(p.transport.jobs) == 1
        return p.transport.jobs[0].data


@pytest.mark.parametrize("width_mm", [58, 80])
@pytest.mark.parametrize("kind", list(LAYOUTS))
def test_golden_bytes(kind: str, width_mm: int) -> None:
    data = _print(kind, width_mm)
    path = GOLDEN / f"{kind}-{width_mm}mm.bin"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(data)
        to_image(data, 576 if width_mm == 80 else 384).save(path.with_suffix(".png"))
        pytest.skip(f"wrote {path.name}; look at it and commit it")
    assert path.exists(), f"{path} missing: run with UPDATE_GOLDEN=1, look at the PNG, commit both"
    golden = path.read_bytes()
    if data != golden:
        first = (
            next(i for i, (a, b) in enumerate(zip(data, golden, strict=False)) if a != b) if data[:1] else 0
        )
        pytest.fail(
            f"{path.name}: {len(data)} bytes vs golden {len(golden)}, first difference at offset {first}"
        )


@pytest.mark.parametrize("width_mm", [58, 80])
@pytest.mark.parametrize("kind", list(LAYOUTS))
def test_stream_structure(kind: str, width_mm: int) -> None:
    """Every byte belongs to a known command; init first, raster as wide as the paper, cut last."""
    data = _print(kind, width_mm)
    cmds = parse(data)
    names = [c.name for c in cmds]
    assert names[0] == "init"
    assert names[-2:] == ["feed_lines", "cut"]
    assert "text" not in names  # no code-page text at all: Vietnamese is drawn
    width_bytes = {c.args["width_bytes"] for c in cmds if c.name == "raster"}
    assert width_bytes == {(576 if width_mm == 80 else 384) // 8}
    counts = Counter(names)
    if kind == "loading_slip":
        assert counts["qr_print"] == 0
    else:
        assert counts["qr_store"] == counts["qr_print"] == 1
        stored = next(c.args["data"] for c in cmds if c.name == "qr_store")
        expected = sample_ticket().status_url if kind == "ticket" else sample_pickup_receipt().verify_url
        assert stored == expected


def test_raster_qr_option_sends_no_native_qr() -> None:
    names = {c.name for c in parse(_print("ticket", 80, qr_native=False))}
    assert not any(n.startswith("qr_") for n in names)


@pytest.mark.parametrize(
    ("cut", "tail"), [("full", b"\x1dV\x00"), ("partial", b"\x1dV\x01"), ("none", b"\x1bd\x06")]
)
def test_cut_modes(cut: str, tail: bytes) -> None:
    from drivers.printer.encode import CutMode

    assert _print("ticket", 58, cut=CutMode(cut)).endswith(tail)


def test_same_data_same_bytes() -> None:
    assert _print("pickup_receipt", 58) == _print("pickup_receipt", 58)


def test_english_differs_from_vietnamese() -> None:
    with open_printer("dummy://", paper_width_mm=58) as p:
        p.print_ticket(sample_ticket("vi"))
        p.print_ticket(sample_ticket("en"))
        assert isinstance(p.transport, DummyTransport)
        vi, en = (j.data for j in p.transport.jobs)
        assert vi != en
        assert p.status() is PrinterState.READY


@pytest.mark.parametrize("width_mm", [58, 80])
@pytest.mark.parametrize("kind", list(LAYOUTS))
def test_no_realtime_command_hides_in_the_raster(kind: str, width_mm: int) -> None:
    """DLE EOT/ENQ/DC4 are acted on even inside image data: none may appear in a job."""
    data = _print(kind, width_mm)
    for seq in (b"\x10\x04", b"\x10\x05", b"\x10\x14"):
        assert seq not in data


def test_scrub_removes_exactly_the_offending_dot() -> None:
    from PIL import Image

    from drivers.printer.encode import scrub_realtime

    img = Image.new("1", (32, 2), 1)
    img.putpixel((3, 0), 0)  # byte 0 = 0x10
    img.putpixel((13, 0), 0)  # byte 1 = 0x04  -> "10 04" = DLE EOT
    img.putpixel((19, 1), 0)  # a lone 0x10 elsewhere stays
    fixed, count = scrub_realtime(img)
    assert count == 1
    assert fixed.getpixel((3, 0)) != 0 and fixed.getpixel((13, 0)) == 0 and fixed.getpixel((19, 1)) == 0
    assert scrub_realtime(fixed)[1] == 0


@pytest.mark.parametrize("height", [1, 959, 960, 961, 2500])
def test_raster_encoder_matches_python_escpos(height: int) -> None:
    """Our direct GS v 0 encoder gives python-escpos's bytes exactly, bands included."""
    import random

    from escpos.printer import Dummy
    from PIL import Image

    from drivers.printer.encode import raster_commands

    rnd = random.Random(height)
    img = Image.new("1", (384, height), 1)
    img.putdata([255 if rnd.random() < 0.7 else 0 for _ in range(384 * height)])
    ref = Dummy()
    ref.image(img, impl="bitImageRaster", center=False, fragment_height=960)
    assert raster_commands(img) == ref.output
