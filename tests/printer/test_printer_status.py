"""DLE EOT status: the decoder, and the whole printer against fake printers on a pty and TCP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivers.printer.layouts import ticket_document
from drivers.printer.model import PrintError, PrinterState
from drivers.printer.printer import EscposReceiptPrinter, open_printer
from drivers.printer.samples import sample_pickup_receipt, sample_ticket
from drivers.printer.status import (
    REQ_OFFLINE_CAUSE,
    REQ_PAPER,
    REQ_PRINTED,
    REQ_PRINTER,
    decode_offline_cause,
    decode_paper,
    decode_printed,
    decode_printer,
    is_status_byte,
    status_reply,
)
from tests.printer.fakes import FakePrinter, PtyPrinter, TcpPrinter

# -- codec (byte values from the Epson ESC/POS reference for DLE EOT n=1, 2, 4)


def test_fixed_bits_are_checked() -> None:
    assert is_status_byte(0x12)
    assert is_status_byte(0x16)  # n=1, bit 2 (drawer) set
    assert not is_status_byte(0x00)
    assert not is_status_byte(0xFF)
    assert not is_status_byte(0x13)  # bit 0 must be 0


def test_decode_printer_status() -> None:
    assert decode_printer(b"\x12") is True
    assert decode_printer(b"\x1a") is False  # bit 3: offline
    assert decode_printer(b"") is None  # no answer is not "online"
    assert decode_printer(b"\x00") is None  # not a status byte


def test_decode_offline_cause() -> None:
    assert decode_offline_cause(b"\x16") is PrinterState.COVER_OPEN
    assert decode_offline_cause(b"\x32") is PrinterState.PAPER_OUT
    assert decode_offline_cause(b"\x52") is PrinterState.OFFLINE  # error bit
    assert decode_offline_cause(b"") is None


def test_decode_paper_sensor() -> None:
    assert decode_paper(b"\x12") is PrinterState.READY
    assert decode_paper(b"\x1e") is PrinterState.PAPER_NEAR_END
    assert decode_paper(b"\x72") is PrinterState.PAPER_OUT
    assert decode_paper(b"\x7e") is PrinterState.PAPER_OUT  # near end and end both set
    assert decode_paper(b"") is None  # python-escpos would say "plenty of paper" here


@pytest.mark.parametrize("state", list(PrinterState))
def test_simulated_replies_decode_back(state: PrinterState) -> None:
    online = decode_printer(status_reply(state, REQ_PRINTER))
    if state.can_print:
        assert online is True
        assert decode_paper(status_reply(state, REQ_PAPER)) is state
    else:
        assert online is False
        assert decode_offline_cause(status_reply(state, REQ_OFFLINE_CAUSE)) is state


# -- the printer against fakes on a real pty and a real TCP socket


@pytest.fixture(params=["pty", "tcp", "file"])
def fake(request: pytest.FixtureRequest) -> Iterator[FakePrinter]:
    printer: FakePrinter = TcpPrinter() if request.param == "tcp" else PtyPrinter()
    printer.as_file = request.param == "file"  # type: ignore[attr-defined]
    yield printer
    printer.stop()


def _url(fake: FakePrinter) -> str:
    if isinstance(fake, PtyPrinter):
        if getattr(fake, "as_file", False):
            return f"file://{fake.port}"  # the device-file transport (as for /dev/usb/lp0)
        return f"serial://{fake.port}?baudrate=115200"
    assert isinstance(fake, TcpPrinter)
    return f"tcp://127.0.0.1:{fake.port}"


@pytest.fixture
def printer(fake: FakePrinter) -> Iterator[EscposReceiptPrinter]:
    # generous: an answer comes in microseconds, but this machine may be very busy (CI)
    p = open_printer(_url(fake), paper_width_mm=58, timeout_s=10, status_timeout_s=2.0)
    yield p
    p.close()


@pytest.mark.parametrize(
    "state",
    [PrinterState.READY, PrinterState.PAPER_NEAR_END, PrinterState.PAPER_OUT, PrinterState.COVER_OPEN],
)
def test_status_reports_what_the_printer_says(
    fake: FakePrinter, printer: EscposReceiptPrinter, state: PrinterState
) -> None:
    fake.state = state
    assert printer.status() is state


def test_no_answer_is_offline_not_plenty_of_paper(fake: FakePrinter, printer: EscposReceiptPrinter) -> None:
    fake.state = None
    printer.status_timeout_s = 0.3  # silence always lasts the whole timeout: keep it short
    report = printer.status_report()
    assert report.state is PrinterState.OFFLINE
    assert "no answer" in report.detail


def test_ticket_prints_when_ready(fake: FakePrinter, printer: EscposReceiptPrinter) -> None:
    printer.print_ticket(sample_ticket())
    assert fake.requests[:2] == [REQ_PRINTER, REQ_PAPER]  # asked before printing
    assert len(fake.requests) == 4  # and read back after
    assert bytes(fake.received) == printer.render_job(ticket_document(sample_ticket())).data
    assert fake.received.startswith(b"\x1b@")
    assert fake.received.endswith(b"\x1dV\x01")  # partial cut, last


@pytest.mark.parametrize(
    "state",
    [PrinterState.PAPER_OUT, PrinterState.COVER_OPEN, None],
    ids=["paper_out", "cover_open", "silent"],
)
def test_no_ticket_is_sent_when_the_printer_cannot_print(
    fake: FakePrinter, printer: EscposReceiptPrinter, state: PrinterState | None
) -> None:
    fake.state = state
    if state is None:
        printer.status_timeout_s = 0.3  # silence always lasts the whole timeout: keep it short
    with pytest.raises(PrintError) as info:
        printer.print_ticket(sample_ticket())
    assert info.value.state is (state or PrinterState.OFFLINE)
    assert _url(fake) in str(info.value)  # the message names the printer
    assert bytes(fake.received) == b""  # not one byte of ticket: no ghost ticket


def test_paper_running_out_during_the_job_is_reported(
    fake: FakePrinter, printer: EscposReceiptPrinter
) -> None:
    fake.after_job_state = PrinterState.PAPER_OUT
    with pytest.raises(PrintError) as info:
        printer.print_ticket(sample_ticket())
    assert info.value.state is PrinterState.PAPER_OUT
    assert "incomplete" in str(info.value)


def test_status_listener_hears_changes(fake: FakePrinter) -> None:
    changes: list[tuple[PrinterState, PrinterState]] = []
    with open_printer(
        _url(fake), status_timeout_s=2.0, on_status_change=lambda a, b: changes.append((a, b))
    ) as p:
        assert p.status() is PrinterState.READY
        fake.state = PrinterState.PAPER_OUT
        assert p.status() is PrinterState.PAPER_OUT
        assert p.status() is PrinterState.PAPER_OUT
        fake.state = PrinterState.READY
        assert p.status() is PrinterState.READY
    assert changes == [
        (PrinterState.READY, PrinterState.PAPER_OUT),
        (PrinterState.PAPER_OUT, PrinterState.READY),
    ]


def test_unreachable_tcp_printer_is_offline_and_print_fails(port: int) -> None:
    with open_printer(f"tcp://127.0.0.1:{port}", status_timeout_s=0.3) as p:
        assert p.status() is PrinterState.OFFLINE
        with pytest.raises(PrintError, match=f"127.0.0.1:{port}"):
            p.print_ticket(sample_ticket())


def test_missing_serial_port_is_offline() -> None:
    with open_printer("serial:///dev/does-not-exist-ttyUSB9", status_timeout_s=0.3) as p:
        report = p.status_report()
        assert report.state is PrinterState.OFFLINE
        assert "does-not-exist" in report.detail


def test_confirmed_printing(fake: FakePrinter) -> None:
    with open_printer(_url(fake), paper_width_mm=58, status_timeout_s=2.0, confirm_printed=True) as p:
        p.print_pickup_receipt(sample_pickup_receipt())
    assert REQ_PRINTED in fake.requests


def test_confirmation_missing_when_paper_ends_mid_job(fake: FakePrinter) -> None:
    fake.after_job_state = PrinterState.PAPER_OUT
    with open_printer(
        _url(fake), paper_width_mm=58, status_timeout_s=2.0, timeout_s=1.0, confirm_printed=True
    ) as p:
        with pytest.raises(PrintError, match="not confirmed") as info:
            p.print_pickup_receipt(sample_pickup_receipt())
    assert info.value.state is PrinterState.PAPER_OUT


def test_decode_printed() -> None:
    assert decode_printed(b"\x00") is PrinterState.READY
    assert decode_printed(b"\x03") is PrinterState.PAPER_NEAR_END
    assert decode_printed(b"\x0f") is PrinterState.PAPER_OUT
    assert decode_printed(b"") is None and decode_printed(b"\x12") is None


def test_a_dropped_tcp_session_is_reconnected(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="drivers.printer.printer")
    fake = TcpPrinter()
    try:
        with open_printer(f"tcp://127.0.0.1:{fake.port}", status_timeout_s=2.0) as p:
            for _ in range(2):
                assert p.status() is PrinterState.READY
                fake.hang_up.set()  # the printer closes the idle session...
                assert fake.hung_up.wait(timeout=10)
                fake.hung_up.clear()
            assert p.status() is PrinterState.READY  # ...and we reconnect instead of reporting offline
            p.print_ticket(sample_ticket())
            assert bytes(fake.received).startswith(b"\x1b@")
        assert "reconnecting once" in caplog.text
    finally:
        fake.stop()
