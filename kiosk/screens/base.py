"""Base class of every kiosk screen: injected context, reset hook, idle policy, screenshots."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.clients.base import ServiceUnavailable
from kiosk.context import KioskContext

log = logging.getLogger(__name__)


class KioskScreen(Screen):
    """A screen of the kiosk.

    Subclasses set `requires` (services that must answer), override `prepare(**params)` to
    receive what the previous screen passes, `reset()` to forget anything entered, and
    `demo_states()` / `stage_demo(state)` so `make screenshots` can show them without services.
    """

    screen_name: ClassVar[str] = ""
    requires: ClassVar[tuple[str, ...]] = ()
    idle_home: ClassVar[bool] = True  # the idle timeout brings this screen back home
    # text properties whose new values are spoken with speech on (confirmations and errors)
    spoken_props: ClassVar[tuple[str, ...]] = ()

    def __init__(self, ctx: KioskContext, **kwargs: Any) -> None:
        kwargs.setdefault("name", self.screen_name)
        self.ctx = ctx  # before super(): kv rules applied there may already call self.tr()
        super().__init__(**kwargs)
        for prop in self.spoken_props:
            self.fbind(prop, self._spoken_changed)

    @property
    def citizen(self) -> bool:
        """A citizen screen: it carries the accessibility bar (staff screens do not)."""
        return "access" in self.ids

    def timeout_s(self, base_s: float) -> float:
        """A time-out of this screen: longer while speech or large text is on (the app says)."""
        lengthen = getattr(self.ctx.nav, "timeout_s", None)
        return float(lengthen(base_s)) if lengthen is not None else base_s

    def warn_timeout(self, seconds_left: int, show: bool = False) -> None:
        """Say that the screen goes home in `seconds_left` s (speech on); `show`: also put up the
        "need more time?" panel (a touch on it calls `more_time()`), for screens that show no
        countdown of their own."""
        if self.manager is None or self.manager.current != self.name:
            return  # a timer of a screen no longer shown
        warn = getattr(self.ctx.nav, "warn_idle", None)
        if show and warn is not None:
            warn(seconds_left)
            return
        say_key = getattr(self.ctx.nav, "say_key", None)
        if say_key is not None:
            say_key("idle.warning", cut=True, s=seconds_left)

    def more_time(self) -> None:
        """The citizen touched the time-out warning (screens with their own timer restart it)."""

    def speech_prompt(self) -> str:
        """What speech says when the screen is shown (default: the table's `speech.<name>`)."""
        from kiosk.i18n import TABLE

        key = f"speech.{self.name}"
        return self.tr(key) if key in TABLE else ""

    def _spoken_changed(self, _obj: Any, value: str) -> None:
        if not value or self.manager is None or self.manager.current != self.name:
            return
        say = getattr(self.ctx.nav, "say", None)
        if say is not None:
            say(self.spoken_text(value))

    def spoken_text(self, value: str) -> str:
        """What is said when a `spoken_props` text changes to `value` (default: the text)."""
        return value

    def tr(self, key: str, **fmt: object) -> str:
        """Translate `key` in the current language."""
        return self.ctx.tr(key, **fmt)

    def prepare(self, **params: Any) -> None:
        """Called before the screen is shown, with the parameters of `nav.go()`."""

    def reset(self) -> None:
        """Forget everything entered (idle timeout, back to home). Must not raise."""

    def on_language(self, lang: str) -> None:
        """Re-render texts built in Python (kv texts bound to app.lang update themselves)."""

    @classmethod
    def demo_states(cls) -> list[str]:
        """Named states `make screenshots` renders (default: one, "default")."""
        return ["default"]

    def stage_demo(self, state: str) -> None:
        """Fill the screen with invented data for `state` (no service calls)."""


class ButtonListScreen(KioskScreen):
    """A screen showing one big button per entry of a list loaded from a service.

    Subclasses fill `entries()` (what was loaded), `render()` (build the buttons into
    `ids.grid`, tagging each with `entry_code`) and `demo_entries`; a language switch re-renders
    and `make screenshots` shows the demo list under `demo_state`.
    """

    demo_state: ClassVar[str] = "list"
    demo_entries: ClassVar[list[Any]] = []

    def entries(self) -> list[Any]:
        """What is shown (empty before loading)."""
        return []

    def render(self) -> None:
        """Rebuild the buttons."""

    def _loaded(self, entries: list[Any]) -> None:
        """The list arrived (UI thread)."""

    def _failed(self, err: BaseException) -> None:
        """Loading failed (UI thread): a service that does not answer means out-of-service."""
        self.loading = False
        if isinstance(err, ServiceUnavailable):
            self.ctx.nav.service_failed(err.service, err)
            return
        self.load_failed(err)

    def load_failed(self, err: BaseException) -> None:
        """Any other failure: the screen explains it or carries on."""

    def entry_button(self, code: str) -> Any:
        """The button of entry `code` currently shown (tests tap it)."""
        for child in self.ids.grid.children:
            if getattr(child, "entry_code", None) == code:
                return child
        raise KeyError(code)

    def on_language(self, lang: str) -> None:
        if self.entries():
            self.render()

    @classmethod
    def demo_states(cls) -> list[str]:
        return [cls.demo_state]

    def stage_demo(self, state: str) -> None:
        self._loaded(list(self.demo_entries))


class KeyedMessage:
    """A screen's message line kept as its translation key, so a language switch re-renders it.

    Mixed in before `KioskScreen` (Kivy properties on a mixin, as its behaviours do)."""

    message = StringProperty("")
    message_kind = StringProperty("info")  # info | error | ok
    _msg: tuple[str, dict[str, Any]] | None = None

    def say(self, key: str | None, kind: str = "info", **fmt: Any) -> None:
        """Show the translated message `key` (None clears it)."""
        self._msg = (key, fmt) if key else None
        self.message_kind = kind
        self.message = self.tr(key, **fmt) if key else ""  # type: ignore[attr-defined]

    def rerender_message(self) -> None:
        """The message again in the current language (from `on_language`)."""
        if self._msg is not None:
            self.message = self.tr(self._msg[0], **self._msg[1])  # type: ignore[attr-defined]
