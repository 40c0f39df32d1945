"""What every staff screen shares: the session on the locker client, sign-out on idle, errors, rows.

Not a registered screen itself. A staff session lives on `services.locker.staff`; any staff
screen's `reset()` (idle timeout, going home, out-of-service) signs it out, so an abandoned
kiosk never stays signed in. A call refused because the session ended goes back to sign-in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kivy.metrics import dp, sp
from kivy.properties import BooleanProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from kiosk import theme
from kiosk.clients.base import ApiError, ServiceUnavailable
from kiosk.clients.locker import LockerClient, NotSignedIn
from kiosk.clients.locker_views import StaffSession
from kiosk.context import KioskContext
from kiosk.screens.base import KeyedMessage, KioskScreen
from kiosk.widgets.common import BigButton

log = logging.getLogger(__name__)

LOGIN = "staff_login"
MENU = "staff_menu"


def end_staff_session(ctx: KioskContext) -> None:
    """Sign out whoever is signed in: forget the token now, tell the daemon in a worker."""
    client = ctx.services.locker
    if client is None or getattr(client, "staff", None) is None:
        return
    session = client.forget_staff()
    if session is not None:
        log.info("ending the staff session of %s", session.staff_id)
        ctx.worker.submit(lambda: client.revoke(session))


class StaffScreen(KeyedMessage, KioskScreen):
    """Base of the staff screens: `client`, `session`, message handling and failure routing."""

    requires = ("locker",)

    def __init__(self, ctx: Any, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)

    @property
    def client(self) -> LockerClient:
        """The locker client (screens are only reachable when it exists)."""
        client = self.ctx.services.locker
        assert client is not None, "staff screens need services.locker"
        return client  # type: ignore[no-any-return]

    @property
    def session(self) -> StaffSession | None:
        """The signed-in staff member, if any."""
        client = self.ctx.services.locker
        return getattr(client, "staff", None) if client is not None else None

    def reset(self) -> None:
        """Forget what was entered and sign out (idle timeout / home)."""
        self.say(None)
        end_staff_session(self.ctx)

    def on_language(self, lang: str) -> None:
        self.rerender_message()

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], Any],
        on_error: Callable[[BaseException], bool] | None = None,
    ) -> None:
        """Run `fn` in a worker; errors go to `on_error` first (True = handled), else `failed`."""
        self.ctx.nav.touch_activity()

        def err(e: BaseException) -> None:
            if on_error is not None and on_error(e):
                return
            self.failed(e)

        self.ctx.worker.submit(fn, on_done, err)

    def failed(self, err: BaseException) -> None:
        """Common failure handling: out-of-service, session ended, supervisor-only, else the reason."""
        if isinstance(err, ServiceUnavailable):
            self.ctx.nav.service_failed("locker", err)
        elif isinstance(err, NotSignedIn):
            self.ctx.nav.go(LOGIN, message="staff.session_ended")
        elif isinstance(err, ApiError) and err.status == 403:
            self.say("staff.forbidden", "error")
        elif isinstance(err, ApiError):
            log.info("staff action refused: %s %s", err.code, err.message)
            self.say("staff.error", "error", why=err.message or err.code)
        else:
            log.error("staff action failed: %s", err, exc_info=err)
            self.say("common.unexpected", "error")

    def to_menu(self) -> None:
        """Back to the staff menu (or sign-in if the session is gone)."""
        self.ctx.nav.go(MENU if self.session is not None else LOGIN)


class StaffPanel(BoxLayout):
    """A box that can be hidden in kv (`shown: ...`): when hidden it takes no touches, so its
    (disabled, zero-height) children never swallow taps meant for the visible panel they overlap."""

    shown = BooleanProperty(True)

    def on_touch_down(self, touch: Any) -> bool:
        return bool(super().on_touch_down(touch)) if self.shown else False

    def on_touch_move(self, touch: Any) -> bool:
        return bool(super().on_touch_move(touch)) if self.shown else False

    def on_touch_up(self, touch: Any) -> bool:
        return bool(super().on_touch_up(touch)) if self.shown else False


def make_row(text: str, buttons: list[tuple[str, str, Callable[[], None], str]]) -> BoxLayout:
    """A list row: wrapping text and big action buttons `(text, kind, callback, test_id)`."""
    row = BoxLayout(size_hint_y=None, height=theme.touch_min() + dp(12), spacing=dp(12), padding=(0, dp(6)))
    lbl = Label(text=text, font_size=sp(24), color=theme.TEXT, halign="left", valign="middle")
    lbl.bind(size=lambda w, _s: setattr(w, "text_size", w.size))
    row.add_widget(lbl)
    for btn_text, kind, cb, test_id in buttons:
        btn = BigButton(text=btn_text, kind=kind, font_size=sp(24), size_hint_x=None, width=dp(220))
        btn.test_id = test_id  # type: ignore[attr-defined]
        btn.bind(on_release=lambda *_a, f=cb: f())
        row.add_widget(btn)
    return row


def find_button(container: Any, test_id: str) -> BigButton:
    """The row button with `test_id` inside `container` (tests tap it)."""
    for w in container.walk(restrict=True):
        if getattr(w, "test_id", None) == test_id:
            return w  # type: ignore[no-any-return]
    raise KeyError(test_id)
