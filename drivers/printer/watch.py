"""Ask the printer for its status every few seconds, so paper out is known before a citizen asks.

    watch = PrinterWatch(printer, interval_s=cfg.status_poll_s, on_change=lambda old, new: ...)
    watch.start()   # ... watch.stop() at shutdown

`on_change(old, new)` is called from the watch thread (the first report counts as a change from
None), so the kiosk can grey out "take a ticket" or raise the paper alarm. `current` holds the
latest report for a screen to read at any time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from drivers.printer.model import PrinterState, ReceiptPrinter
from drivers.printer.status import StatusReport

log = logging.getLogger(__name__)

ChangeListener = Callable[[PrinterState | None, PrinterState], None]


class PrinterWatch:
    """A daemon thread polling `printer.status()`; jobs and polls share the printer's lock."""

    def __init__(
        self, printer: ReceiptPrinter, *, interval_s: float = 30.0, on_change: ChangeListener
    ) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be positive")
        self.printer = printer
        self.interval_s = interval_s
        self.on_change = on_change
        self.current: StatusReport | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start polling (the first poll happens at once)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=f"printer watch {self.printer.url}", daemon=True
            )
            self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop polling and wait for the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def poll_once(self) -> StatusReport:
        """Ask now; notify when the state changed. Used by the thread, callable by tests."""
        report_fn = getattr(self.printer, "status_report", None)
        report = report_fn() if callable(report_fn) else StatusReport(self.printer.status(), "status()")
        old = self.current.state if self.current else None
        self.current = report
        if old is not report.state:
            try:
                self.on_change(old, report.state)
            except Exception:  # a listener bug must not stop the watch
                log.exception("printer watch: listener failed")
        return report

    def _run(self) -> None:
        while not self._stop.is_set():
            self.poll_once()
            self._stop.wait(self.interval_s)
