"""PrinterWatch: polling tells the kiosk about paper out before anyone prints."""

from __future__ import annotations

import threading

import pytest

from drivers.printer.model import PrinterState
from drivers.printer.printer import open_printer
from drivers.printer.sim import DummyTransport
from drivers.printer.watch import PrinterWatch


def test_poll_once_reports_changes_only() -> None:
    changes: list[tuple[PrinterState | None, PrinterState]] = []
    with open_printer("dummy://") as p:
        watch = PrinterWatch(p, interval_s=60, on_change=lambda a, b: changes.append((a, b)))
        watch.poll_once()
        watch.poll_once()
        assert isinstance(p.transport, DummyTransport)
        p.transport.state = PrinterState.PAPER_OUT
        assert watch.poll_once().state is PrinterState.PAPER_OUT
    assert changes == [(None, PrinterState.READY), (PrinterState.READY, PrinterState.PAPER_OUT)]


def test_thread_polls_until_stopped() -> None:
    seen = threading.Event()
    with open_printer("dummy://?status=cover_open") as p:
        watch = PrinterWatch(p, interval_s=0.01, on_change=lambda a, b: seen.set())
        watch.start()
        assert seen.wait(timeout=10)
        watch.stop()
        assert watch.current is not None and watch.current.state is PrinterState.COVER_OPEN


def test_listener_errors_do_not_stop_the_watch() -> None:
    def broken(old: PrinterState | None, new: PrinterState) -> None:
        raise RuntimeError("listener bug")

    with open_printer("dummy://") as p:
        watch = PrinterWatch(p, interval_s=60, on_change=broken)
        assert watch.poll_once().state is PrinterState.READY


def test_interval_must_be_positive() -> None:
    with open_printer("dummy://") as p, pytest.raises(ValueError):
        PrinterWatch(p, interval_s=0, on_change=lambda a, b: None)
