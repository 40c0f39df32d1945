"""The receipt printer the kiosk uses: status first, one job at a time, a hard timeout, read back.

    printer = open_printer("png://var/printer", paper_width_mm=80)
    printer.print_ticket(ticket)        # from a worker thread; raises PrintError

One thread (the printer's worker) owns the device; callers wait for their job with a timeout,
so a printer that stops taking data cannot freeze the kiosk. Each job is laid out and encoded
completely before the first byte goes out, and the printer is asked for its status before
(no ticket on a printer that cannot print it) and after (paper or cover trouble during the
job means the ticket is probably incomplete, and the caller is told).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures import wait as futures_wait
from datetime import tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from drivers.printer.config import PrinterConfig
from drivers.printer.elements import Document
from drivers.printer.encode import CutMode, encode
from drivers.printer.fonts import DEFAULT_FONT_DIR, FontError, FontSet
from drivers.printer.layouts import loading_slip_document, pickup_receipt_document, ticket_document
from drivers.printer.model import (
    LoadingSlipData,
    PickupReceiptData,
    PrintError,
    PrinterState,
    TicketData,
)
from drivers.printer.render import WIDTH_DOTS, Renderer, RenderError
from drivers.printer.status import (
    REQ_ERROR_CAUSE,
    REQ_OFFLINE_CAUSE,
    REQ_PAPER,
    REQ_PRINTED,
    REQ_PRINTER,
    StatusReport,
    decode_offline_cause,
    decode_paper,
    decode_printed,
    decode_printer,
)
from drivers.printer.transport import Job, Transport
from drivers.printer.url import PrinterUrlError, open_transport
from drivers.printer.worker import DeviceWorker

log = logging.getLogger(__name__)

StatusListener = Callable[[PrinterState, PrinterState], None]


class EscposReceiptPrinter:
    """A `ReceiptPrinter` over any transport. Thread-safe; every call blocks (use a worker thread)."""

    def __init__(
        self,
        url: str,
        transport: Transport,
        renderer: Renderer,
        *,
        cut: CutMode = CutMode.PARTIAL,
        print_timeout_s: float = 20.0,
        status_timeout_s: float = 1.0,
        require_status: bool = True,
        confirm_printed: bool = False,
        logo: Path | None = None,
        tz: tzinfo | None = None,
        on_status_change: StatusListener | None = None,
    ) -> None:
        self.url = url
        self.transport = transport
        self.renderer = renderer
        self.cut = cut
        self.print_timeout_s = print_timeout_s
        self.status_timeout_s = status_timeout_s
        self.require_status = require_status
        self.confirm_printed = confirm_printed
        self.logo = logo
        self.tz = tz
        self.on_status_change = on_status_change
        self.last_status: StatusReport | None = None
        self._job_lock = threading.Lock()  # one job (or status query) at a time
        self._stuck: Future[Any] | None = None  # a job that outlived its timeout
        self._worker = DeviceWorker(f"printer {url}")
        self._wants_preview = bool(getattr(transport, "wants_preview", False))

    # -- ReceiptPrinter

    def status(self) -> PrinterState:
        """Ask the printer (DLE EOT). Never raises: failure is OFFLINE."""
        return self.status_report().state

    def status_report(self) -> StatusReport:
        """Like status(), with the reason in words (for logs and the staff screen)."""
        budget = 3 * self.status_timeout_s + 1.0
        if self._is_stuck():
            return self._set_status(
                StatusReport(PrinterState.OFFLINE, "not responding: a job is still stuck")
            )
        if not self._job_lock.acquire(timeout=budget):
            if self.last_status is not None:
                return self.last_status  # busy printing: the state from just before the job stands
            return StatusReport(PrinterState.OFFLINE, "busy, no status yet")
        try:
            fut = self._worker.submit(self._query)
            try:
                return fut.result(timeout=budget)
            except FutureTimeout:
                self._give_up(fut)
                return self._set_status(StatusReport(PrinterState.OFFLINE, "status request hung"))
        finally:
            self._job_lock.release()

    def print_ticket(self, data: TicketData) -> None:
        """Check status, print, cut, read back. Raises PrintError; nothing is sent if the check fails."""
        self.print_document(ticket_document(data, logo=self.logo, tz=self.tz))

    def print_pickup_receipt(self, data: PickupReceiptData) -> None:
        """Same for a pickup receipt."""
        self.print_document(pickup_receipt_document(data, logo=self.logo, tz=self.tz))

    def print_loading_slip(self, data: LoadingSlipData) -> None:
        """Same for a loading slip."""
        self.print_document(loading_slip_document(data, logo=self.logo, tz=self.tz))

    def close(self) -> None:
        """Stop the worker and release the device."""
        self._worker.stop()
        self.transport.close()

    def __enter__(self) -> EscposReceiptPrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- jobs

    def render_job(self, doc: Document) -> Job:
        """Lay out and encode a document completely (no device I/O)."""
        try:
            rendered = self.renderer.render(doc)
            data = encode(rendered, cut=self.cut)
        except (RenderError, ValueError, OSError) as err:
            raise PrintError(f"printer {self.url}: cannot lay out the {doc.kind}: {err}") from err
        return Job(doc.kind, data, rendered.to_image() if self._wants_preview else None)

    def print_document(self, doc: Document) -> None:
        """Print any laid-out document with the same checks as print_ticket."""
        job = self.render_job(doc)
        if not self._job_lock.acquire(timeout=self.print_timeout_s):
            raise PrintError(
                f"printer {self.url}: still busy with another job after {self.print_timeout_s:g} s"
            )
        try:
            if self._is_stuck():
                raise PrintError(
                    f"printer {self.url}: not responding (an earlier job is stuck); check the printer"
                )
            fut = self._worker.submit(lambda: self._run_job(job))
            try:
                fut.result(timeout=self.print_timeout_s + 6 * self.status_timeout_s + 1.0)
            except FutureTimeout as err:
                self._give_up(fut)
                self._set_status(StatusReport(PrinterState.OFFLINE, f"{job.kind} timed out"))
                raise PrintError(
                    f"printer {self.url}: the {job.kind} did not finish within {self.print_timeout_s:g} s; "
                    "it may be partly printed"
                ) from err
        finally:
            self._job_lock.release()

    def _run_job(self, job: Job) -> None:
        """Runs on the worker: status, write, read back."""
        started = time.monotonic()
        if self.require_status:
            before = self._query()
            if not before.state.can_print:
                raise PrintError(f"printer {self.url}: {job.kind} not printed: {before}", before.state)
        try:
            self.transport.open()
            self.transport.write_job(job)
        except Exception as err:  # OSError/TimeoutError, or a backend's own error type
            self.transport.close()
            self._set_status(StatusReport(PrinterState.OFFLINE, f"write failed: {err}"))
            raise PrintError(
                f"printer {self.url}: sending the {job.kind} failed ({err}); it may be partly printed"
            ) from err
        if self.confirm_printed:
            self._await_printed(job, started)
        if self.require_status:
            after = self._query()
            if not after.state.can_print:
                raise PrintError(
                    f"printer {self.url}: right after the {job.kind} the printer reported {after}; "
                    "the paper is probably incomplete",
                    after.state,
                )
        log.info("printer %s: printed %s (%d bytes)", self.url, job.kind, len(job.data))

    def _await_printed(self, job: Job, started: float) -> None:
        """GS r 1 after the job: its reply comes only once everything before it has printed."""
        left = max(self.status_timeout_s, self.print_timeout_s - (time.monotonic() - started))
        try:
            reply = self.transport.request(REQ_PRINTED, left)
        except OSError as err:
            self.transport.close()
            raise PrintError(f"printer {self.url}: lost while printing the {job.kind} ({err})") from err
        if decode_printed(reply) is None:
            report = self._query()
            raise PrintError(
                f"printer {self.url}: the {job.kind} was not confirmed as printed within {left:.0f} s "
                f"(printer: {report}); it is probably incomplete",
                report.state if not report.state.can_print else PrinterState.OFFLINE,
            )

    # -- status

    def _query(self) -> StatusReport:
        """Runs on the worker: DLE EOT 1, then 2 (why offline) or 4 (paper).

        A connection that dies between uses (network printers drop idle TCP sessions, a USB
        printer is power-cycled) gets one fresh reconnect before the printer counts as offline.
        """
        try:
            try:
                self.transport.open()
            except OSError as err:
                self.transport.close()
                return self._set_status(StatusReport(PrinterState.OFFLINE, f"not reachable: {err}"))
            try:
                report = self._ask()
            except OSError as err:
                log.info("printer %s: connection lost (%s); reconnecting once", self.url, err)
                self.transport.close()
                self.transport.open()
                report = self._ask()
        except OSError as err:
            self.transport.close()
            report = StatusReport(PrinterState.OFFLINE, f"not reachable: {err}")
        except Exception as err:  # status() never raises: a driver bug is "offline" too
            log.exception("printer %s: status query failed", self.url)
            self.transport.close()
            report = StatusReport(PrinterState.OFFLINE, f"driver error: {err!r}")
        return self._set_status(report)

    def _ask(self) -> StatusReport:
        t = self.status_timeout_s
        r1 = self.transport.request(REQ_PRINTER, t)
        online = decode_printer(r1)
        if online is None:
            what = f"unexpected reply {r1.hex()}" if r1 else f"no answer to DLE EOT within {t:g} s"
            return StatusReport(PrinterState.OFFLINE, what)
        if not online:
            cause = decode_offline_cause(self.transport.request(REQ_OFFLINE_CAUSE, t))
            if cause is None or cause is PrinterState.OFFLINE:
                err = self.transport.request(REQ_ERROR_CAUSE, t)
                return StatusReport(
                    PrinterState.OFFLINE, f"offline, error bits {err.hex() or 'not reported'}"
                )
            return StatusReport(cause, "reported by the printer")
        paper = decode_paper(self.transport.request(REQ_PAPER, t))
        if paper is None:
            return StatusReport(PrinterState.OFFLINE, "paper sensor did not answer")
        return StatusReport(paper, "online" if paper is PrinterState.READY else "reported by the printer")

    def _set_status(self, report: StatusReport) -> StatusReport:
        old = self.last_status.state if self.last_status else None
        self.last_status = report
        if old is not report.state:
            level = logging.INFO if report.state is PrinterState.READY else logging.WARNING
            log.log(level, "printer %s: %s -> %s", self.url, old.value if old else "unknown", report)
            if self.on_status_change is not None and old is not None:
                try:
                    self.on_status_change(old, report.state)
                except Exception:  # a listener bug must not break printing
                    log.exception("printer %s: status listener failed", self.url)
        return report

    def _is_stuck(self) -> bool:
        """True while a timed-out job still holds the worker (after a short grace for it to end)."""
        stuck = self._stuck
        if stuck is not None:
            futures_wait([stuck], timeout=self.status_timeout_s)  # closing the device usually frees it
            if stuck.done():
                self._stuck = None
        return self._stuck is not None

    def _give_up(self, fut: Future[Any]) -> None:
        self._stuck = fut
        self.transport.close()  # usually makes the blocked call return with an error


def open_printer(
    url: str,
    *,
    paper_width_mm: int = 80,
    timeout_s: float = 20.0,
    status_timeout_s: float = 1.0,
    font_dir: Path | str = DEFAULT_FONT_DIR,
    qr_native: bool = True,
    cut: CutMode = CutMode.PARTIAL,
    require_status: bool = True,
    confirm_printed: bool = False,
    logo: Path | None = None,
    timezone: str = "Asia/Ho_Chi_Minh",
    on_status_change: StatusListener | None = None,
) -> EscposReceiptPrinter:
    """Open the printer a URL names; bad URL, width, time zone or fonts raise PrintError.

    The device is connected on first use. `timezone` is the zone printed times are shown in
    (an IANA name; "" for the machine's own); `on_status_change(old, new)` is called from the
    printer's worker thread whenever the state changes (hop to the UI thread before drawing).
    """
    if paper_width_mm not in WIDTH_DOTS:
        raise PrintError(f"printer {url}: paper_width_mm must be 58 or 80, not {paper_width_mm}")
    try:
        tz = ZoneInfo(timezone) if timezone else None
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise PrintError(
            f"printer {url}: unknown time zone {timezone!r} (use e.g. Asia/Ho_Chi_Minh)"
        ) from err
    try:
        transport = open_transport(url, timeout_s=timeout_s)
        renderer = Renderer(FontSet(Path(font_dir)), WIDTH_DOTS[paper_width_mm], qr_native=qr_native)
    except (PrinterUrlError, RenderError, FontError) as err:
        raise PrintError(str(err)) from err
    return EscposReceiptPrinter(
        url,
        transport,
        renderer,
        cut=cut,
        print_timeout_s=timeout_s,
        status_timeout_s=status_timeout_s,
        require_status=require_status,
        confirm_printed=confirm_printed,
        logo=logo,
        tz=tz,
        on_status_change=on_status_change,
    )


def open_from_config(
    cfg: PrinterConfig, *, timezone: str | None = None, on_status_change: StatusListener | None = None
) -> EscposReceiptPrinter:
    """Open the printer described by a validated [printer] section.

    `timezone` overrides [printer] timezone (the kiosk passes [center] timezone).
    """
    return open_printer(
        cfg.url,
        paper_width_mm=cfg.paper_width_mm,
        timeout_s=cfg.print_timeout_s,
        status_timeout_s=cfg.status_timeout_s,
        font_dir=cfg.fonts(),
        qr_native=cfg.qr_native,
        cut=cfg.cut,
        require_status=cfg.require_status,
        confirm_printed=cfg.confirm_printed,
        logo=cfg.logo(),
        timezone=cfg.timezone if timezone is None else timezone,
        on_status_change=on_status_change,
    )
