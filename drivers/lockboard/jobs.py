"""The bus's request queue: priorities, hand-over between caller and bus thread, withdrawal.

A caller puts a `Job` and blocks on it; the bus thread takes the highest-priority job
(unlocks before reads, first come first served within a priority), `claim`s it, runs it and
`finish`es it. A caller that gives up while its job is still queued withdraws it: the bus
thread will never run it (so an unlock can never leave late, after its caller was told it
failed). A job already running is waited for; its own timeouts bound the wait.
"""

from __future__ import annotations

import enum
import itertools
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from drivers.lockboard.types import BusUnavailable

PRIO_STOP, PRIO_UNLOCK, PRIO_READ = -1, 0, 1


class JobState(enum.Enum):
    """Where a job is in its life."""

    QUEUED = 1
    RUNNING = 2
    CANCELLED = 3
    DONE = 4


@dataclass
class Job:
    """One request: an unlock (board, lock), a status read (board), or a raw transaction.

    `run(link)`, when set, is run on the bus thread instead of the read (same priority as a
    read); it is how commissioning commands (Kerong 0x32, 0x37) use the bus's one thread.
    `read_first` (unlocks only): read the board's status just before the pulse, in the same
    turn of the bus thread (no other transaction in between, no hand-back to the caller).
    """

    unlock: bool
    board: int
    lock: int = 0
    run: Callable[[Any], Any] | None = None
    read_first: bool = False
    state: JobState = JobState.QUEUED
    result: Any = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)
    guard: threading.Lock = field(default_factory=threading.Lock)


class JobQueue:
    """Priority queue of jobs shared by callers and the one bus thread."""

    def __init__(self, bus: str) -> None:
        self._bus = bus
        self._q: queue.PriorityQueue[tuple[int, int, Job | None]] = queue.PriorityQueue()
        self._seq = itertools.count()

    def qsize(self) -> int:
        """Jobs waiting (tests use it to order their requests)."""
        return self._q.qsize()

    def submit(self, job: Job, wait_s: float) -> Any:
        """Caller side: queue, wait up to `wait_s`, withdraw if still queued; return or raise."""
        self._q.put((PRIO_UNLOCK if job.unlock else PRIO_READ, next(self._seq), job))
        if not job.done.wait(wait_s):
            with job.guard:
                if job.state is JobState.QUEUED:
                    job.state = JobState.CANCELLED
                    raise BusUnavailable(f"bus {self._bus}: busy; request withdrawn before it was sent")
            job.done.wait()
        if job.error is not None:
            raise job.error
        return job.result

    def get(self, timeout_s: float) -> Job | None:
        """Bus side: next job, None for the stop sentinel; raises queue.Empty after timeout_s."""
        item = self._q.get(timeout=timeout_s) if timeout_s > 0 else self._q.get_nowait()
        return item[2]

    def wake(self) -> None:
        """Unblock a waiting `get` (used at close)."""
        self._q.put((PRIO_STOP, -1, None))

    @staticmethod
    def claim(job: Job) -> bool:
        """Bus side: mark running; False if the caller withdrew it."""
        with job.guard:
            if job.state is JobState.CANCELLED:
                return False
            job.state = JobState.RUNNING
            return True

    @staticmethod
    def finish(job: Job) -> None:
        """Bus side: hand the result (or error) back to the caller."""
        job.state = JobState.DONE
        job.done.set()

    def fail_all(self, error: BaseException) -> bool:
        """Fail every queued job with `error`; True if the stop sentinel was among them."""
        stop = False
        while True:
            try:
                _prio, _seq, job = self._q.get_nowait()
            except queue.Empty:
                return stop
            if job is None:
                stop = True
                continue
            with job.guard:
                if job.state is not JobState.QUEUED:
                    continue
                job.state = JobState.DONE
            job.error = error
            job.done.set()
