"""What the queue's parts (issuing, estimates, ticket states, the sweep, appointments) share,
built once by `queueing.service.QueueService`.

Each part takes one `Wiring` instead of the same constructor arguments, the shape of
`locker.wiring`: the config (the live catalogue: `queueing.catalogue.LiveCatalogue` updates this
same object in place), the store (whose `on_commit_events` are the after-commit hooks: the
boards' streams, the booked load) and the clock, plus the readings every part takes from them
(the time, the local day, a service's config and whether it is open now).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from common.clock import Clock
from queueing import domain, texts
from queueing.config import QueueingConfig, ServiceConfig
from queueing.errors import QueueError
from queueing.store import Store


@dataclass
class Wiring:
    """The shared dependencies of the queue's parts, and the time and service rules they read.

    Parts read `clock` here at each use (never a copy), so a test that sets
    `QueueService.clock` moves every part's time at once.
    """

    config: QueueingConfig
    store: Store
    clock: Clock
    tz: ZoneInfo = field(init=False)

    def __post_init__(self) -> None:
        self.tz = ZoneInfo(self.config.timezone)

    def now_ts(self) -> float:
        """Wall time as epoch seconds."""
        return self.clock.now().timestamp()

    def local_now(self) -> datetime:
        """Wall time in the center's time zone."""
        return self.clock.now().astimezone(self.tz)

    def today(self) -> str:
        """The local day (numbers restart every day)."""
        return self.local_now().date().isoformat()

    def service_or_404(self, code: str) -> ServiceConfig:
        """The configured service, or a 404 naming the known ones."""
        svc = self.config.service(code)
        if svc is None:
            known = ", ".join(s.code for s in self.config.services)
            raise QueueError(
                404, "unknown_service", texts.say("unknown_service", code=code, known=known), service=code
            )
        return svc

    def opening(self, svc: ServiceConfig) -> domain.Opening:
        """Open now? (always, with `open_all_hours`: the simulated center)"""
        if self.config.open_all_hours:
            return domain.Opening(True, None)
        hours = svc.hours or self.config.hours
        return domain.opening_at(
            hours, self.local_now(), svc.last_ticket_before_close_min, frozenset(self.config.holidays)
        )

    def next_opening_at(self, svc: ServiceConfig) -> datetime | None:
        """When the service next opens (aware, in the center's time zone), or None (no hours)."""
        nxt = domain.next_opening(
            svc.hours or self.config.hours, self.local_now(), frozenset(self.config.holidays)
        )
        return nxt.replace(tzinfo=self.tz) if nxt else None


class Part:
    """Base of the queue's parts: the wiring and its most used members as attributes."""

    def __init__(self, wiring: Wiring) -> None:
        self.w = wiring
        self.config = wiring.config
        self.store = wiring.store
        self.tz = wiring.tz
