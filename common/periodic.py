"""Work done every so often on a thread of its own, until stopped: one way for every sweep and
keep-alive (the systemd watchdog's ticks, the bus probes, the locker's door sweep).

A round that raises is logged and the next round runs: a periodic job is there to keep going.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Periodic:
    """`step()` every `every_s` seconds on a daemon thread `name`, from `start()` until `stop()`.

    `stop()` waits up to `join_s` for a round in progress; None does not wait (a round stuck on
    hung hardware is left to end with the process).
    """

    def __init__(
        self, name: str, every_s: float, step: Callable[[], object], *, join_s: float | None = 5.0
    ) -> None:
        self.name = name
        self.every_s = every_s
        self.join_s = join_s
        self._step = step
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Run a round every `every_s` from now (the first after one interval)."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """No more rounds; wait up to `join_s` for one in progress."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and self.join_s is not None:
            thread.join(timeout=self.join_s)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                self._step()
            except Exception:  # one failed round must not end the job
                log.exception("%s: a round failed; the next one runs in %.1f s", self.name, self.every_s)
