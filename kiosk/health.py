"""Polls each service's /api/v1/health off the UI thread and reports up/down changes.

A service that was answering counts as down only after `down_after_failures` polls in a row
failed *and* `down_after_s` seconds passed since its last good answer: one lost poll (a
keep-alive connection closed by the server at the moment the poll went out, a busy second) must
not throw a citizen out of a flow. A failed citizen request (`report(name, False, why)`) counts
at once: it already was retried once by the client, and the citizen is waiting. A service never
heard from since start counts as down on its first failure (there is nothing to be patient
about). Every failed poll is logged with its reason, every change as `old -> new` with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from common.clock import Clock, SystemClock
from kiosk.clients.base import ServiceError

log = logging.getLogger(__name__)


class Submitter(Protocol):
    """What the monitor needs of `kiosk.work.Worker`: run `fn` elsewhere, call back on the UI thread."""

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], Any] | None = None,
        on_error: Callable[[BaseException], Any] | None = None,
    ) -> Any:
        """Run `fn`; hand its result or exception to the callbacks."""
        ...


@dataclass
class _Track:
    """What the monitor knows about one service."""

    up: bool | None = None  # None: not heard from since start
    failures: int = 0  # polls failed in a row
    last_ok: float | None = None  # monotonic time of the last good answer
    last_reason: str = ""


def describe(err: BaseException) -> str:
    """The reason of a failure in words for the log (status and message, no secrets)."""
    if isinstance(err, ServiceError):
        status = f"HTTP {err.status}, " if err.status else ""
        return f"{status}{err.code}: {err.message}"
    return f"{type(err).__name__}: {err}"


class HealthMonitor:
    """Keeps the up/down state of each service; calls `on_change(name, up)` on the UI thread, and
    `on_body(name, body)` with every health answer (its `warnings` reach the staff screens)."""

    def __init__(
        self,
        targets: dict[str, Any],
        worker: Submitter,
        on_change: Callable[[str, bool], None],
        clock: Clock | None = None,
        down_after_failures: int = 3,
        down_after_s: float = 15.0,
        on_body: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> None:
        self._targets = targets
        self._worker = worker
        self._on_change = on_change
        self._on_body = on_body
        self._clock = clock or SystemClock()
        self.down_after_failures = max(1, down_after_failures)
        self.down_after_s = max(0.0, down_after_s)
        self._track: dict[str, _Track] = {name: _Track() for name in targets}
        self._in_flight: set[str] = set()

    @property
    def up(self) -> dict[str, bool]:
        """Current state by service (unknown services count as up)."""
        return {name: self.is_up(name) for name in self._track}

    def is_up(self, name: str) -> bool:
        """Last known state (unknown services count as up)."""
        track = self._track.get(name)
        return True if track is None or track.up is None else track.up

    def poll(self) -> None:
        """Start one health call per service (skipping those still in flight)."""
        for name, client in self._targets.items():
            if name in self._in_flight:
                continue
            self._in_flight.add(name)
            self._worker.submit(client.health, partial(self._ok, name), partial(self._failed, name))

    def _ok(self, name: str, body: object) -> None:
        self._in_flight.discard(name)
        track = self._track.setdefault(name, _Track())
        if track.failures:
            log.info("health poll of %s answers again after %d failed poll(s)", name, track.failures)
        track.failures = 0
        track.last_ok = self._clock.monotonic()
        self._set(name, True, "health check answered")
        if self._on_body is not None:
            self._on_body(name, body if isinstance(body, dict) else {})

    def _failed(self, name: str, err: BaseException) -> None:
        self._in_flight.discard(name)
        if not isinstance(err, ServiceError):
            log.warning("health check of %s failed unexpectedly: %r", name, err)
        track = self._track.setdefault(name, _Track())
        track.failures += 1
        track.last_reason = describe(err)
        now = self._clock.monotonic()
        if track.up is None:
            self._set(name, False, f"no answer since start: {track.last_reason}")
            return
        if not track.up:
            log.info("health poll of %s still failing: %s", name, track.last_reason)
            return
        since_ok = now - track.last_ok if track.last_ok is not None else float("inf")
        if track.failures >= self.down_after_failures and since_ok >= self.down_after_s:
            self._set(
                name,
                False,
                f"{track.failures} polls failed in a row, no answer for {since_ok:.0f} s; "
                f"last: {track.last_reason}",
            )
            return
        log.info(
            "health poll of %s failed (%d of %d before it counts as down): %s",
            name,
            track.failures,
            self.down_after_failures,
            track.last_reason,
        )

    def report(self, name: str, up: bool, reason: str = "") -> None:
        """Record a state learnt elsewhere (a citizen's call failed: down at once)."""
        track = self._track.setdefault(name, _Track())
        if up:
            track.failures = 0
            track.last_ok = self._clock.monotonic()
        else:
            track.last_reason = reason or track.last_reason
        self._set(name, up, reason or ("call answered" if up else "a call failed"))

    def _set(self, name: str, up: bool, reason: str) -> None:
        track = self._track.setdefault(name, _Track())
        old = track.up
        track.up = up
        if old is None and up:
            log.info("service %s: up", name)
            return
        if old == up:
            return
        log.warning(
            "service %s: %s -> %s (%s)",
            name,
            "unknown" if old is None else ("up" if old else "down"),
            "up" if up else "down",
            reason,
        )
        self._on_change(name, up)
