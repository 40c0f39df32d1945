"""The contract between the lock-board drivers and the locker daemon.

The locker daemon (locker/) codes against these types and the `LockBus` protocol only; the
serial implementation lives in drivers/lockboard/bus.py and the simulator in
drivers/lockboard/sim.py. Lock numbers here are always 1-based, as labelled on the cabinet;
codecs translate to the wire numbering.

`DoorState` and `DoorOutcome` are also words of the locker daemon's HTTP contract: `contracts/locker.py`
takes them from here, so this module imports the standard library only (the kiosk loads it with the
contract; tests/contracts/test_contracts_package.py holds it to that).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class Protocol_(enum.StrEnum):
    """Wire protocols we speak (config value `protocol`)."""

    KERONG_CU16 = "kerong-cu16"
    BU_8A = "bu-8a"
    MODBUS_RELAY = "modbus-relay"


class DoorState(enum.StrEnum):
    """What a door sensor says, after applying the bank's polarity setting."""

    OPEN = "open"
    CLOSED = "closed"
    UNKNOWN = "unknown"  # board did not answer, or no sensor


class UnlockAck(enum.StrEnum):
    """What the board said about the unlock frame (not what the door did)."""

    ACKED = "acked"  # board confirmed (echo or status frame)
    NO_ACK_EXPECTED = "no_ack_expected"  # firmware that never answers an unlock
    NO_REPLY = "no_reply"  # reply lost: never re-sent; the door sensor decides


class DoorOutcome(enum.StrEnum):
    """What happened at the door after a pulse: the door, not the ack, decides."""

    OPENED = "opened"  # closed before the pulse, seen open after
    ALREADY_OPEN = "already_open"  # was open before the pulse
    JAMMED = "jammed"  # pulse sent (acked), door still shut after the watch window
    UNKNOWN = "unknown"  # no sensor reply; cannot tell

    @classmethod
    def parse(cls, value: object) -> DoorOutcome:
        """A door value read from an answer; anything unexpected is UNKNOWN."""
        try:
            return cls(str(value))
        except ValueError:
            return cls.UNKNOWN

    @property
    def is_open(self) -> bool:
        """The door was seen open after the pulse: the item can be taken."""
        return self in DOOR_SEEN_OPEN


DOOR_SEEN_OPEN = frozenset({DoorOutcome.OPENED, DoorOutcome.ALREADY_OPEN})
"""After a pulse, the door was seen open: the item can be taken (a pickup is collected). Holds the
plain strings too (a `StrEnum`), so a door word read back from the database is tested the same way."""


@dataclass(frozen=True)
class OpenResult:
    """Result of `LockBus.open_door`: the ack and the observed outcome."""

    board: int
    lock: int
    ack: UnlockAck
    outcome: DoorOutcome
    pulse_sent_at: datetime | None  # None if the frame never left (bus down)


@dataclass(frozen=True)
class BoardStatus:
    """One batched read of a board: door and item-present (IR) state per 1-based lock."""

    board: int
    doors: dict[int, DoorState]
    items: dict[int, bool] = field(default_factory=dict)  # empty when the board has no IR
    read_at: datetime | None = None


class EventKind(enum.StrEnum):
    """Events the bus emits to subscribers (from its polling, debounced)."""

    DOOR_OPENED = "door_opened"
    DOOR_CLOSED = "door_closed"
    DOOR_FORCED = "door_opened_without_command"
    BOARD_UNREACHABLE = "board_unreachable"
    BOARD_BACK = "board_back"
    BUS_DOWN = "bus_down"  # adapter vanished
    BUS_UP = "bus_up"


@dataclass(frozen=True)
class DoorEvent:
    """One event; `lock` is None for board/bus events."""

    kind: EventKind
    bus: str
    board: int | None
    lock: int | None
    at: datetime


EventCallback = Callable[[DoorEvent], None]


class LockBoardError(Exception):
    """Base of the lock-board error tree; messages name the bus and board."""


class FrameError(LockBoardError):
    """A frame failed to decode (checksum, length, echo mismatch)."""


class BusUnavailable(LockBoardError):
    """The serial port cannot be used right now (unplugged, refused)."""


class BusPermissionError(BusUnavailable):
    """Permission denied opening the port: fatal until an installer fixes it."""


class BoardTimeout(LockBoardError):
    """The board did not answer in time."""


class LockBus(Protocol):
    """One serial line with its boards; a single thread owns the port.

    Implementations: drivers.lockboard.bus.SerialLockBus (real serial/pty/socket:// URLs).
    All methods are thread-safe and may block the calling thread (never the bus thread's
    other work); unlocks jump ahead of queued polls.
    """

    name: str

    def open(self) -> None:
        """Open the port and start the bus thread and door polling."""
        ...

    def close(self) -> None:
        """Stop polling and close the port."""
        ...

    def unlock(self, board: int, lock: int) -> UnlockAck:
        """Send exactly one unlock pulse; never re-sent automatically."""
        ...

    def open_door(
        self,
        board: int,
        lock: int,
        watch_s: float = 3.0,
        on_pulse: Callable[[], None] | None = None,
        queued: Callable[[], tuple[BoardStatus | None, UnlockAck, datetime]] | None = None,
    ) -> OpenResult:
        """Read the door, pulse once, then watch the sensor up to `watch_s` to classify.

        `on_pulse`, if given, is called on the caller's thread once the frame has left, before
        the watch (the locker uses it to let other pulses go first). `queued`: the read and
        pulse were already queued with `queue_read_then_pulse`; this waits for them.
        """
        ...

    def queue_read_then_pulse(
        self, board: int, lock: int
    ) -> Callable[[], tuple[BoardStatus | None, UnlockAck, datetime]]:
        """Queue one read-then-pulse without waiting; returns the wait for its result (the
        board's status before the pulse or None, the ack, when the frame left). Raises
        BusUnavailable at once if the bus is down."""
        ...

    def read_board(self, board: int) -> BoardStatus:
        """One batched status read of a board (raises BoardTimeout if it does not answer)."""
        ...

    def last_status(self, board: int) -> BoardStatus | None:
        """The latest polled status (debounced), without touching the wire."""
        ...

    def subscribe(self, callback: EventCallback) -> None:
        """Call `callback` (from the bus thread; keep it quick) for every DoorEvent."""
        ...

    def health(self) -> dict[str, object]:
        """{"bus": name, "connected": bool, "boards": {board: "ok"|"unreachable"}}.

        SerialLockBus adds "state" (connected|reconnecting|failed|closed), "error" (the fatal
        error's message or None), "url", "protocol", and reports a board as "unknown" until it
        has answered once since the bus opened.
        """
        ...
