"""`BusThread`: the work done on a lock bus's own thread, apart from the callers' side
(`drivers.lockboard.bus.SerialLockBus`): claimed jobs run one at a time (an unlock frame written
at most once; queued reads-then-pulses of one board grouped behind one read; a read shared by
every queued read of its board), background polls when nothing is queued, door events handed
to subscribers, and the port's loss and reconnection.
"""

from __future__ import annotations

import functools
import logging
import queue
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from common.clock import Clock
from drivers.lockboard.codec import Codec
from drivers.lockboard.config import BusConfig
from drivers.lockboard.jobs import Job, JobQueue
from drivers.lockboard.link import PORT_ERRORS, SerialLink
from drivers.lockboard.poller import PollSchedule
from drivers.lockboard.port import BusState, PortKeeper, Reopen
from drivers.lockboard.tracker import DoorTracker
from drivers.lockboard.transactions import read_status, to_status, unlock_once
from drivers.lockboard.types import (
    BoardStatus,
    BusUnavailable,
    DoorEvent,
    EventCallback,
    EventKind,
    LockBoardError,
    UnlockAck,
)

log = logging.getLogger(__name__)


class BusThread:
    """What one bus's thread does: `run()` is its target; `connect()` opens the port before it
    starts; `fail_queued()` fails every waiting caller (also from `close()`)."""

    def __init__(
        self,
        config: BusConfig,
        clock: Clock,
        codec: Codec,
        port: PortKeeper,
        tracker: DoorTracker,
        jobs: JobQueue,
        stop: threading.Event,
    ) -> None:
        self.config = config
        self.name = config.name
        self._clock = clock
        self._codec = codec
        self._port = port
        self._tracker = tracker
        self._queue = jobs
        self._stop = stop
        self._subscribers: list[EventCallback] = []
        self._polls = PollSchedule(self._poll_interval_ms)

    @property
    def _ser(self) -> SerialLink | None:
        return self._port.link

    @property
    def _state(self) -> BusState:
        return self._port.state

    def subscribe(self, callback: EventCallback) -> None:
        """Call `callback(DoorEvent)` on the bus thread for every event."""
        self._subscribers.append(callback)

    # ----- bus thread -----
    def _loop(self) -> None:
        while not self._stop.is_set():
            if self._state is BusState.FAILED:
                self.fail_queued(self._port.error or BusUnavailable(f"bus {self.name}: failed"))
                break
            if self._ser is None:
                self._reconnect_step()
                continue
            try:
                job = self._queue.get(self._polls.delay_s())
            except queue.Empty:
                self._poll_one()
                continue
            if job is not None:
                self._execute(job)

    def run(self) -> None:
        try:
            self._loop()
        except Exception:  # the bus thread must not die silently: say so, fail callers
            log.exception("bus %s: bus thread crashed", self.name)
            error = BusUnavailable(f"bus {self.name}: internal error, see the log; restart the service")
            self._port.fail(error)
            self.fail_queued(error)

    def _execute(self, job: Job) -> None:
        if not self._queue.claim(job):
            return
        if job.unlock and job.read_first and job.run is None:
            # this board's other reads-then-pulses still queued (8 kiosks pressing OK at once):
            # one read before the first pulse serves them all, then each is pulsed in turn
            group = [job, *self._queue.take_pulses(job.board)]
            before: list[BoardStatus | None] = []
            for k, member in enumerate(group):
                try:
                    self._perform(member, functools.partial(self._pulse_after_read, member, before))
                except BaseException:  # the bus thread is dying: nobody may wait for ever
                    self._queue.finish_shared(
                        group[k + 1 :], None, BusUnavailable(f"bus {self.name}: internal error; not sent")
                    )
                    raise
            return
        self._perform(job, functools.partial(self._plain_job, job))

    def _plain_job(self, job: Job) -> Any:
        assert self._ser is not None
        if job.run is not None:
            return job.run(self._ser)
        if job.unlock:
            return self._do_unlock(job.board, job.lock)
        return self._do_read(job.board)

    def _pulse_after_read(
        self, job: Job, before: list[BoardStatus | None]
    ) -> tuple[BoardStatus | None, UnlockAck, datetime]:
        if not before:  # the group's one read, just before its first pulse
            before.append(self._read_before_pulse(job.board))
        return (before[0], *self._do_unlock(job.board, job.lock))

    def _perform(self, job: Job, work: Callable[[], Any]) -> None:
        """Run one claimed job's work on the bus thread and hand its result or error back."""
        try:
            if self._ser is None:
                raise BusUnavailable(f"bus {self.name}: port {self.config.url} is {self._state.value}")
            job.result = work()
        except PORT_ERRORS as err:
            job.error = BusUnavailable(f"bus {self.name}: port {self.config.url} failed: {err}")
            self._lost(err)
        except (LockBoardError, ValueError) as err:
            job.error = err
        finally:
            self._queue.finish(job)

    def _do_unlock(self, board: int, lock: int) -> tuple[UnlockAck, datetime]:
        assert self._ser is not None
        sent: list[datetime] = []

        def mark_sent() -> None:
            sent.append(self._clock.now())
            self._tracker.commanded(board, lock, self._clock.monotonic())
            log.info("bus %s board %d lock %d: unlock pulse sent", self.name, board, lock)

        try:
            ack = unlock_once(self._ser, self._codec, self.config, board, lock, mark_sent)
        except PORT_ERRORS as err:
            self._lost(err)
            if not sent:
                raise BusUnavailable(
                    f"bus {self.name}: unlock of board {board} lock {lock} not written ({err}); not re-sent"
                ) from err
            return UnlockAck.NO_REPLY, sent[0]
        return ack, sent[0]

    def _read_before_pulse(self, board: int) -> BoardStatus | None:
        try:
            return self._do_read(board)
        except LockBoardError as err:
            log.warning("%s; pulsing anyway, the sensor decides afterwards", err)
            return None

    def _do_read(self, board: int) -> BoardStatus:
        """Read the board; the read also answers every read of it still queued (shared reads)."""
        assert self._ser is not None
        sharing = self._queue.take_reads(board)
        try:
            status = self._read_once(board)
        except BaseException as err:
            self._queue.finish_shared(sharing, None, self._shared_error(err))
            raise
        self._queue.finish_shared(sharing, status, None)
        return status

    def _shared_error(self, err: BaseException) -> BaseException:
        """What callers answered by a failed shared read hear: what the reader's caller hears."""
        if isinstance(err, PORT_ERRORS):
            return BusUnavailable(f"bus {self.name}: port {self.config.url} failed: {err}")
        if isinstance(err, (LockBoardError, ValueError)):
            return err
        return BusUnavailable(f"bus {self.name}: internal error, see the log; restart the service")

    def _read_once(self, board: int) -> BoardStatus:
        assert self._ser is not None
        try:
            raw = read_status(self._ser, self._codec, self.config, board)
        except LockBoardError:
            self._emit(self._tracker.miss(board, self._clock.now()))
            raise
        status = to_status(raw, self.config, self._clock.now())
        self._emit(
            self._tracker.observe(status, self._clock.monotonic(), status.read_at or self._clock.now())
        )
        return status

    def _poll_interval_ms(self, board: int) -> int:
        interval_ms = self.config.poll_interval_ms
        if self._tracker.board_health().get(board) == "unreachable":
            interval_ms = max(interval_ms, self.config.unreachable_poll_interval_ms)
        return interval_ms

    def _poll_one(self) -> None:
        board = self._polls.take_due()
        if board is None:
            return
        try:
            self._do_read(board)
        except LockBoardError as err:
            log.debug("poll: %s", err)
        except PORT_ERRORS as err:
            self._lost(err)

    def _emit(self, events: list[DoorEvent]) -> None:
        for event in events:
            log.info("bus %s event %s board %s lock %s", self.name, event.kind, event.board, event.lock)
            for callback in list(self._subscribers):
                try:
                    callback(event)
                except Exception:  # a subscriber's bug must not stop the bus
                    log.exception("bus %s: event subscriber failed", self.name)

    # ----- port -----
    def connect(self) -> None:
        self._port.connect()
        self._polls.reset(self.config.boards)
        self._start_boards()

    def _start_boards(self) -> None:
        for board in self.config.boards:
            for frame in self._codec.start_frames(board):
                try:
                    assert self._ser is not None
                    self._ser.write(frame)
                    self._ser.read_reply(
                        functools.partial(self._codec.parse_start_reply, board=board, bus=self.name),
                        self.config.reply_timeout_ms,
                        board,
                    )
                except LockBoardError as err:
                    log.warning("bus %s board %d: start command not confirmed: %s", self.name, board, err)
                    self._settle()
                except PORT_ERRORS as err:
                    self._lost(err)
                    return

    def _settle(self) -> None:
        assert self._ser is not None
        self._ser.settle(self.config.quiet_ms, self.config.quiet_max_ms)

    def _lost(self, err: BaseException) -> None:
        if not self._port.lost(err):
            return
        self.fail_queued(BusUnavailable(f"bus {self.name}: port {self.config.url} lost: {err}"))
        self._emit([DoorEvent(EventKind.BUS_DOWN, self.name, None, None, self._clock.now())])

    def _reconnect_step(self) -> None:
        self.fail_queued(BusUnavailable(f"bus {self.name}: port {self.config.url} is reconnecting"))
        if self._port.reopen_step(self._stop) is not Reopen.BACK:
            return
        self._polls.reset(self.config.boards)
        self._start_boards()
        self._emit([DoorEvent(EventKind.BUS_UP, self.name, None, None, self._clock.now())])

    def fail_queued(self, error: BaseException) -> None:
        if self._queue.fail_all(error):
            self._stop.set()
