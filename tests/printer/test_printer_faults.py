"""Faults acted out by the simulators: refused, failed, hung and half-printed jobs; one job at a time."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PIL import Image

from drivers.printer.layouts import ticket_document
from drivers.printer.model import PrintError, PrinterState
from drivers.printer.printer import open_printer
from drivers.printer.samples import sample_loading_slip, sample_ticket
from drivers.printer.sim import DummyTransport, PngTransport, SimFault


def _dummy(p: object) -> DummyTransport:
    transport = p.transport  # type: ignore[attr-defined]
    assert isinstance(transport, DummyTransport)
    return transport


@pytest.mark.parametrize("state", ["paper_out", "cover_open", "offline"])
def test_refused_before_printing(state: str) -> None:
    with open_printer(f"dummy://?status={state}") as p:
        with pytest.raises(PrintError) as info:
            p.print_ticket(sample_ticket())
        assert info.value.state is PrinterState(state)
        assert _dummy(p).jobs == []


def test_near_end_still_prints() -> None:
    with open_printer("dummy://?status=paper_near_end") as p:
        p.print_ticket(sample_ticket())
        assert len(_dummy(p).jobs) == 1
        assert p.status() is PrinterState.PAPER_NEAR_END


def test_silent_printer_is_offline_and_refused() -> None:
    with open_printer("dummy://?fail=mute", status_timeout_s=0.2) as p:
        assert p.status() is PrinterState.OFFLINE
        with pytest.raises(PrintError, match="no answer"):
            p.print_ticket(sample_ticket())
        assert _dummy(p).jobs == []


def test_blind_printing_when_status_is_not_required() -> None:
    with open_printer("dummy://?fail=mute", status_timeout_s=0.2, require_status=False) as p:
        p.print_ticket(sample_ticket())
        assert len(_dummy(p).jobs) == 1
        assert _dummy(p).requests == []


def test_write_error_is_reported_and_the_next_job_works() -> None:
    with open_printer("dummy://?fail=io") as p:
        with pytest.raises(PrintError, match="failed") as info:
            p.print_ticket(sample_ticket())
        assert info.value.state is PrinterState.OFFLINE
        _dummy(p).fault = SimFault.NONE
        p.print_ticket(sample_ticket())
        assert len(_dummy(p).jobs) == 1


def test_hung_printer_times_out_and_recovers() -> None:
    with open_printer("dummy://?fail=hang", timeout_s=0.5, status_timeout_s=0.2) as p:
        with pytest.raises(PrintError, match="did not finish"):
            p.print_ticket(sample_ticket())
        # giving up closed the transport, which released the hung write; the printer recovers
        _dummy(p).fault = SimFault.NONE
        p.print_ticket(sample_ticket())
        assert len(_dummy(p).jobs) == 1


def test_paper_running_out_mid_job_is_reported(tmp_path: Path) -> None:
    with open_printer(f"png://{tmp_path}?fail=runout") as p:
        with pytest.raises(PrintError, match="incomplete") as info:
            p.print_loading_slip(sample_loading_slip())
        assert info.value.state is PrinterState.PAPER_OUT
    assert len(list(tmp_path.glob("*-loading_slip-*-PARTIAL.png"))) == 1


def test_png_status_file_with_a_fault_word(tmp_path: Path) -> None:
    with open_printer(f"png://{tmp_path}") as p:
        assert isinstance(p.transport, PngTransport)
        p.transport.status_file.write_text("io")
        with pytest.raises(PrintError):
            p.print_ticket(sample_ticket())
        p.transport.status_file.write_text("nonsense")
        assert p.status() is PrinterState.OFFLINE


def test_one_job_at_a_time_from_many_threads() -> None:
    with open_printer("dummy://", paper_width_mm=58) as p:
        expected = p.render_job(ticket_document(sample_ticket())).data
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                p.print_ticket(sample_ticket())
            except BaseException as err:
                errors.append(err)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == []
        jobs = _dummy(p).jobs
        assert len(jobs) == 4 and all(j.data == expected for j in jobs)  # none interleaved
        assert _dummy(p).output == expected * 4


def test_status_listener_errors_do_not_break_printing() -> None:
    def broken(old: PrinterState, new: PrinterState) -> None:
        raise RuntimeError("listener bug")

    with open_printer("dummy://", on_status_change=broken) as p:
        p.print_ticket(sample_ticket())
        _dummy(p).state = PrinterState.COVER_OPEN
        assert p.status() is PrinterState.COVER_OPEN


def test_logo_is_printed_at_the_top(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    Image.new("L", (400, 100), 0).save(logo)
    with open_printer("dummy://", logo=logo) as p, open_printer("dummy://") as plain:
        p.print_ticket(sample_ticket())
        plain.print_ticket(sample_ticket())
        assert len(_dummy(p).output) > len(_dummy(plain).output)


def test_unreadable_logo_fails_before_printing(tmp_path: Path) -> None:
    with open_printer("dummy://", logo=tmp_path / "missing.png") as p:
        with pytest.raises(PrintError, match="logo_path"):
            p.print_ticket(sample_ticket())
        assert _dummy(p).jobs == []


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("lpt://x", "not understood"),
        ("usb://epson", "VID:PID"),
        ("tcp://:9100", "HOST:PORT"),
        ("dummy://?status=jammed", "status="),
        ("serial:///dev/ttyS0?baudrate=fast", "baudrate"),
        ("png://", "path"),
    ],
)
def test_bad_urls_are_explained(url: str, match: str) -> None:
    with pytest.raises(PrintError, match=match):
        open_printer(url)


def test_bad_width_and_missing_fonts(tmp_path: Path) -> None:
    with pytest.raises(PrintError, match="58 or 80"):
        open_printer("dummy://", paper_width_mm=76)
    with pytest.raises(PrintError, match="font_dir"):  # a FontError, turned into PrintError
        open_printer("dummy://", font_dir=tmp_path)


class _BuggyTransport(DummyTransport):
    def request(self, data: bytes, timeout_s: float) -> bytes:
        raise ValueError("backend bug")


def test_a_driver_bug_is_offline_not_a_crash() -> None:
    from drivers.printer.fonts import FontSet
    from drivers.printer.printer import EscposReceiptPrinter
    from drivers.printer.render import Renderer

    p = EscposReceiptPrinter("buggy://", _BuggyTransport(), Renderer(FontSet(), 384))
    try:
        report = p.status_report()
        assert report.state is PrinterState.OFFLINE and "backend bug" in report.detail
        with pytest.raises(PrintError):
            p.print_ticket(sample_ticket())
    finally:
        p.close()


def test_usb_without_a_device_is_offline() -> None:
    with open_printer("usb://04b8:0e28", status_timeout_s=0.2) as p:
        report = p.status_report()
        assert report.state is PrinterState.OFFLINE
        assert "04b8:0e28" in report.detail


def test_png_printer_keeps_only_the_newest_jobs(tmp_path: Path) -> None:
    with open_printer(f"png://{tmp_path}?keep=2", paper_width_mm=58) as p:
        for _ in range(4):
            p.print_loading_slip(sample_loading_slip())
    bins = sorted(f.name for f in tmp_path.glob("*.bin"))
    assert len(bins) == 2 and len(list(tmp_path.glob("*.png"))) == 2
    assert bins[-1].endswith("-0004.bin")  # the newest survived
    with pytest.raises(PrintError, match="keep="):
        open_printer(f"png://{tmp_path}?keep=lots")


def test_runout_is_caught_by_the_print_confirmation(tmp_path: Path) -> None:
    with open_printer(f"png://{tmp_path}?fail=runout", timeout_s=1.0, confirm_printed=True) as p:
        with pytest.raises(PrintError, match="not confirmed") as info:
            p.print_ticket(sample_ticket())
        assert info.value.state is PrinterState.PAPER_OUT
