"""What every screen is constructed with: config, services, worker, clock, and navigation."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import cached_property
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from common.clock import Clock
from kiosk.config import AppConfig
from kiosk.i18n import Translator
from kiosk.services import Services
from kiosk.work import Worker

log = logging.getLogger(__name__)


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

    @cached_property
    def center_tz(self) -> tzinfo | None:
        """The center's time zone ([center] timezone); None (the machine's) if it is unknown."""
        try:
            return ZoneInfo(self.config.center.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("unknown time zone %r in [center] timezone", self.config.center.timezone)
            return None

    def center_time(self, when: datetime, fmt: str = "%d/%m/%Y %H:%M") -> str:
        """`when` as the center's wall-clock time (never the machine's zone if the center has one)."""
        return when.astimezone(self.center_tz).strftime(fmt)
