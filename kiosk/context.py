"""What every screen is constructed with: config, services, worker, clock, and navigation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from common.clock import Clock
from kiosk.config import AppConfig
from kiosk.i18n import Translator
from kiosk.services import Services
from kiosk.work import Worker


class Navigator(Protocol):
    """The part of the app screens may call."""

    def go(self, name: str, **params: Any) -> None:
        """Show screen `name` after calling its `prepare(**params)`."""
        ...

    def has_screen(self, name: str) -> bool:
        """Whether a screen called `name` is registered."""
        ...

    def go_home(self) -> None:
        """Reset every screen and show home."""
        ...

    def service_failed(self, service: str, err: BaseException) -> None:
        """A call to `service` failed with ServiceUnavailable: show out-of-service."""
        ...

    def touch_activity(self) -> None:
        """Restart the idle timer (e.g. while a long operation shows progress)."""
        ...

    def play_voice(self, key: str) -> None:
        """Play the voice prompt `key` if voice is enabled."""
        ...


@dataclass
class KioskContext:
    """Injected into every screen's constructor."""

    config: AppConfig
    services: Services
    worker: Worker
    clock: Clock
    translator: Translator
    nav: Navigator

    def tr(self, key: str, **fmt: object) -> str:
        """Translate `key` in the current language."""
        return self.translator.tr(key, **fmt)

    @property
    def lang(self) -> str:
        """Current language code."""
        return self.translator.lang
