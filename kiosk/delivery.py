"""Issue-print-confirm, run in a worker: the ghost-ticket rule from the kiosk's side.

A kiosk ticket is `pending` until we tell the queueing service how the citizen got it: "printed"
when the printer took it, "screen" when it failed and the number + QR stay on screen.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from drivers.printer.model import PrintError, ReceiptPrinter, TicketData
from kiosk.clients.base import ServiceError
from kiosk.clients.queueing import QueueingClient, Ticket

if TYPE_CHECKING:
    from kiosk.context import KioskContext

log = logging.getLogger(__name__)

#: What `deliver` hands back: the print failure (None: printed) and whether the service took the
#: confirmation.
Delivered = tuple[str | None, bool]


def absolute_status_url(ticket: Ticket, base_url: str) -> str:
    """The ticket's status page as an absolute URL (the service may answer with a path)."""
    return urljoin(base_url.rstrip("/") + "/", ticket.status_url or f"/t/{ticket.ticket_id}")


def parse_issued_at(value: str, fallback: datetime) -> datetime:
    """The service's ISO timestamp, or `fallback` when absent or unreadable."""
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return fallback
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def print_ticket(printer: ReceiptPrinter | None, data: TicketData, unavailable_reason: str) -> str | None:
    """Print; None on success, else a reason (for the log and the staff)."""
    if printer is None:
        return unavailable_reason or "no printer"
    try:
        printer.print_ticket(data)
        return None
    except PrintError as err:
        log.error("ticket %s not printed (%s): %s", data.number, err.state, err)
        return f"{err.state}: {err}"
    except Exception as err:  # driver bug: the number still goes on screen
        log.exception("ticket %s: printer driver failed", data.number)
        return f"driver error: {err}"


def confirm_with_retries(
    client: QueueingClient,
    ticket_id: str,
    delivery: str,
    tries: int = 3,
    wait: Callable[[float], object] | None = None,
) -> bool:
    """Confirm delivery, retrying a few times: an unconfirmed ticket would be voided later."""
    for attempt in range(1, tries + 1):
        try:
            client.confirm(ticket_id, delivery)
            return True
        except ServiceError as err:
            log.warning("confirm %s (%s) attempt %d/%d failed: %s", ticket_id, delivery, attempt, tries, err)
            if attempt < tries and wait is not None:
                wait(0.5 * attempt)
    log.error("ticket %s could not be confirmed as %s: it will be voided by the service", ticket_id, delivery)
    return False


def print_and_confirm(
    printer: ReceiptPrinter | None,
    printer_error: str,
    client: QueueingClient,
    ticket_id: str,
    data: TicketData,
) -> Delivered:
    """Print a ticket, then confirm how it reached the citizen ("printed", else "screen"):
    (the print failure or None, whether the service took the confirmation). Blocking: a worker's job."""
    failure = print_ticket(printer, data, printer_error)
    pause = threading.Event()  # never set: its wait() spaces the retries
    delivery = "printed" if failure is None else "screen"
    return failure, confirm_with_retries(client, ticket_id, delivery, wait=pause.wait)


def ticket_data(ctx: KioskContext, t: Ticket, priority_label: str | None, guidance: str = "") -> TicketData:
    """What the printer puts on the ticket `t`, in the kiosk's language now."""
    lang = ctx.lang
    return TicketData(
        center_name=ctx.config.center.name(lang),
        number=t.number,
        service_name=t.service_name(lang) or t.service,
        issued_at=parse_issued_at(t.issued_at, ctx.clock.now()),
        ahead=t.ahead,
        wait_min=t.wait_min,
        wait_max=t.wait_max,
        status_url=absolute_status_url(t, ctx.config.kiosk.queueing_url),
        priority_label=priority_label,
        guidance=guidance,
        language=lang,
    )


def deliver(
    ctx: KioskContext,
    client: QueueingClient | None,
    ticket_id: str,
    data: TicketData,
    done: Callable[[Delivered], object],
) -> None:
    """`print_and_confirm` in the kiosk's worker; `done(result)` on the UI thread, also when the
    client was closed meanwhile or the job failed (then the number stays on screen)."""
    if client is None:
        done(("queueing client closed", False))
        return
    printer, printer_error = ctx.services.printer, ctx.services.printer_error
    job = functools.partial(print_and_confirm, printer, printer_error, client, ticket_id, data)
    ctx.worker.submit(job, done, lambda e: done((f"unexpected: {e}", False)))
