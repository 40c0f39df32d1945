"""Check in for an appointment: the 6-digit code from the booking page on a big keypad, or the
booking's QR or the ID card (when given at booking) shown to the camera; then the ticket is
printed and confirmed like any other (the ghost-ticket rule) and called at its slot.

States: entry -> checking -> printing -> printed | screen (printer failed: the number stays on
screen), or refused (too early: come back from …; too late: take a normal number; unknown code).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from drivers.camera.model import ScanResult
from kiosk.camera_use import ScanSession
from kiosk.clients.base import ApiError, ServiceUnavailable
from kiosk.clients.queueing import CheckedIn, Ticket
from kiosk.delivery import Delivered, deliver, ticket_data
from kiosk.screens.base import KeyedMessage, KioskScreen
from kiosk.screens.registry import register

log = logging.getLogger(__name__)

CODE_DIGITS = 6
ENTRY, CHECKING, PRINTING = "entry", "checking", "printing"
PRINTED, SCREEN, REFUSED = "printed", "screen", "refused"


def hhmm(iso: str) -> str:
    """'2026-01-05T09:40+07:00' -> '09:40' (the center's time, read as written)."""
    return iso[11:16] if len(iso) >= 16 else iso


def day_month(iso: str) -> str:
    """'2026-01-05T09:40+07:00' -> '05/01'."""
    return f"{iso[8:10]}/{iso[5:7]}" if len(iso) >= 10 else ""


@register("checkin", kv="checkin.kv", order=14)
class CheckInScreen(KeyedMessage, KioskScreen):
    """Code entry; the service checks the window and issues the ticket; we print and confirm it."""

    requires = ("queueing",)

    state = StringProperty(ENTRY)
    entry = StringProperty("")
    number = StringProperty("")
    busy = BooleanProperty(False)
    too_late = BooleanProperty(False)  # offer a normal number

    def __init__(self, ctx: Any, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self._generation = 0
        self.checked: CheckedIn | None = None
        self.camera = ScanSession(ctx, self.on_scan, where="checkin")

    def on_language(self, lang: str) -> None:
        self.rerender_message()

    # ----- flow -----
    def prepare(self, **_params: Any) -> None:
        """A fresh entry."""
        self.reset()

    def on_keypad(self, value: str) -> None:
        """The keypad changed the entry."""
        self.entry = value
        if self.state == REFUSED:
            self.state = ENTRY
            self.too_late = False
        self.say(None)

    def on_enter(self, *_args: Any) -> None:
        self.camera.start()  # no camera: typing the code still works

    def on_pre_leave(self, *_args: Any) -> None:
        self.camera.stop()  # before the next screen's on_enter, so it finds the scanner free

    def on_scan(self, result: ScanResult) -> None:
        """A QR was read (UI thread): the booking's QR, or an ID card given at booking."""
        if self.busy or self.number:
            return
        if result.kind == "appointment" and result.appointment_code:
            self.entry = result.appointment_code
            self.submit()
        elif result.kind == "cccd" and result.cccd is not None:
            self._send(id_hash=result.cccd.id_hash)
        else:
            self.say("checkin.not_booking_qr", "error")

    def submit(self) -> None:
        """Check the typed code in."""
        if len(self.entry) != CODE_DIGITS:
            self.say("checkin.too_short", "error")
            return
        self._send(code=self.entry)

    def _send(self, code: str | None = None, id_hash: str | None = None) -> None:
        client = self.ctx.services.queueing
        if self.busy or client is None:
            return
        self.busy = True
        self.state = CHECKING
        self.say("checkin.checking")
        gen = self._generation
        self.ctx.worker.submit(
            lambda: client.check_in(code=code, id_hash=id_hash),
            lambda checked: self._checked_in(gen, checked),
            lambda err: self._refused(gen, err),
        )

    def _checked_in(self, gen: int, checked: CheckedIn) -> None:
        client = self.ctx.services.queueing
        ticket = checked.ticket
        if gen != self._generation:  # the citizen left: never leave a ghost ticket
            if client is not None and ticket.state == "pending":
                self.ctx.worker.submit(lambda: client.void(ticket.ticket_id), None, None)
            return
        self.checked = checked
        self.number = ticket.number
        self.state = PRINTING
        self.say("checkin.printing")
        appointment = self.tr("checkin.appointment", time=hhmm(checked.appointment_start))
        data = ticket_data(self.ctx, ticket, appointment, self.tr("ticket.qr_hint"))
        deliver(self.ctx, client, ticket.ticket_id, data, lambda r: self._delivered(gen, r))

    def _delivered(self, gen: int, result: Delivered) -> None:
        if gen != self._generation or self.checked is None:
            return
        failure, confirmed = result
        self.busy = False
        at = hhmm(self.checked.appointment_start)
        if failure is None:
            self.state = PRINTED
            self.say("checkin.printed", time=at)
        else:
            self.state = SCREEN
            self.say("checkin.print_failed", "error", time=at)
        if not confirmed:
            log.error("appointment ticket %s shown but not confirmed", self.number)

    def _refused(self, gen: int, err: BaseException) -> None:
        if gen != self._generation:
            return
        self.busy = False
        self.state = REFUSED
        if isinstance(err, ServiceUnavailable):
            self.ctx.nav.service_failed("queueing", err)
            return
        code = err.code if isinstance(err, ApiError) else ""
        if code == "too_early":
            back = str(err.extra.get("come_back_at", "")) if isinstance(err, ApiError) else ""
            self.say("checkin.too_early", "error", time=hhmm(back), day=day_month(back))
        elif code == "too_late":
            self.too_late = True
            self.say("checkin.too_late", "error")
        elif code in ("unknown_appointment", "invalid_request"):
            self.say("checkin.unknown", "error")
        else:
            log.warning("check-in failed: %r", err)
            self.say("checkin.error", "error")
        if code != "too_early":
            self.entry = ""  # a wrong or used code is typed afresh

    def take_number(self) -> None:
        """Too late: take a normal number instead."""
        self.ctx.nav.go("services")

    def back(self) -> None:
        """Home."""
        self.ctx.nav.go_home()

    # ----- printing -----
    # ----- reset and screenshots -----
    def reset(self) -> None:
        self._generation += 1
        self.state = ENTRY
        self.entry = self.number = ""
        self.busy = self.too_late = False
        self.checked = None
        self.say(None)

    @classmethod
    def demo_states(cls) -> list[str]:
        return ["entry", "printed", "too_early"]

    def stage_demo(self, state: str) -> None:
        self.reset()
        if state == "printed":
            ticket = Ticket(
                "demo", "A021", "ho_tich", "Hộ tịch", "Civil status", None, 2, 5, 10, "/t/demo",
                datetime(2026, 1, 5, 2, 20).isoformat() + "+00:00", "waiting",
            )  # fmt: skip
            self.checked = CheckedIn(ticket, "demo", "2026-01-05T09:40+07:00")
            self.number = ticket.number
            self._delivered(self._generation, (None, True))
        elif state == "too_early":
            self.entry = "482913"
            self.state = REFUSED
            self.say("checkin.too_early", "error", time="09:10", day="05/01")
        else:
            self.entry = "4829"
