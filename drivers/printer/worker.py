"""One thread that owns a device and runs its calls in order; callers wait with their own timeout."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")


class DeviceWorker:
    """One daemon thread that runs the printer's device calls in order."""

    def __init__(self, name: str) -> None:
        self._q: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        """Queue `fn`; its result or exception arrives in the returned future."""
        fut: Future[T] = Future()
        self._q.put((fn, fut))
        return fut

    def _run(self) -> None:
        while (item := self._q.get()) is not None:
            fn, fut = item
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                fut.set_result(fn())
            except BaseException as err:  # noqa: BLE001 - handed to the waiting caller
                fut.set_exception(err)

    def stop(self) -> None:
        """Finish what is queued, then end the thread (a call stuck in the device keeps it alive)."""
        self._q.put(None)
