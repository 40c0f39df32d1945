"""Work done every so often on a thread of its own, until stopped: one way for every sweep,
keep-alive and sending worker (the systemd watchdog's ticks, the bus probes, the locker's door
sweep, the queue's sweeper, the locker's outbox and the appointment SMS).

A round that raises is logged and the next round runs: a periodic job is there to keep going.
A round may answer when the next one runs (`Wait(seconds)`, `AGAIN` for at once: a worker with
more to send), and `kick()` runs the next round now (a worker told that something was enqueued).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Wait:
    """A round's answer: run the next round after `seconds` (0: at once, without waiting for a
    kick or gathering); any other answer waits the job's `every_s`."""

    seconds: float


#: A round's answer when it has more to do: the next round runs at once.
AGAIN = Wait(0.0)


class Periodic:
    """`step()` every `every_s` seconds on a daemon thread `name`, from `start()` until `stop()`.

    `kick()` ends the wait for the next round. `first_at_once` runs the first round at start
    rather than after one interval. `gather_s`: after a wait (timed out or kicked), wait this much
    more so that a burst of kicks is served by one round. `stop()` waits up to `join_s` for a
    round in progress; None does not wait (a round stuck on hung hardware is left to end with the
    process).
    """

    def __init__(
        self,
        name: str,
        every_s: float,
        step: Callable[[], object],
        *,
        join_s: float | None = 5.0,
        first_at_once: bool = False,
        gather_s: float = 0.0,
    ) -> None:
        self.name = name
        self.every_s = every_s
        self.join_s = join_s
        self.first_at_once = first_at_once
        self.gather_s = gather_s
        self._step = step
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Run a round every `every_s` from now (the first after one interval, or at once)."""
        self._stop.clear()
        self._wake.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def kick(self) -> None:
        """Run the next round now rather than at the end of its wait (after `gather_s`)."""
        self._wake.set()

    @property
    def alive(self) -> bool:
        """True while the thread runs (false before start, after stop and after a crash)."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        """No more rounds; wait up to `join_s` for one in progress."""
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None and self.join_s is not None:
            thread.join(timeout=self.join_s)

    def _run(self) -> None:
        delay = 0.0 if self.first_at_once else self.every_s
        while not self._stop.is_set():
            if delay > 0:
                self._wake.wait(delay)
                # a kick from here on wakes the round after this one: this round already sees
                # whatever the kicks before it announced
                self._wake.clear()
                if self.gather_s > 0:
                    self._stop.wait(self.gather_s)
                if self._stop.is_set():
                    return
            delay = self._round()

    def _round(self) -> float:
        """One round; how long to wait before the next."""
        try:
            answer = self._step()
        except Exception:  # one failed round must not end the job
            log.exception("%s: a round failed; the next one runs in %.1f s", self.name, self.every_s)
            return self.every_s
        return answer.seconds if isinstance(answer, Wait) else self.every_s
