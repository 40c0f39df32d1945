"""The cabinet: compartment labels mapped over the buses, door reads, at-most-once pulses.

Every pulse is preceded by an `unlocks` row in state `intent`, committed before the frame
leaves; the row then records what the door did. Nothing here ever re-sends a pulse.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from common.clock import Clock
from drivers.lockboard.doorwatch import QueuedPulse
from drivers.lockboard.types import BusUnavailable, DoorOutcome, DoorState, LockBoardError, LockBus
from locker import audit, unlocks_repo
from locker.config import CompartmentConfig
from locker.domain import UnlockPurpose, UnlockState
from locker.errors import NotFound
from locker.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PulseResult:
    """What one pulse did: `outcome` None means the frame never left (bus down)."""

    unlock_id: int
    outcome: DoorOutcome | None
    error: str = ""

    @property
    def door(self) -> str:
        """The API's door word."""
        return self.outcome.value if self.outcome is not None else "unknown"


class Cabinet:
    """Compartment labels mapped onto bus/board/lock, with pulses and sensor reads."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        compartments: list[CompartmentConfig],
        buses: dict[str, LockBus],
        watch_s: float,
    ) -> None:
        self._store = store
        self._clock = clock
        self.compartments = {c.label: c for c in compartments}
        self.buses = buses
        self._watch_s = watch_s
        self._by_channel = {(c.bus, c.board, c.lock): c.label for c in compartments}

    def get(self, label: str) -> CompartmentConfig:
        """The compartment, or NotFound naming the label."""
        comp = self.compartments.get(label)
        if comp is None:
            raise NotFound("unknown_compartment", f"there is no compartment {label!r}")
        return comp

    def label_at(self, bus: str, board: int | None, lock: int | None) -> str | None:
        """Which compartment is on this channel (None if none)."""
        if board is None or lock is None:
            return None
        return self._by_channel.get((bus, board, lock))

    def door(self, label: str) -> DoorState:
        """The latest polled door state (no wire traffic)."""
        comp = self.get(label)
        status = self.buses[comp.bus].last_status(comp.board)
        if status is None:
            return DoorState.UNKNOWN
        return status.doors.get(comp.lock, DoorState.UNKNOWN)

    def item(self, label: str) -> bool | None:
        """Item-present sensor from the latest poll (None when unknown or no sensor)."""
        comp = self.get(label)
        if not comp.has_item_sensor:
            return None
        status = self.buses[comp.bus].last_status(comp.board)
        if status is None or comp.lock not in status.items:
            return None
        return status.items[comp.lock]

    def read_live(self, label: str) -> tuple[DoorState, bool | None]:
        """Read the board now (falls back to the last poll if it does not answer)."""
        comp = self.get(label)
        try:
            status = self.buses[comp.bus].read_board(comp.board)
        except LockBoardError:
            return self.door(label), self.item(label)
        item = status.items.get(comp.lock) if comp.has_item_sensor else None
        return status.doors.get(comp.lock, DoorState.UNKNOWN), item

    def pulse(
        self,
        label: str,
        purpose: UnlockPurpose,
        actor: str,
        *,
        deposit_id: str | None = None,
        pickup_id: str | None = None,
        before: Callable[[sqlite3.Connection], None] | None = None,
        after: Callable[[sqlite3.Connection, DoorOutcome | None], object] | None = None,
        **detail: object,
    ) -> PulseResult:
        """Persist the intent (with `before`'s changes, atomically), pulse once, record the outcome.

        The intent is one unit of work for the store's writer; its after-commit step queues the
        door's read-then-pulse on the bus, so the frame can only follow a committed intent. This
        thread then waits for the pulse and watches the door (`LockBus.open_door`), and records
        the outcome (with `after`'s changes) in a second unit.
        """
        comp = self.get(label)
        bus = self.buses[comp.bus]
        now = self._clock.now()

        def intent(conn: sqlite3.Connection) -> int:
            if before is not None:
                before(conn)
            unlock_id = unlocks_repo.insert_intent(conn, label, deposit_id, pickup_id, purpose, actor, now)
            audit.append(
                conn,
                now,
                actor,
                "unlock_intent",
                deposit_id=deposit_id,
                compartment=label,
                unlock_id=unlock_id,
                purpose=purpose.value,
                **detail,
            )
            return unlock_id

        def queue_pulse(unlock_id: int) -> tuple[int, QueuedPulse | Exception]:
            # on the writer thread, right after the COMMIT that holds the intent
            try:
                return unlock_id, bus.queue_read_then_pulse(comp.board, comp.lock)
            except Exception as err:  # noqa: BLE001 - nothing was queued: recorded as not sent
                return unlock_id, err

        unlock_id, queued = self._store.write(intent, then=queue_pulse)
        outcome: DoorOutcome | None
        error = ""
        try:
            if isinstance(queued, Exception):
                raise BusUnavailable(f"bus {comp.bus}: the pulse was not queued ({queued})") from queued
            result = bus.open_door(comp.board, comp.lock, self._watch_s, queued=queued)
            outcome = result.outcome if result.pulse_sent_at is not None else None
        except BusUnavailable as err:
            outcome, error = None, str(err)
        except LockBoardError as err:
            outcome, error = DoorOutcome.UNKNOWN, str(err)
        state = UnlockState.NOT_SENT if outcome is None else UnlockState(outcome.value)
        done = self._clock.now()

        def result_(conn: sqlite3.Connection) -> None:
            unlocks_repo.finish(conn, unlock_id, state, done)
            audit.append(
                conn,
                done,
                actor,
                "unlock_result",
                deposit_id=deposit_id,
                compartment=label,
                unlock_id=unlock_id,
                door=state.value,
                error=error,
            )
            if after is not None:
                after(conn, outcome)  # the outcome's consequences commit with the result (one fsync)

        self._store.write(result_)
        if error:
            log.warning(
                "compartment %s (bus %s board %d lock %d): %s", label, comp.bus, comp.board, comp.lock, error
            )
        return PulseResult(unlock_id, outcome, error)
