"""What the locker's parts (deposits, pickups, custody, monitor) share, built once by the service.

Each part takes one `Wiring` instead of the same six constructor arguments, and `Part` unpacks it
into the attributes every part uses, so adding a shared dependency is a one-place change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from common.clock import Clock
from locker.alarms import Alarms
from locker.cabinet import Cabinet
from locker.codes import CodeBook
from locker.config import LockerConfig
from locker.store import Store


def _nothing() -> None:
    """Default outbox kick: the worker finds new messages at its next poll."""


@dataclass(frozen=True)
class Wiring:
    """The shared dependencies; `kick_outbox` wakes the outbox worker after an enqueue."""

    cfg: LockerConfig
    store: Store
    clock: Clock
    codes: CodeBook
    cabinet: Cabinet
    alarms: Alarms
    kick_outbox: Callable[[], None] = field(default=_nothing)


class Part:
    """Base of the parts: the shared dependencies as private attributes."""

    def __init__(self, wiring: Wiring) -> None:
        self._wiring = wiring
        self._cfg = wiring.cfg
        self._store = wiring.store
        self._clock = wiring.clock
        self._codes = wiring.codes
        self._cabinet = wiring.cabinet
        self._alarms = wiring.alarms
        self._kick = wiring.kick_outbox
        self._tz = ZoneInfo(wiring.cfg.timezone)
