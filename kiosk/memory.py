"""Give memory back between citizens: a kiosk runs for months, one flow after another.

After a flow, Python's garbage (widgets rebuilt per flow, ticket images, HTTP buffers) is freed,
but glibc keeps the freed pages in its heaps, so RSS only ever grows. `release_memory()` runs a
full collection and asks glibc to return free pages (`malloc_trim`). Called when home shows
(nobody is mid-flow), at most once per `min_interval_s`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import time

log = logging.getLogger(__name__)


def _load_trim() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        fn = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): collection only
        return None
    fn.argtypes = [ctypes.c_size_t]
    fn.restype = ctypes.c_int
    return fn  # type: ignore[no-any-return]


_TRIM = _load_trim()


class MemoryReleaser:
    """Rate-limited `gc.collect()` + `malloc_trim(0)`; `clock` is a monotonic seconds source."""

    def __init__(self, min_interval_s: float = 20.0, clock: object = time.monotonic) -> None:
        self.min_interval_s = min_interval_s
        self._clock = clock
        self._last: float | None = None
        self.runs = 0

    def release(self) -> bool:
        """Collect and trim unless done within `min_interval_s`; True when it ran."""
        now = self._clock()  # type: ignore[operator]
        if self._last is not None and now - self._last < self.min_interval_s:
            return False
        self._last = now
        gc.collect()
        if _TRIM is not None:
            _TRIM(0)
        self.runs += 1
        return True
