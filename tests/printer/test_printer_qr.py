"""The QR codes scan: decoded with zxing-cpp from the PNG and from the bytes themselves."""

from __future__ import annotations

from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from drivers.printer.decode import to_image
from drivers.printer.printer import open_printer
from drivers.printer.samples import sample_pickup_receipt, sample_ticket
from drivers.printer.sim import PngTransport


def _decode(img: Image.Image) -> list[str]:
    return [
        r.text for r in zxingcpp.read_barcodes(img.convert("L")) if r.format == zxingcpp.BarcodeFormat.QRCode
    ]


@pytest.mark.parametrize("width_mm", [58, 80])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_png_printer_saves_a_scannable_ticket(tmp_path: Path, width_mm: int, lang: str) -> None:
    with open_printer(f"png://{tmp_path}", paper_width_mm=width_mm) as p:
        p.print_ticket(sample_ticket(lang))
    pngs = sorted(tmp_path.glob("*-ticket-*.png"))
    bins = sorted(tmp_path.glob("*-ticket-*.bin"))
    assert len(pngs) == len(bins) == 1
    with Image.open(pngs[0]) as img:
        assert img.width == (576 if width_mm == 80 else 384)
        assert _decode(img) == [sample_ticket().status_url]
    assert bins[0].read_bytes().startswith(b"\x1b@")


@pytest.mark.parametrize("width_mm", [58, 80])
def test_qr_sent_as_raster_decodes_from_the_bytes(width_mm: int) -> None:
    """With qr_native=false the QR is pixels in the byte stream: redraw the stream, scan it."""
    with open_printer("dummy://", paper_width_mm=width_mm, qr_native=False) as p:
        p.print_pickup_receipt(sample_pickup_receipt())
        data = p.transport.jobs[0].data  # type: ignore[attr-defined]
    assert _decode(to_image(data, 576 if width_mm == 80 else 384)) == [sample_pickup_receipt().verify_url]


def test_native_qr_redrawn_from_the_bytes_decodes() -> None:
    with open_printer("dummy://", paper_width_mm=58) as p:
        p.print_ticket(sample_ticket())
        data = p.transport.jobs[0].data  # type: ignore[attr-defined]
    assert _decode(to_image(data, 384)) == [sample_ticket().status_url]


def test_png_printer_status_file_simulates_paper_out(tmp_path: Path) -> None:
    with open_printer(f"png://{tmp_path}") as p:
        assert isinstance(p.transport, PngTransport)
        p.transport.status_file.write_text("paper_out\n")
        assert p.status().value == "paper_out"
        p.transport.status_file.unlink()
        assert p.status().value == "ready"


@pytest.mark.parametrize("width_mm", [58, 80])
def test_the_png_shows_what_the_bytes_print(tmp_path: Path, width_mm: int) -> None:
    """png:// saves a preview and the bytes: redrawing the bytes gives the same picture."""
    from PIL import ImageChops

    with open_printer(f"png://{tmp_path}", paper_width_mm=width_mm) as p:
        p.print_ticket(sample_ticket("en"))
    png = next(tmp_path.glob("*.png"))
    data = next(tmp_path.glob("*.bin")).read_bytes()
    with Image.open(png) as saved:
        preview = saved.convert("1")
    redrawn = to_image(data).crop((0, 0, preview.width, preview.height))  # minus the feed before the cut
    diff = ImageChops.difference(preview.convert("L"), redrawn.convert("L"))
    changed = int(diff.point(lambda v: 1 if v else 0).histogram()[1])
    assert changed <= 4  # at most the odd dot removed to break a DLE byte pair
