"""The contract between the printer driver and its callers (kiosk, CLI).

Callers build one of the data classes below and hand it to a `ReceiptPrinter`
(drivers/printer/printer.py, opened with `open_printer(url, ...)`). Everything here is plain
data; layouts and bytes live in the driver.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class PrinterState(enum.StrEnum):
    """What DLE EOT told us. No answer is OFFLINE, never "fine"."""

    READY = "ready"
    PAPER_NEAR_END = "paper_near_end"  # still prints; staff should refill
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"  # no answer, error state, or not connected

    @property
    def can_print(self) -> bool:
        return self in (PrinterState.READY, PrinterState.PAPER_NEAR_END)


@dataclass(frozen=True)
class TicketData:
    """A queue ticket."""

    center_name: str
    number: str  # e.g. "B012"
    service_name: str
    issued_at: datetime
    ahead: int
    wait_min: int | None  # minutes; None = not enough data to estimate
    wait_max: int | None
    status_url: str  # printed as a QR code
    priority_label: str | None = None
    guidance: str = ""
    language: str = "vi"


@dataclass(frozen=True)
class PickupReceiptData:
    """Receipt after a citizen collected a result from the locker."""

    center_name: str
    dossier_code: str
    compartment: str
    collected_at: datetime
    citizen_name_masked: str | None
    verify_url: str  # printed as a QR code
    language: str = "vi"
    # issue 16: who collected ("citizen" | "authorised" | "unverified") and their masked ID or phone
    collected_by: str = ""
    collector_masked: str = ""


@dataclass(frozen=True)
class LoadingSlipData:
    """Staff handover slip after loading a compartment."""

    center_name: str
    dossier_code: str
    compartment: str
    staff_id: str
    loaded_at: datetime
    expires_at: datetime | None = None
    language: str = "vi"


class PrintError(Exception):
    """Printing failed; `state` says why when known. Messages name the printer URL."""

    def __init__(self, message: str, state: PrinterState = PrinterState.OFFLINE) -> None:
        super().__init__(message)
        self.state = state


class ReceiptPrinter(Protocol):
    """A printer the kiosk can use. Calls block: run them off the UI thread."""

    url: str

    def status(self) -> PrinterState:
        """Ask the printer (DLE EOT). Never raises: failure is OFFLINE."""
        ...

    def print_ticket(self, data: TicketData) -> None:
        """Check status, print, cut. Raises PrintError without printing a partial ticket."""
        ...

    def print_pickup_receipt(self, data: PickupReceiptData) -> None:
        """Same for a pickup receipt."""
        ...

    def print_loading_slip(self, data: LoadingSlipData) -> None:
        """Same for a loading slip."""
        ...

    def close(self) -> None:
        """Release the device."""
        ...
