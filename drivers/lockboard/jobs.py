"""The bus's request queue: priorities, hand-over between caller and bus thread, withdrawal.

A caller puts a `Job` and blocks on it; the bus thread takes the highest-priority job
(unlocks before reads, first come first served within a priority), `claim`s it, runs it and
`finish`es it. A caller that gives up while its job is still queued withdraws it: the bus
thread will never run it (so an unlock can never leave late, after its caller was told it
failed). A job already running is waited for; its own timeouts bound the wait.

Shared reads: a status read of a board answers every read of that board still queued when it
starts (`take_reads`), so callers watching doors on the same board at the same time (pickups at
several kiosks) cost one transaction on the wire, not one each. Each of them still gets a
status read after it asked. Likewise the read before a pulse serves every read-then-pulse of
that board still queued (`take_pulses`): one read, then each pulse in turn.
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
        # queued jobs that one transaction can serve together, by (kind, board): plain status
        # reads ("read") and reads-then-pulses ("pulse"), see `take_reads` and `take_pulses`
        self._alike: dict[tuple[str, int], list[Job]] = {}
        self._alike_lock = threading.Lock()
        self.shared_reads = 0
        """Reads answered by another caller's read of the same board (health, tests, bench)."""
        self.grouped_pulses = 0
        """Reads-then-pulses that used the read made for an earlier pulse of the same board."""

    def qsize(self) -> int:
        """Jobs waiting (tests use it to order their requests)."""
        return self._q.qsize()

    def submit(self, job: Job, wait_s: float) -> Any:
        """Caller side: queue, wait up to `wait_s`, withdraw if still queued; return or raise."""
        self.put(job)
        return self.wait(job, wait_s)

    def put(self, job: Job) -> None:
        """Caller side: queue the job without waiting (`wait` for it later)."""
        kind = _alike_kind(job)
        if kind is not None:
            with self._alike_lock:
                self._alike.setdefault((kind, job.board), []).append(job)
        self._q.put((PRIO_UNLOCK if job.unlock else PRIO_READ, next(self._seq), job))

    def wait(self, job: Job, wait_s: float) -> Any:
        """Caller side: wait up to `wait_s` for a queued job, withdraw it if still queued then
        (it will never run); return its result or raise its error."""
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

    def claim(self, job: Job) -> bool:
        """Bus side: mark running; False if the caller withdrew it or it was already taken
        (`take_reads`, `take_pulses`)."""
        kind = _alike_kind(job)
        if kind is not None:
            with self._alike_lock:
                waiting = self._alike.get((kind, job.board), [])
                if job in waiting:
                    waiting.remove(job)
        with job.guard:
            if job.state is not JobState.QUEUED:
                return False
            job.state = JobState.RUNNING
            return True

    def take_reads(self, board: int) -> list[Job]:
        """Bus side, just before reading `board`: claim every plain read of it still queued, to
        be answered with that read's result (`finish_shared`)."""
        taken = self._take("read", board)
        self.shared_reads += len(taken)
        return taken

    def take_pulses(self, board: int) -> list[Job]:
        """Bus side, just before the read that precedes a pulse on `board`: claim every other
        read-then-pulse of that board still queued (in the order queued); the one read serves
        them all, each is then pulsed and finished in turn."""
        taken = self._take("pulse", board)
        self.grouped_pulses += len(taken)
        return taken

    def _take(self, kind: str, board: int) -> list[Job]:
        with self._alike_lock:
            waiting = self._alike.pop((kind, board), [])
        taken = []
        for job in waiting:
            with job.guard:
                if job.state is JobState.QUEUED:
                    job.state = JobState.RUNNING
                    taken.append(job)
        return taken

    def finish_shared(self, jobs: list[Job], result: Any, error: BaseException | None) -> None:
        """Bus side: answer jobs taken by `take_reads` (or given up) with one result or error."""
        for job in jobs:
            job.result, job.error = result, error
            self.finish(job)

    @staticmethod
    def finish(job: Job) -> None:
        """Bus side: hand the result (or error) back to the caller."""
        job.state = JobState.DONE
        job.done.set()

    def fail_all(self, error: BaseException) -> bool:
        """Fail every queued job with `error`; True if the stop sentinel was among them."""
        with self._alike_lock:
            self._alike.clear()
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


def _alike_kind(job: Job) -> str | None:
    if job.run is not None:
        return None
    if not job.unlock:
        return "read"
    return "pulse" if job.read_first else None
