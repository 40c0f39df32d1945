"""Check a dossier: the receipt's QR code or Code 128 barcode shown to the camera, or the code typed;
the locker daemon answers with the back office's status merged with its own (docs/locker.md,
"Dossier lookup"); the screen says it in plain words, with the promised date, the apology a late
dossier is owed, where to collect, and "Send the code again" while the result waits in the locker.

States: entry -> checking -> result | entry with a message (unknown code, back office down or
slow, too many look-ups). Every call runs on the worker; a late answer for a citizen who left is
dropped (the generation counter), so the screen never freezes and never shows a stale answer.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any, ClassVar

from kivy.properties import BooleanProperty, StringProperty
from kivy.utils import escape_markup

from contracts.dossiers import DOSSIER_CODE_PATTERN, NOT_DONE, CodeResent, DossierAnswer, DossierStatus
from drivers.camera.model import ScanResult
from kiosk.camera_use import ScanSession
from kiosk.clients.base import ApiError, ServiceUnavailable
from kiosk.clients.dossiers import BACKOFFICE_DOWN, DossierLookup
from kiosk.clients.locker_views import parse_time
from kiosk.screens.base import KeyedMessage, KioskScreen
from kiosk.screens.registry import register

log = logging.getLogger(__name__)

ENTRY, CHECKING, RESULT = "entry", "checking", "result"
_CODE = re.compile(DOSSIER_CODE_PATTERN)
#: ServiceUnavailable codes shown as "try again or ask at the counter" (the locker is up; a slow
#: answer is not a reason to put the kiosk out of service)
_TRY_AGAIN = BACKOFFICE_DOWN | {"timeout"}


@register("dossier", kv="dossier.kv", order=16)
class DossierScreen(KeyedMessage, KioskScreen):
    """Lookup by camera or keyboard, then the answer."""

    requires = ("locker",)
    spoken_props: ClassVar[tuple[str, ...]] = ("message", "headline")

    state = StringProperty(ENTRY)
    entry = StringProperty("")
    headline = StringProperty("")  # the status in plain words
    details = StringProperty("")  # the answer's lines (markup)
    details_short = StringProperty("")  # with large text: the lines that matter most
    late = BooleanProperty(False)
    can_resend = BooleanProperty(False)
    busy = BooleanProperty(False)

    def __init__(self, ctx: Any, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self._generation = 0
        self.answer: DossierAnswer | None = None
        self.camera = ScanSession(ctx, self.on_scan, where="dossier")

    def on_language(self, lang: str) -> None:
        self.rerender_message()
        self._render()

    # ----- flow -----
    def prepare(self, **_params: Any) -> None:
        """A fresh entry."""
        self.reset()

    def on_enter(self, *_args: Any) -> None:
        if self.state == ENTRY:
            self.camera.start()  # no camera: typing the code still works

    def on_pre_leave(self, *_args: Any) -> None:
        self.camera.stop()  # before the next screen's on_enter, so it finds the scanner free

    def on_keyboard(self, value: str) -> None:
        """The keyboard changed the entry."""
        self.entry = value
        self.say(None)

    def edit(self) -> None:
        """Back to the keyboard (the message it showed instead is done with)."""
        if not self.busy and self.state == ENTRY:
            self.say(None)

    def on_scan(self, result: ScanResult) -> None:
        """A QR code or barcode was read (UI thread): a dossier receipt is looked up at once."""
        if self.busy or self.state != ENTRY:
            return
        if result.kind == "dossier" and result.dossier is not None:
            self.ctx.nav.play_voice("beep")
            self.entry = result.dossier.dossier_code
            self.submit()
        else:
            self.say("dossier.not_receipt", "error")

    def submit(self) -> None:
        """Look the entered code up."""
        code = self.entry.strip()
        if not _CODE.match(code):
            self.say("dossier.bad_code", "error")
            return
        locker = self.ctx.services.locker
        if self.busy or locker is None:
            return
        self.busy = True
        self.state = CHECKING
        self.say("dossier.checking")
        gen = self._generation
        self.ctx.worker.submit(
            lambda: DossierLookup(locker).lookup(code),
            lambda answer: self._answered(gen, answer),
            lambda err: self._failed(gen, code, err),
        )

    def _answered(self, gen: int, answer: DossierAnswer) -> None:
        if gen != self._generation:
            return
        self.busy = False
        self.camera.stop()
        self.answer = answer
        self.can_resend = answer.can_resend
        self.state = RESULT
        self.say(None)
        self._render()

    def _failed(self, gen: int, code: str, err: BaseException) -> None:
        if gen != self._generation:
            return
        self.busy = False
        self.state = ENTRY
        if isinstance(err, ServiceUnavailable) and err.code not in _TRY_AGAIN:
            self.ctx.nav.service_failed("locker", err)
            return
        self._say_error(err, code)

    def _say_error(self, err: BaseException, code: str) -> None:
        status = err.status if isinstance(err, ApiError) else None
        kind = err.code if isinstance(err, ApiError | ServiceUnavailable) else ""
        if kind in _TRY_AGAIN:
            self.say("dossier.unavailable", "error")
        elif kind == "dossier_unknown":
            self.say("dossier.unknown", "error", code=code)
        elif kind == "invalid_request":
            self.say("dossier.bad_code", "error")
        elif status == 429 and isinstance(err, ApiError):
            self.say("dossier.too_many", "error", s=err.extra.get("retry_after_s", 60))
        else:
            log.warning("dossier lookup failed: %r", err)
            self.say("common.unexpected", "error")

    def resend(self) -> None:
        """Send the pickup code again (the result waits in the locker)."""
        locker = self.ctx.services.locker
        answer = self.answer
        if self.busy or locker is None or answer is None or not self.can_resend:
            return
        self.busy = True
        self.say("dossier.resending")
        gen = self._generation
        code = answer.dossier_code
        self.ctx.worker.submit(
            lambda: DossierLookup(locker).resend(code),
            lambda sent: self._resent(gen, sent),
            lambda err: self._resend_failed(gen, err),
        )

    def _resent(self, gen: int, sent: CodeResent) -> None:
        if gen != self._generation:
            return
        self.busy = False
        self.can_resend = False
        self.say("dossier.resent", phone=sent.phone_masked)

    def _resend_failed(self, gen: int, err: BaseException) -> None:
        if gen != self._generation:
            return
        self.busy = False
        self.can_resend = False
        if isinstance(err, ServiceUnavailable) and err.code not in _TRY_AGAIN:
            self.ctx.nav.service_failed("locker", err)
            return
        code = err.code if isinstance(err, ApiError) else ""
        if code == "resend_too_soon" and isinstance(err, ApiError):
            when = parse_time(err.extra.get("next_resend_at"))
            self.say("dossier.resend_too_soon", "error", when=self._when(when) if when else "")
        elif code == "resend_not_possible":
            self.say("dossier.resend_refused", "error")
        else:
            self._say_error(err, self.answer.dossier_code if self.answer else "")

    def another(self) -> None:
        """Look up another dossier."""
        self.reset()
        self.camera.start()

    def back(self) -> None:
        """Home."""
        self.ctx.nav.go_home()

    # ----- the answer in plain words -----
    def _when(self, when: datetime, fmt: str = "%H:%M %d/%m/%Y") -> str:
        return self.ctx.center_time(when, fmt)

    def _date(self, iso: str | None) -> str:
        when = parse_time(iso)
        return self._when(when, "%d/%m/%Y") if when else ""

    def _render(self) -> None:
        a = self.answer
        if a is None:
            self.headline = self.details = self.details_short = ""
            self.late = self.can_resend = False
            return
        self.headline = self.tr(f"dossier.status.{a.status.value}")
        self.late = a.late
        # what the citizen came for first (large text may scroll the rest); the back office's
        # words go into a markup label: their brackets are drawn, never read
        lines = []
        if a.missing:
            lines.append("[b]" + self.tr("dossier.missing", missing=escape_markup(a.missing)) + "[/b]")
        due = self.tr("dossier.due_on", date=self._date(a.due_at)) if a.due_at else ""
        if due and a.status in NOT_DONE | {DossierStatus.SUPPLEMENT_REQUESTED}:
            lines.append(due)
        if a.status.value != "returned":
            lines.append("[b]" + self.tr(f"dossier.collect.{a.collect_at.value}") + "[/b]")
        if a.in_locker:
            since, until = parse_time(a.waiting_since), parse_time(a.pickup_until)
            lines.append(
                self.tr(
                    "dossier.in_locker",
                    compartment=escape_markup(a.compartment or ""),
                    since=self._when(since) if since else "",
                    until=self._when(until) if until else "",
                )
            )
        if a.partial:
            lines.append(self.tr("dossier.partial"))
        self.details_short = "\n".join(lines)
        if due and a.status is DossierStatus.DONE_WAITING:  # a done result: the date matters less
            lines.append(due)
        lines.append(self.tr("dossier.code_line", code=escape_markup(a.dossier_code)))
        if a.procedure:
            lines.append(self.tr("dossier.procedure_line", procedure=escape_markup(a.procedure)))
        if a.citizen_name_masked:
            lines.append(self.tr("dossier.name_line", name=escape_markup(a.citizen_name_masked)))
        if a.received_at:
            lines.append(self.tr("dossier.received_on", date=self._date(a.received_at)))
        self.details = "\n".join(lines)

    # ----- reset and screenshots -----
    def reset(self) -> None:
        self._generation += 1
        self.state = ENTRY
        self.entry = ""
        self.busy = False
        self.answer = None
        self.say(None)
        self._render()

    @classmethod
    def demo_states(cls) -> list[str]:
        return ["entry", "received", "in_progress", "supplement_requested", "late", "done_waiting",
                "in_locker", "resent", "returned", "unknown", "unavailable"]  # fmt: skip

    def stage_demo(self, state: str) -> None:
        self.reset()
        if state == "entry":
            self.entry = "000.00.19.H26-26"
            return
        if state in ("unknown", "unavailable"):
            self.entry = "000.00.19.H26-261201-0042"
            self.say("dossier.unknown" if state == "unknown" else "dossier.unavailable", "error",
                      code=self.entry)  # fmt: skip
            return
        now = self.ctx.clock.now()
        if state == "resent":
            self._answered(self._generation, demo_answer("in_locker", now))
            self._resent(self._generation, CodeResent(
                dossier_code="000.00.19.H26-261201-0004", phone_masked="+84*****0001",
                pickup_until=now.isoformat(), next_resend_at=now.isoformat(),
            ))  # fmt: skip
            return
        self._answered(self._generation, demo_answer(state, now))


def demo_answer(state: str, now: datetime) -> DossierAnswer:
    """An invented answer for `state` (screenshots)."""
    from datetime import timedelta

    status = {"late": "in_progress", "in_locker": "done_waiting"}.get(state, state)
    due = now + timedelta(days=-3 if state == "late" else 2)
    in_locker = state == "in_locker"
    return DossierAnswer(
        dossier_code="000.00.19.H26-261201-0004",
        procedure="Chuyển mục đích sử dụng đất" if state == "late" else "Cấp Phiếu lý lịch tư pháp",
        status=status,  # type: ignore[arg-type]
        missing="Bản vẽ mặt bằng có chữ ký của chủ hộ" if state == "supplement_requested" else "",
        received_at=(now - timedelta(days=6)).isoformat(),
        due_at=due.isoformat(),
        late=state == "late",
        collect_at="locker" if in_locker else ("post" if state == "received" else "counter"),  # type: ignore[arg-type]
        citizen_name_masked="H***** V** Em",
        in_locker=in_locker,
        compartment="5" if in_locker else None,
        waiting_since=(now - timedelta(hours=20)).isoformat() if in_locker else None,
        pickup_until=(now + timedelta(days=2)).isoformat() if in_locker else None,
        can_resend=in_locker,
        partial=False,
    )
