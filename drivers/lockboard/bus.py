"""`SerialLockBus`: one thread owns one serial line; the `LockBus` implementation.

How it behaves (what the locker daemon can rely on):
- The port is opened with `serial.serial_for_url` (`/dev/ttyUSB0`, `/dev/serial/by-id/...`,
  `socket://host:port`, a pty path), 8N1 at `config.baud`, exclusively locked.
- One transaction at a time, on the bus thread. Callers block on their own request. Unlocks
  (priority 0) jump ahead of `read_board` calls (priority 1); background polls run only when
  nothing is queued, one board at a time, so an unlock waits for at most one transaction.
- Every reply is parsed for the board (and lock) that was asked; after a timeout or garbage
  the bus waits until the line is quiet (`quiet_ms`, at most `quiet_max_ms`) and flushes input.
- **An unlock frame is written at most once.** A lost or garbled answer gives
  `UnlockAck.NO_REPLY` (or `NO_ACK_EXPECTED` when the bank's boards may stay silent); the door
  sensor decides. A request still queued when the caller gives up is withdrawn, never sent late.
- Polling: each configured board is read every `poll_interval_ms` (an unreachable one every
  `unreachable_poll_interval_ms`, so dead boards do not eat the line); reads feed a `DoorTracker`
  (debounce, forced-open detection, unreachable after `unreachable_after_misses`), whose events
  go to subscribers on the bus thread.
- If the port fails (adapter unplugged, bridge gone) the bus emits BUS_DOWN, fails queued
  requests with `BusUnavailable`, and reopens on a doubling delay (`reconnect_initial_delay_ms`
  .. `reconnect_max_delay_ms`) for `reconnect_fast_attempts` tries, then once per
  `reconnect_slow_interval_ms`: never a tight loop. BUS_UP when it is back.
- Permission denied on the port is fatal: `open()` raises `BusPermissionError` (message says
  how to fix it); if it happens on a reopen, the bus stops in state `failed` and every call
  raises that error.
The injected clock stamps events and statuses and times the commanded-open grace; serial
timeouts use the real monotonic clock. What runs on the bus thread (jobs, polls, events,
reconnects) is `drivers.lockboard.bus_thread.BusThread`; the port's life cycle (states,
reconnect schedule) is `drivers.lockboard.port.PortKeeper`; the byte moving is
`drivers.lockboard.link.SerialLink`.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import serial

from common.clock import Clock, SystemClock
from drivers.lockboard.bus_thread import BusThread
from drivers.lockboard.codec import codec_for
from drivers.lockboard.config import BusConfig
from drivers.lockboard.doorwatch import QueuedPulse, watch_open
from drivers.lockboard.jobs import Job, JobQueue
from drivers.lockboard.link import FrameWritten, SerialLink
from drivers.lockboard.port import BusState, PortKeeper
from drivers.lockboard.tracker import DoorTracker
from drivers.lockboard.types import (
    BoardStatus,
    BusPermissionError,
    BusUnavailable,
    EventCallback,
    OpenResult,
    UnlockAck,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

__all__ = ["BusState", "SerialLockBus", "open_bus"]


class SerialLockBus:
    """A `LockBus` over one serial line (see the module docstring).

    `on_frame_written(frame, perf_counter)` is called on the bus thread right after each frame
    has been written and flushed (the benchmark uses it); `serial_factory` replaces
    `serial.serial_for_url` in tests that need to.
    """

    def __init__(
        self,
        config: BusConfig,
        clock: Clock | None = None,
        *,
        on_frame_written: FrameWritten | None = None,
        serial_factory: Callable[..., serial.SerialBase] | None = None,
    ) -> None:
        self.config = config
        self.name = config.name
        self._clock = clock or SystemClock()
        self._codec = codec_for(config.protocol)
        self._port = PortKeeper(config, on_frame_written=on_frame_written, serial_factory=serial_factory)
        self._tracker = DoorTracker(
            config.name,
            config.boards,
            config.locks_per_board,
            debounce_reads=config.door_debounce_reads,
            unreachable_after=config.unreachable_after_misses,
            grace_s=config.commanded_open_grace_ms / 1000,
        )
        self._queue = JobQueue(config.name)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._worker = BusThread(
            config, self._clock, self._codec, self._port, self._tracker, self._queue, self._stop
        )

    @property
    def _state(self) -> BusState:
        return self._port.state

    # ----- life cycle -----
    def open(self, require_connected: bool = True) -> None:
        """Open the port and start the bus thread.

        Raises BusPermissionError (always fatal) or, when `require_connected`, BusUnavailable
        if the port cannot be opened now. With `require_connected=False` a missing adapter is
        not an error: the bus starts in `reconnecting` and keeps trying (the daemon's choice).
        """
        if self._thread is not None:
            return
        self._stop.clear()
        try:
            self._worker.connect()
        except BusPermissionError:
            raise
        except BusUnavailable as err:
            if require_connected:
                raise
            log.warning("%s; will keep trying", err)
            self._port.set_state(BusState.RECONNECTING)
        self._thread = threading.Thread(target=self._worker.run, name=f"lockbus-{self.name}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the thread, fail queued requests and close the port (idempotent)."""
        self._stop.set()
        self._queue.wake()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self._worker.fail_queued(BusUnavailable(f"bus {self.name}: closed"))
        self._port.close()
        self._port.set_state(BusState.CLOSED)

    def __enter__(self) -> SerialLockBus:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- LockBus API -----
    def unlock(self, board: int, lock: int) -> UnlockAck:
        """Send exactly one unlock pulse and report what the board said (never re-sent)."""
        ack, _sent_at = self.pulse(board, lock)
        return ack

    def pulse(self, board: int, lock: int) -> tuple[UnlockAck, datetime]:
        """Like `unlock`, also returning when the frame was written (clock time).

        Raises BusUnavailable if the frame did not leave (bus down, or withdrawn while queued).
        """
        self._check_lock(board, lock)
        result: tuple[UnlockAck, datetime] = self._submit(Job(True, board, lock), self._unlock_wait_s())
        return result

    def read_then_pulse(self, board: int, lock: int) -> tuple[BoardStatus | None, UnlockAck, datetime]:
        """Read the board, then pulse once, as one job with an unlock's priority: the read cannot
        queue behind other callers' reads, and the pulse follows it on the bus thread directly.

        The status is None if the board did not answer the read (the pulse is still sent; the
        sensor decides afterwards). Raises BusUnavailable if the frame did not leave.
        """
        self._check_lock(board, lock)
        result: tuple[BoardStatus | None, UnlockAck, datetime] = self._submit(
            Job(True, board, lock, read_first=True), self._read_wait_s() + self._unlock_wait_s()
        )
        return result

    def queue_read_then_pulse(self, board: int, lock: int) -> QueuedPulse:
        """`read_then_pulse` queued now, waited for later: returns the wait, which gives what
        `read_then_pulse` gives (and raises what it raises). Raises BusUnavailable now if the bus
        is down. For a caller that must queue from a thread that cannot block (the locker
        queues right after the COMMIT of the unlock intent, in the committing thread)."""
        self._check_lock(board, lock)
        self._port.usable()
        job = Job(True, board, lock, read_first=True)
        self._queue.put(job)
        wait_s = self._read_wait_s() + self._unlock_wait_s()
        return functools.partial(self._queue.wait, job, wait_s)

    def open_door(
        self,
        board: int,
        lock: int,
        watch_s: float = 3.0,
        on_pulse: Callable[[], None] | None = None,
        queued: QueuedPulse | None = None,
    ) -> OpenResult:
        """Read the door, pulse once, watch the sensor up to `watch_s`; the door decides.

        Outcomes: ALREADY_OPEN (door open before the pulse, which is still sent), OPENED (seen
        open within the window), JAMMED (the sensor answered but never showed open; see `ack`
        for whether the board confirmed the pulse), UNKNOWN (no sensor reading after the pulse).
        If the bus is down the frame never leaves: ack NO_REPLY, outcome UNKNOWN,
        pulse_sent_at None. `on_pulse()` runs on the caller's thread after the pulse, before the
        watch. `queued`: this door's read-then-pulse, already queued by `queue_read_then_pulse`.
        """
        self._check_lock(board, lock)
        interval_s = self.config.watch_interval_ms / 1000
        return watch_open(self, board, lock, watch_s, interval_s, self._stop, on_pulse, queued)

    def read_board(self, board: int) -> BoardStatus:
        """One batched read now (any address in the protocol's range, configured or not).

        Raises BoardTimeout (no answer), FrameError (garbage twice), BusUnavailable.
        """
        low, high = self._codec.board_range
        if not low <= board <= high:
            raise ValueError(f"bus {self.name}: board {board} out of range {low}..{high}")
        result: BoardStatus = self._submit(Job(False, board), self._read_wait_s())
        return result

    def transact(self, run: Callable[[SerialLink], T], board: int = 0) -> T:
        """Run `run(link)` as one transaction on the bus thread, with a read's priority.

        For commissioning commands outside the polling model (`kerong_admin`); `run` must write
        at most one frame and settle the line after a timeout or garbage. Its errors are raised
        here; a port error becomes BusUnavailable.
        """
        result: T = self._submit(Job(False, board, run=run), self._read_wait_s())
        return result

    def last_status(self, board: int) -> BoardStatus | None:
        """Latest debounced status from polling (doors `unknown` if unreachable or bus down)."""
        return self._tracker.status(board, bus_up=self._state is BusState.CONNECTED)

    def subscribe(self, callback: EventCallback) -> None:
        """Call `callback(DoorEvent)` on the bus thread for every event; keep it quick."""
        self._worker.subscribe(callback)

    def health(self) -> dict[str, object]:
        """{"bus", "connected", "state", "error", "url", "protocol", "boards": {n: ok|unreachable|unknown}}.

        "unknown" means the board has not answered yet since the bus opened.
        """
        return {
            "bus": self.name,
            "connected": self._state is BusState.CONNECTED,
            "state": self._state.value,
            "error": str(self._port.error) if self._port.error else None,
            "url": self.config.url,
            "protocol": self.config.protocol.value,
            "boards": self._tracker.board_health(),
        }

    def board_health(self) -> dict[int, str]:
        """Per board: "ok", "unreachable", or "unknown" (not answered yet since the bus opened)."""
        return self._tracker.board_health()

    @property
    def state(self) -> BusState:
        """Current port state."""
        return self._state

    # ----- caller side -----
    def _check_lock(self, board: int, lock: int) -> None:
        low, high = self._codec.board_range
        if not low <= board <= high:
            raise ValueError(f"bus {self.name}: board {board} out of range {low}..{high}")
        if not 1 <= lock <= self.config.locks_per_board:
            raise ValueError(f"bus {self.name}: lock {lock} out of range 1..{self.config.locks_per_board}")

    def _unlock_wait_s(self) -> float:
        c = self.config
        return (c.unlock_reply_timeout_ms + c.reply_timeout_ms * 2 + c.quiet_max_ms * 3) / 1000 + 5

    def _read_wait_s(self) -> float:
        c = self.config
        return (c.unlock_reply_timeout_ms + c.reply_timeout_ms * 3 + c.quiet_max_ms * 4) / 1000 + 5

    def _submit(self, job: Job, wait_s: float) -> Any:
        self._port.usable()
        return self._queue.submit(job, wait_s)


def open_bus(
    config: BusConfig, clock: Clock | None = None, *, require_connected: bool = True
) -> SerialLockBus:
    """Build and open a `SerialLockBus` (see `SerialLockBus.open` for the errors)."""
    bus = SerialLockBus(config, clock)
    bus.open(require_connected=require_connected)
    return bus
