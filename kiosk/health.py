"""Polls each service's /api/v1/health off the UI thread and reports up/down changes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from kiosk.clients.base import ServiceError
from kiosk.work import Worker

log = logging.getLogger(__name__)


class HealthMonitor:
    """Keeps `up[name]` for each service; calls `on_change(name, up)` on the UI thread."""

    def __init__(
        self, targets: dict[str, Any], worker: Worker, on_change: Callable[[str, bool], None]
    ) -> None:
        self._targets = targets
        self._worker = worker
        self._on_change = on_change
        self.up: dict[str, bool] = dict.fromkeys(targets, True)
        self._in_flight: set[str] = set()

    def is_up(self, name: str) -> bool:
        """Last known state (unknown services count as up)."""
        return self.up.get(name, True)

    def poll(self) -> None:
        """Start one health call per service (skipping those still in flight)."""
        for name, client in self._targets.items():
            if name in self._in_flight:
                continue
            self._in_flight.add(name)
            self._worker.submit(client.health, partial(self._ok, name), partial(self._failed, name))

    def _ok(self, name: str, _body: object) -> None:
        self._result(name, True)

    def _failed(self, name: str, err: BaseException) -> None:
        if not isinstance(err, ServiceError):
            log.warning("health check of %s failed unexpectedly: %r", name, err)
        self._result(name, False)

    def _result(self, name: str, up: bool) -> None:
        self._in_flight.discard(name)
        self.report(name, up)

    def report(self, name: str, up: bool) -> None:
        """Record a state learnt elsewhere (e.g. a failed call) and notify on change."""
        old = self.up.get(name, True)
        self.up[name] = up
        if old != up:
            log.warning("service %s: %s -> %s", name, "up" if old else "down", "up" if up else "down")
            self._on_change(name, up)
