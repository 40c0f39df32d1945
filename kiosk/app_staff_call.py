"""The kiosk app's "Call staff": a kiosk_help alarm in the locker's alarm list, the counter
consoles told, and the panel the citizen sees ("Staff are coming", Cancel). A mixin of
`kiosk.app.KioskApp`."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from kiosk.clients.base import ApiError
from kiosk.screens.registry import HOME
from kiosk.widgets import HelpView

if TYPE_CHECKING:
    from common.clock import Clock
    from kiosk.config import AppConfig
    from kiosk.i18n import Translator
    from kiosk.services import Services
    from kiosk.work import Worker

log = logging.getLogger(__name__)


class StaffCallMixin:
    """Calling staff, cancelling the call, and the help panel's state."""

    # what the app provides (kiosk.app.KioskApp)
    cfg: AppConfig
    services: Services
    worker: Worker
    clock: Clock
    translator: Translator
    hotline: str
    _help_state: str  # "" | calling | coming | limited | failed
    _help_view: HelpView | None
    _help_at: float | None  # monotonic time of the last call
    if TYPE_CHECKING:

        @property
        def current(self) -> str: ...
        def touch_activity(self) -> None: ...
        def say(self, text: str, cut: bool = False) -> bool: ...
        def say_key(self, key: str, cut: bool = False, **fmt: object) -> bool: ...

    def call_help(self) -> None:
        """Ask for a member of staff: report to the locker, show "Staff are coming" with Cancel."""
        self.touch_activity()
        if self._help_state in ("calling", "coming"):
            self._show_help(self._help_state)  # already called: the same panel, no new call
            return
        now = self.clock.monotonic()
        wait = 0.0 if self._help_at is None else self._help_at + self.cfg.kiosk.help_cooldown_s - now
        if wait > 0:
            self._show_help("limited", s=int(wait + 0.999))
            return
        locker = self.services.locker
        if locker is None:
            self._show_help("failed")
            return
        self._help_at = now
        screen = self.current or HOME
        log.info("a citizen called staff from screen %s", screen)
        self._show_help("calling")
        self.worker.submit(
            lambda: locker.report_device("help", "requested", screen), self._help_raised, self._help_failed
        )
        self._tell_counters(screen, "requested")

    def _tell_counters(self, screen: str, state: str) -> None:
        """Best effort: the counter consoles show (or drop) the call; the citizen sees no change."""
        queueing = self.services.queueing
        if queueing is None:
            return
        self.worker.submit(
            lambda: queueing.help(screen, state),
            None,
            lambda err: log.warning("the counter consoles were not told of the call for staff: %s", err),
        )

    def _help_raised(self, _result: object) -> None:
        if self._help_state == "calling":
            self._show_help("coming")

    def _help_failed(self, err: BaseException) -> None:
        log.warning("the call for staff failed: %s", err)
        if isinstance(err, ApiError) and err.status == 429:
            wait = int(float(err.extra.get("retry_after_s", self.cfg.kiosk.help_cooldown_s)))
            self._show_help("limited", s=wait)
        else:
            self._show_help("failed")

    def cancel_help(self) -> None:
        """The citizen cancels the call: the locker clears the alarm."""
        locker = self.services.locker
        if self._help_state in ("calling", "coming") and locker is not None:
            log.info("the citizen cancelled the call for staff")
            screen = self.current
            self.worker.submit(lambda: locker.report_device("help", "ok", screen), None, self._cancel_failed)
            self._tell_counters(screen or HOME, "ok")
        self._help_state = ""
        self.say_key("help.cancelled", cut=True)
        self.close_help()

    def _cancel_failed(self, err: BaseException) -> None:
        log.warning("cancelling the call for staff failed (staff will acknowledge it): %s", err)

    def close_help(self) -> None:
        """Take the panel down (an open call stays open)."""
        if self._help_view is not None:
            self._help_view.dismiss(animation=False)
        if self._help_state in ("limited", "failed"):
            self._help_state = ""

    @property
    def help_state(self) -> str:
        """ "" | calling | coming | limited | failed."""
        return self._help_state

    def _show_help(self, state: str, **fmt: object) -> None:
        self._help_state = state
        if self._help_view is None:
            self._help_view = HelpView()
        view = self._help_view
        view.state = state
        view.message = self.translator.tr(f"help.{state}", hotline=self.hotline, **fmt)
        if view.parent is None:
            view.open(animation=False)
        self.say(view.message, cut=True)
