"""Take a number, last step: issue the ticket, print it, confirm delivery, show the number.

States: issuing -> printing -> printed | screen (printer failed: number + QR stay on screen),
or error (closed, cap reached, unknown service, …). Back home by itself after
`ticket_home_after_s`. A ticket is confirmed only once the citizen has it (ghost-ticket rule).
"""

from __future__ import annotations

import logging
import uuid
from datetime import date
from typing import Any, ClassVar

from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty

from drivers.printer.model import TicketData
from kiosk.clients.base import ApiError, ServiceUnavailable
from kiosk.clients.queueing import ServiceInfo, Ticket
from kiosk.delivery import Delivered, absolute_status_url, deliver, ticket_data
from kiosk.opening import TICKET_KEYS, closed_sentence, parse_moment
from kiosk.qrtexture import qr_texture
from kiosk.screens.base import KioskScreen
from kiosk.screens.registry import register

log = logging.getLogger(__name__)
WARN_S = 5  # the countdown home is said this many seconds before it fires (speech on)

ISSUING, PRINTING, PRINTED, SCREEN, ERROR = "issuing", "printing", "printed", "screen", "error"


@register("ticket", kv="ticket.kv", order=13)
class TicketScreen(KioskScreen):
    """Shows the ticket; all service and printer calls run in the worker."""

    spoken_props: ClassVar[tuple[str, ...]] = ("message",)  # said when they change (speech on)

    def speech_prompt(self) -> str:
        """The number (read the Vietnamese way), people ahead, the wait, and what to do."""
        if not self.number:
            return self.message or self.tr("speech.ticket")
        return self.spoken_text(self.message)

    def spoken_text(self, value: str) -> str:
        if not self.number:
            return value
        head = self.tr("speech.ticket_number", number=self.number)
        return " ".join(t for t in (head, self.ahead_text, self.wait_text, value) if t)

    requires = ("queueing",)

    state = StringProperty(ISSUING)
    number = StringProperty("")
    service_text = StringProperty("")
    ahead_text = StringProperty("")
    wait_text = StringProperty("")
    priority_text = StringProperty("")
    message = StringProperty("")
    countdown_text = StringProperty("")
    qr = ObjectProperty(None, allownone=True)
    seconds_left = NumericProperty(0)
    error_code = StringProperty("")  # service's code (cap_reached, …) or the message key
    retryable = BooleanProperty(False)  # "try again" (same idempotency key) vs "choose another service"

    def __init__(self, ctx: Any, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.ticket: Ticket | None = None
        self.request: dict[str, Any] = {}
        self.error_code = ""
        self.error_extra: dict[str, Any] = {}
        self.print_failure: str | None = None
        self._key = ""
        self._generation = 0
        self._home_at: float | None = None
        self._tick_ev: Any = None

    # ----- flow -----
    def prepare(self, **params: Any) -> None:
        """`service`, `priority`, `auto_priority`, `id_hash`, `birth_date`: issue the ticket."""
        self._clear()
        self.request = dict(params)
        self._key = uuid.uuid4().hex  # one key per citizen request: a retry returns the same ticket
        self._issue()

    def retry(self) -> None:
        """After a generic error: try again with the same idempotency key."""
        if self.state == ERROR and self.request:
            self._issue()

    def _issue(self) -> None:
        client = self.ctx.services.queueing
        service: ServiceInfo | None = self.request.get("service")
        if client is None or service is None:
            self._error("ticket.err_generic")
            return
        self.state = ISSUING
        self.message = self.tr("ticket.issuing")
        gen = self._generation
        birth: date | None = self.request.get("birth_date")
        self.ctx.worker.submit(
            lambda: client.take_ticket(
                service.code,
                priority=self.request.get("priority"),
                id_hash=self.request.get("id_hash"),
                birth_date=birth,
                idempotency_key=self._key,
            ),
            lambda t: self._issued(gen, t),
            lambda e: self._issue_failed(gen, e),
        )

    def _issued(self, gen: int, ticket: Ticket) -> None:
        client = self.ctx.services.queueing
        if gen != self._generation:
            # the citizen left (idle timeout) before the number came: never leave a ghost ticket
            log.info("ticket %s arrived after the screen was reset: voiding it", ticket.number)
            if client is not None:
                self.ctx.worker.submit(
                    lambda: client.void(ticket.ticket_id),
                    None,
                    lambda e: log.warning("void %s failed: %s", ticket.ticket_id, e),
                )
            return
        self.ticket = ticket
        self.number = ticket.number
        self._render_ticket()
        self.state = PRINTING
        self.message = self.tr("ticket.printing")
        self.ctx.nav.play_voice("ticket")
        data = self._ticket_data(ticket)
        deliver(self.ctx, client, ticket.ticket_id, data, lambda r: self._delivered(gen, r))

    def _delivered(self, gen: int, result: Delivered) -> None:
        if gen != self._generation or self.ticket is None:
            return
        failure, confirmed = result
        self.print_failure = failure
        if failure is None:
            self.state = PRINTED
            self.message = self.tr("ticket.printed")
        else:
            self.state = SCREEN
            self.qr = qr_texture(absolute_status_url(self.ticket, self.ctx.config.kiosk.queueing_url))
            self.message = self.tr("ticket.print_failed")
        if not confirmed:
            log.error("ticket %s shown but not confirmed", self.ticket.number)
        # photographing a QR takes longer than taking a printed ticket
        home_after = self.ctx.config.kiosk.ticket_home_after_s
        self._start_countdown(home_after * 2 if failure is not None else home_after)

    def _issue_failed(self, gen: int, err: BaseException) -> None:
        if gen != self._generation:
            return
        if isinstance(err, ServiceUnavailable):
            self.ctx.nav.service_failed("queueing", err)
            return
        if isinstance(err, ApiError):
            self.error_extra = err.extra
            key = {
                "service_closed": "ticket.err_closed",  # worded by `_error_text` from the extras
                "cap_reached": "ticket.err_cap",
                "numbers_exhausted": "ticket.err_numbers_exhausted",
                "unknown_service": "ticket.err_unknown_service",
            }.get(err.code, "ticket.err_generic")
            log.warning("ticket refused: %s (%s)", err.code, err.message)
            self._error(key, code=err.code)
            return
        log.error("ticket request failed: %r", err)
        self._error("ticket.err_generic")

    def _error(self, key: str, code: str = "") -> None:
        self.error_code = code or key
        self.retryable = key == "ticket.err_generic"
        self._error_key = key
        self.state = ERROR
        self.message = self._error_text()
        self._start_countdown(self.ctx.config.kiosk.message_home_after_s)

    def _error_text(self) -> str:
        """The error message in the current language; a closed service says when it opens next
        (the service's `opens_next_at`, or today's `opens_at` from an older service)."""
        key = getattr(self, "_error_key", "ticket.err_generic")
        if key != "ticket.err_closed":
            return self.tr(key)
        moment = parse_moment(self.error_extra.get("opens_next_at"))
        if moment is None and self.error_extra.get("opens_at"):
            return self.tr(key, opens_at=self.error_extra["opens_at"])
        return closed_sentence(self.tr, moment, self.ctx.clock.now(), TICKET_KEYS)

    # ----- countdown home -----
    def _start_countdown(self, seconds: float | None = None) -> None:
        secs = seconds if seconds is not None else self.ctx.config.kiosk.ticket_home_after_s
        secs = self.timeout_s(secs)
        self._warned = False
        self._home_at = self.ctx.clock.monotonic() + secs
        if self._tick_ev is None:
            self._tick_ev = Clock.schedule_interval(lambda _dt: self.tick(), 0.5)
        self.tick()

    def tick(self) -> None:
        """Update the countdown; go home when it reaches zero."""
        if self._home_at is None:
            return
        left = max(0, int(round(self._home_at - self.ctx.clock.monotonic())))
        self.seconds_left = left
        self.countdown_text = self.tr("ticket.home_in", s=left)
        if 0 < left <= WARN_S and not getattr(self, "_warned", False):
            self._warned = True  # the countdown is on screen; with speech on it is said too
            self.warn_timeout(left)
        if left <= 0 and self.manager is not None and self.manager.current == self.name:
            self.ctx.nav.go_home()

    def done(self) -> None:
        """The citizen tapped "Done"."""
        self.ctx.nav.go_home()

    # ----- rendering -----
    def _render_ticket(self) -> None:
        t = self.ticket
        if t is None:
            return
        lang = self.ctx.lang
        name = t.service_name(lang) or (
            self.request["service"].name(lang) if self.request.get("service") else ""
        )
        self.service_text = self.tr("ticket.service", name=name)
        self.ahead_text = self.tr("ticket.ahead", n=t.ahead) if t.ahead else self.tr("ticket.ahead_none")
        self.wait_text = (
            self.tr("ticket.wait", lo=t.wait_min, hi=t.wait_max)
            if t.wait_min is not None and t.wait_max is not None
            else self.tr("ticket.wait_unknown")
        )
        pr = self.request.get("priority")
        self.priority_text = self.tr("ticket.priority", name=self._priority_name(pr)) if pr else ""

    def _priority_name(self, code: str) -> str:
        prio = (
            self.manager.get_screen("priority")
            if self.manager and self.manager.has_screen("priority")
            else None
        )
        for p in getattr(prio, "priorities", []) or []:
            if p.code == code:
                return str(p.name(self.ctx.lang))
        if code == "elderly":
            return self.tr("priority.elderly")
        return code

    def _ticket_data(self, t: Ticket) -> TicketData:
        pr = self.request.get("priority")
        return ticket_data(self.ctx, t, self._priority_name(pr) if pr else None)

    def on_language(self, lang: str) -> None:
        self._render_ticket()
        msg_key = {
            ISSUING: "ticket.issuing",
            PRINTING: "ticket.printing",
            PRINTED: "ticket.printed",
            SCREEN: "ticket.print_failed",
        }.get(self.state)
        if msg_key:
            self.message = self.tr(msg_key)
        elif self.state == ERROR:
            self.message = self._error_text()
        self.tick()

    # ----- reset -----
    def _clear(self) -> None:
        self._generation += 1
        if self._tick_ev is not None:
            self._tick_ev.cancel()
            self._tick_ev = None
        self._home_at = None
        self.ticket = None
        self.request = {}
        self.error_code = ""
        self.retryable = False
        self.error_extra = {}
        self.print_failure = None
        self.state = ISSUING
        self.number = self.service_text = self.ahead_text = self.wait_text = ""
        self.priority_text = self.message = self.countdown_text = ""
        self.qr = None

    def reset(self) -> None:
        self._clear()

    @classmethod
    def demo_states(cls) -> list[str]:
        return ["printed", "printer_failed", "closed", "numbers_exhausted"]

    def _demo_next_morning(self) -> str:
        """Tomorrow 07:30 in UTC+7, as a service's `opens_next_at` (screenshots only)."""
        from datetime import timedelta, timezone

        local = self.ctx.clock.now().astimezone(timezone(timedelta(hours=7))) + timedelta(days=1)
        return f"{local.date().isoformat()}T07:30+07:00"

    def stage_demo(self, state: str) -> None:
        from kiosk.screens.services import DEMO_SERVICES

        self._clear()
        self.request = {"service": DEMO_SERVICES[1], "priority": None}
        if state == "printer_failed":
            # the longest case: a priority line and the two-line printer message under the number
            from kiosk.screens.priority import DEMO_PRIORITIES

            screen = getattr(self.ctx.nav, "screen", None)  # builds it if not built yet
            if screen is not None and self.ctx.nav.has_screen("priority"):
                screen("priority").priorities = list(DEMO_PRIORITIES)
            self.request["priority"] = "pregnant"
        if state == "closed":
            self.error_extra = {"opens_at": None, "opens_next_at": self._demo_next_morning()}
            self._error("ticket.err_closed", code="service_closed")
            return
        if state == "numbers_exhausted":
            self._error("ticket.err_numbers_exhausted", code="numbers_exhausted")
            return
        self.ticket = Ticket(
            "demo",
            "B012",
            "land",
            DEMO_SERVICES[1].name_vi,
            DEMO_SERVICES[1].name_en,
            None,
            7,
            15,
            25,
            "http://127.0.0.1:8720/t/demo",
            "2026-01-05T08:00:00+00:00",
            "waiting",
        )
        self.number = self.ticket.number
        self._render_ticket()
        self._delivered(self._generation, (None if state == "printed" else "paper_out", True))
