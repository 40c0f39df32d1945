"""`watch_open`: pulse once, then let the door sensor decide the outcome (used by open_door).

Kept apart from the bus thread: it only calls the bus's public, blocking `read_then_pulse` and
`read_board`, so it runs on the caller's thread and never holds up other requests between reads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from drivers.lockboard.types import (
    BoardStatus,
    BusUnavailable,
    DoorOutcome,
    DoorState,
    LockBoardError,
    OpenResult,
    UnlockAck,
)

log = logging.getLogger(__name__)


class _Bus(Protocol):
    name: str

    def read_board(self, board: int) -> BoardStatus: ...

    def read_then_pulse(self, board: int, lock: int) -> tuple[BoardStatus | None, UnlockAck, datetime]: ...


QueuedPulse = Callable[[], tuple[BoardStatus | None, UnlockAck, datetime]]
"""The wait for a read-then-pulse already queued on the bus (`queue_read_then_pulse`)."""


def watch_open(
    bus: _Bus,
    board: int,
    lock: int,
    watch_s: float,
    interval_s: float,
    stop: threading.Event,
    on_pulse: Callable[[], None] | None = None,
    queued: QueuedPulse | None = None,
) -> OpenResult:
    """Read the door, pulse exactly once, call `on_pulse`, watch the sensor up to `watch_s`
    (see LockBus.open_door). `queued`: the read-then-pulse was queued already; wait for it."""
    try:
        # one bus job: the read cannot queue behind other callers' reads, the pulse follows it
        status, ack, sent_at = queued() if queued is not None else bus.read_then_pulse(board, lock)
    except BusUnavailable as err:
        log.error("%s: unlock of board %d lock %d not sent", err, board, lock)
        return OpenResult(board, lock, UnlockAck.NO_REPLY, DoorOutcome.UNKNOWN, None)
    before = DoorState.UNKNOWN if status is None else status.doors.get(lock, DoorState.UNKNOWN)
    if on_pulse is not None:
        on_pulse()
    if before is DoorState.OPEN:
        return OpenResult(board, lock, ack, DoorOutcome.ALREADY_OPEN, sent_at)
    deadline = time.monotonic() + watch_s
    seen_sensor = False
    while True:
        try:
            state = bus.read_board(board).doors.get(lock, DoorState.UNKNOWN)
            seen_sensor = seen_sensor or state is not DoorState.UNKNOWN
            if state is DoorState.OPEN:
                return OpenResult(board, lock, ack, DoorOutcome.OPENED, sent_at)
        except BusUnavailable:
            break
        except LockBoardError as err:
            log.debug("watch read failed: %s", err)
        if time.monotonic() >= deadline or stop.wait(interval_s):
            break
    outcome = DoorOutcome.JAMMED if seen_sensor else DoorOutcome.UNKNOWN
    log.warning("bus %s board %d lock %d: pulse %s, door %s", bus.name, board, lock, ack, outcome)
    return OpenResult(board, lock, ack, outcome, sent_at)
