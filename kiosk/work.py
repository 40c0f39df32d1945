"""Run blocking calls (HTTP, printing, camera) off the Kivy thread and come back on it.

`run_in_worker(fn, on_done, on_error)` returns at once; `fn()` runs on a small thread pool and
its result (or exception) is handed to the callback on the UI thread via `Clock.schedule_once`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from kivy.clock import Clock

log = logging.getLogger(__name__)
T = TypeVar("T")


class Worker:
    """A bounded thread pool whose results come back on the UI thread."""

    def __init__(self, max_threads: int = 4, name: str = "kiosk-worker") -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix=name)
        self._pending = 0
        self._lock = threading.Lock()
        self._closed = False

    @property
    def pending(self) -> int:
        """Jobs submitted whose callback has not run yet (tests wait for 0)."""
        with self._lock:
            return self._pending

    def submit(
        self,
        fn: Callable[[], T],
        on_done: Callable[[T], Any] | None = None,
        on_error: Callable[[BaseException], Any] | None = None,
    ) -> Future[T] | None:
        """Run `fn` in a worker; call `on_done(result)` or `on_error(exc)` on the UI thread."""
        if self._closed:
            log.debug("worker closed; dropping job %r", fn)
            return None
        with self._lock:
            self._pending += 1
        future = self._pool.submit(fn)
        future.add_done_callback(
            lambda f: Clock.schedule_once(lambda _dt: self._finish(f, on_done, on_error))
        )
        return future

    def _finish(
        self,
        future: Future[T],
        on_done: Callable[[T], Any] | None,
        on_error: Callable[[BaseException], Any] | None,
    ) -> None:
        try:
            if future.cancelled() or self._closed:
                # the worker was closed (the app is stopping): nobody to call back, and a screen
                # updated now would evaluate its kv rules without a running app
                return
            exc = future.exception()
            if exc is not None:
                if on_error is not None:
                    on_error(exc)
                else:
                    log.error("background job failed: %s", exc, exc_info=exc)
            elif on_done is not None:
                on_done(future.result())
        finally:
            with self._lock:
                self._pending -= 1

    def close(self) -> None:
        """Stop accepting work; running jobs finish in the background, their callbacks dropped."""
        self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)


_default: Worker | None = None


def default_worker() -> Worker:
    """The process-wide worker used by `run_in_worker` (the app owns and closes it)."""
    global _default
    if _default is None or _default._closed:
        _default = Worker()
    return _default


def run_in_worker(
    fn: Callable[[], T],
    on_done: Callable[[T], Any] | None = None,
    on_error: Callable[[BaseException], Any] | None = None,
) -> Future[T] | None:
    """Shortcut for `default_worker().submit(...)`."""
    return default_worker().submit(fn, on_done, on_error)
