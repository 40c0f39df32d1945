"""The simulated cabinet: doors, items, door physics and injectable faults (no I/O).

Shared by the simulator's wire responder (`drivers.lockboard.sim`) and by tests or the locker
daemon's embedded simulated cabinet, which drive it directly through `SimulatorHandle.cabinet`.

Door physics: a pulse opens the door unless the lock is jammed; a simulated person closes it
again `auto_close_s` seconds later (None = never; time from the injected clock, checked on
every access). Sensor bits are produced with the bank's `closed_bit` polarity (inverted per
board by the INVERTED_SENSOR fault). Every pulse is counted (`pulses(board, lock)`) so tests
can prove no lock was pulsed twice.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from common.clock import Clock, SystemClock
from drivers.lockboard.codec import RawStatus, RequestKind

log = logging.getLogger(__name__)


class Fault(enum.StrEnum):
    """Faults the simulator can inject (`SimCabinet.inject`)."""

    NO_REPLY = "no_reply"  # the board stays silent (request still acted on)
    GARBLED_REPLY = "garbled_reply"  # reply with a corrupted checksum byte
    LATE_REPLY = "late_reply"  # reply sent `delay_s` later (after the bus gave up)
    SHORT_REPLY = "short_reply"  # reply cut short by two bytes (noise, wrong baud)
    JAMMED = "jammed"  # pulses do not open this lock's door
    DOOR_FORCED = "door_forced"  # the door opens now with no command
    INVERTED_SENSOR = "inverted_sensor"  # this board's sensors report the opposite polarity
    UNPLUG = "unplug"  # the adapter vanishes (handled by SimulatorHandle)
    REPLUG = "replug"  # the adapter comes back at the same path/port


REPLY_FAULTS = {Fault.NO_REPLY, Fault.GARBLED_REPLY, Fault.LATE_REPLY, Fault.SHORT_REPLY}


@dataclass
class _ReplyFault:
    fault: Fault
    board: int | None
    remaining: int | None  # None = until cleared
    delay_s: float
    kinds: frozenset[RequestKind] | None  # None = every request


@dataclass
class ReplyPlan:
    """What the responder should do with one reply."""

    fault: Fault | None = None
    delay_s: float = 0.0


class SimCabinet:
    """Doors and sensors of the simulated boards. Thread-safe; all locks 1-based."""

    def __init__(
        self,
        boards: list[int],
        locks_per_board: int = 16,
        *,
        closed_bit: int = 1,
        auto_close_s: float | None = 5.0,
        has_items: bool = True,
        clock: Clock | None = None,
    ) -> None:
        self.boards = list(boards)
        self.locks_per_board = locks_per_board
        self.closed_bit = closed_bit
        self.auto_close_s = auto_close_s
        self.has_items = has_items
        self._clock = clock or SystemClock()
        self._cv = threading.Condition()
        self._open: dict[tuple[int, int], bool] = {}
        self._items: dict[tuple[int, int], bool] = {}
        self._close_at: dict[tuple[int, int], float] = {}
        self._jammed: set[tuple[int, int]] = set()
        self._inverted: set[int] = set()
        self._reply_faults: list[_ReplyFault] = []
        self._pulses: Counter[tuple[int, int]] = Counter()
        self.requests: list[tuple[RequestKind, int, int | None]] = []  # wire order, for tests
        self.pulse_ms: dict[int, int] = {}  # Kerong 0x37 settings received, per board
        self.on_transport_fault: Callable[[Fault], None] | None = None  # set by SimulatorHandle

    # ----- driving the cabinet (tests, daemon's simulated cabinet, CLI) -----
    def _key(self, board: int, lock: int) -> tuple[int, int]:
        if board not in self.boards or not 1 <= lock <= self.locks_per_board:
            raise ValueError(f"simulated cabinet has no board {board} lock {lock}")
        return board, lock

    def set_door(self, board: int, lock: int, is_open: bool) -> None:
        """Open or close a door by hand (no command: opening this way is a forced door)."""
        with self._cv:
            key = self._key(board, lock)
            self._open[key] = is_open
            self._close_at.pop(key, None)
            self._cv.notify_all()

    def door_open(self, board: int, lock: int) -> bool:
        """Whether the door is physically open now."""
        with self._cv:
            self._tick()
            return self._open.get(self._key(board, lock), False)

    def set_item(self, board: int, lock: int, present: bool) -> None:
        """Put an item in (True) or take it out of (False) a compartment."""
        with self._cv:
            self._items[self._key(board, lock)] = present
            self._cv.notify_all()

    def pulses(self, board: int, lock: int) -> int:
        """How many unlock pulses this lock has received."""
        with self._cv:
            return self._pulses[(board, lock)]

    def inject(
        self,
        fault: Fault | str,
        board: int | None = None,
        lock: int | None = None,
        count: int | None = None,
        *,
        delay_s: float = 1.0,
        on: list[RequestKind] | None = None,
    ) -> None:
        """Inject a fault.

        Reply faults (NO_REPLY, GARBLED_REPLY, LATE_REPLY, SHORT_REPLY) hit the next `count` replies (None:
        until `clear`) of `board` (None: any board), optionally only for request kinds `on`
        (e.g. [RequestKind.UNLOCK]); LATE_REPLY sends the reply `delay_s` late. JAMMED needs
        board and lock; DOOR_FORCED opens board/lock now; INVERTED_SENSOR flips a board's
        polarity; UNPLUG/REPLUG go to the transport.
        """
        fault = Fault(fault)
        with self._cv:
            if fault in REPLY_FAULTS:
                kinds = frozenset(on) if on else None
                self._reply_faults.append(_ReplyFault(fault, board, count, delay_s, kinds))
            elif fault is Fault.JAMMED:
                self._jammed.add(self._key(_need(board, fault), _need(lock, fault)))
            elif fault is Fault.DOOR_FORCED:
                self._open[self._key(_need(board, fault), _need(lock, fault))] = True
            elif fault is Fault.INVERTED_SENSOR:
                self._inverted.add(_need(board, fault))
            self._cv.notify_all()
        log.info("simulator: inject %s board=%s lock=%s count=%s", fault.value, board, lock, count)
        if fault in (Fault.UNPLUG, Fault.REPLUG) and self.on_transport_fault is not None:
            self.on_transport_fault(fault)

    def clear(self, fault: Fault | str | None = None) -> None:
        """Remove one kind of fault (None: all). Doors stay as they are."""
        f = Fault(fault) if fault is not None else None
        with self._cv:
            self._reply_faults = [r for r in self._reply_faults if f is not None and r.fault is not f]
            if f in (None, Fault.JAMMED):
                self._jammed.clear()
            if f in (None, Fault.INVERTED_SENSOR):
                self._inverted.clear()

    def wait_for(self, predicate: Callable[[], bool], timeout_s: float) -> bool:
        """Block until `predicate()` is true after some cabinet change (tests); False on timeout."""
        with self._cv:
            return self._cv.wait_for(predicate, timeout=timeout_s)

    # ----- used by the wire responder -----
    def handle(
        self, kind: RequestKind, board: int, lock: int | None, value: int | None = None
    ) -> RawStatus | None:
        """Apply a request from the wire; returns the board's raw status (None: no such board)."""
        with self._cv:
            self.requests.append((kind, board, lock))
            if board not in self.boards:
                self._cv.notify_all()
                return None
            if kind is RequestKind.SET_PULSE and value is not None:
                self.pulse_ms[board] = value
            if kind is RequestKind.UNLOCK and lock is not None and 1 <= lock <= self.locks_per_board:
                self._pulse(board, lock)
            elif kind is RequestKind.UNLOCK_ALL:
                for n in range(1, self.locks_per_board + 1):
                    self._pulse(board, n)
            self._cv.notify_all()
            return self._raw(board)

    def status_all(self) -> list[RawStatus]:
        """Record a Kerong 0x32 and return every board's raw status, in address order."""
        with self._cv:
            self.requests.append((RequestKind.STATUS_ALL_BOARDS, -1, None))
            self._cv.notify_all()
            return [self._raw(board) for board in sorted(self.boards)]

    def reply_plan(self, board: int, kind: RequestKind) -> ReplyPlan:
        """Consume one matching reply fault, if any."""
        with self._cv:
            for rf in self._reply_faults:
                if rf.board not in (None, board) or (rf.kinds is not None and kind not in rf.kinds):
                    continue
                if rf.remaining is not None:
                    rf.remaining -= 1
                    if rf.remaining <= 0:
                        self._reply_faults.remove(rf)
                return ReplyPlan(rf.fault, rf.delay_s)
        return ReplyPlan()

    def _pulse(self, board: int, lock: int) -> None:
        key = (board, lock)
        self._pulses[key] += 1
        if key in self._jammed:
            log.info("simulator: board %d lock %d pulsed but jammed", board, lock)
            return
        self._open[key] = True
        if self.auto_close_s is not None:
            self._close_at[key] = self._clock.monotonic() + self.auto_close_s

    def _tick(self) -> None:
        now = self._clock.monotonic()
        for key, when in list(self._close_at.items()):
            if now >= when:
                self._open[key] = False
                del self._close_at[key]
                self._cv.notify_all()

    def _raw(self, board: int) -> RawStatus:
        self._tick()
        closed = bool(self.closed_bit) ^ (board in self._inverted)
        bits = tuple(
            (not closed) if self._open.get((board, n), False) else closed
            for n in range(1, self.locks_per_board + 1)
        )
        items = None
        if self.has_items:
            items = tuple(self._items.get((board, n), False) for n in range(1, self.locks_per_board + 1))
        return RawStatus(board, bits, items)


def _need(value: int | None, fault: Fault) -> int:
    if value is None:
        raise ValueError(f"fault {fault.value} needs a board (and lock)")
    return value
