"""Debounced door state per board and the events it produces (pure: no I/O, clock injected).

The bus feeds every successful status read (`observe`) and every failed one (`miss`); the
tracker decides what subscribers hear:
- a door change is reported after `debounce_reads` consecutive identical reads;
- a door opening within `grace_s` of a pulse on that lock is DOOR_OPENED, otherwise DOOR_FORCED;
- `unreachable_after` consecutive misses make a board BOARD_UNREACHABLE (its doors read
  `unknown`); the next good read reports BOARD_BACK and then any door that changed meanwhile.
The first read of a board only sets the baseline (no door events).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime

from drivers.lockboard.types import BoardStatus, DoorEvent, DoorState, EventKind

log = logging.getLogger(__name__)


@dataclass
class _Door:
    stable: DoorState = DoorState.UNKNOWN
    candidate: DoorState = DoorState.UNKNOWN
    count: int = 0
    commanded_at: float | None = None


@dataclass
class _Board:
    doors: dict[int, _Door] = field(default_factory=dict)
    items: dict[int, bool] = field(default_factory=dict)
    misses: int = 0
    seen: bool = False
    unreachable: bool = False
    read_at: datetime | None = None


class DoorTracker:
    """Debounced door and board state of one bus (see the module docstring). Thread-safe."""

    def __init__(
        self,
        bus: str,
        boards: list[int],
        locks_per_board: int,
        *,
        debounce_reads: int = 2,
        unreachable_after: int = 3,
        grace_s: float = 15.0,
    ) -> None:
        self.bus = bus
        self._locks = locks_per_board
        self._debounce = debounce_reads
        self._unreachable_after = unreachable_after
        self._grace_s = grace_s
        self._lock = threading.Lock()
        self._boards = {b: _Board(doors={n: _Door() for n in range(1, locks_per_board + 1)}) for b in boards}

    def commanded(self, board: int, lock: int, mono: float) -> None:
        """Remember that lock was pulsed at monotonic time `mono` (its opening is expected)."""
        with self._lock:
            b = self._boards.get(board)
            if b and lock in b.doors:
                b.doors[lock].commanded_at = mono

    def observe(self, status: BoardStatus, mono: float, at: datetime) -> list[DoorEvent]:
        """Feed one good read; return the events it causes, in order."""
        events: list[DoorEvent] = []
        with self._lock:
            b = self._boards.get(status.board)
            if b is None:
                return events
            b.misses = 0
            b.read_at = at
            b.items = dict(status.items)
            if b.unreachable:
                b.unreachable = False
                log.info("bus %s board %d: unreachable -> ok", self.bus, status.board)
                events.append(DoorEvent(EventKind.BOARD_BACK, self.bus, status.board, None, at))
            first = not b.seen
            b.seen = True
            for lock, state in status.doors.items():
                door = b.doors.get(lock)
                if door is None or state is DoorState.UNKNOWN:
                    continue
                if first or door.stable is DoorState.UNKNOWN:
                    door.stable, door.count = state, 0
                    continue
                if state is door.stable:
                    door.count = 0
                    continue
                if state is door.candidate:
                    door.count += 1
                else:
                    door.candidate, door.count = state, 1
                if door.count >= self._debounce:
                    events.append(self._change(status.board, lock, door, state, mono, at))
        return events

    def _change(
        self, board: int, lock: int, door: _Door, state: DoorState, mono: float, at: datetime
    ) -> DoorEvent:
        log.info("bus %s board %d lock %d: %s -> %s", self.bus, board, lock, door.stable, state)
        door.stable, door.count = state, 0
        if state is DoorState.CLOSED:
            return DoorEvent(EventKind.DOOR_CLOSED, self.bus, board, lock, at)
        commanded = door.commanded_at is not None and mono - door.commanded_at <= self._grace_s
        door.commanded_at = None
        kind = EventKind.DOOR_OPENED if commanded else EventKind.DOOR_FORCED
        return DoorEvent(kind, self.bus, board, lock, at)

    def miss(self, board: int, at: datetime) -> list[DoorEvent]:
        """Feed one failed read; returns BOARD_UNREACHABLE when the miss budget is spent."""
        with self._lock:
            b = self._boards.get(board)
            if b is None:
                return []
            b.misses += 1
            if not b.unreachable and b.misses >= self._unreachable_after:
                b.unreachable = True
                log.warning("bus %s board %d: ok -> unreachable after %d misses", self.bus, board, b.misses)
                return [DoorEvent(EventKind.BOARD_UNREACHABLE, self.bus, board, None, at)]
        return []

    def status(self, board: int, bus_up: bool = True) -> BoardStatus | None:
        """Debounced status; doors `unknown` while the board is unreachable or the bus is down."""
        with self._lock:
            b = self._boards.get(board)
            if b is None or not b.seen:
                return None
            blind = b.unreachable or not bus_up
            doors = {n: DoorState.UNKNOWN if blind else d.stable for n, d in b.doors.items()}
            return BoardStatus(board, doors, {} if blind else dict(b.items), b.read_at)

    def board_health(self) -> dict[int, str]:
        """ "ok", "unreachable", or "unknown" (not read yet) per board."""
        with self._lock:
            return {
                n: "unreachable" if b.unreachable else ("ok" if b.seen else "unknown")
                for n, b in self._boards.items()
            }
