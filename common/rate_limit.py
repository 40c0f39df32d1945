"""The services' one rate limiter: at most `limit` hits per `window_s` per key, in memory.

A sliding window of hit times per key (device ids, client addresses, phone numbers): a hit on a
key that already has `limit` hits within the window is refused with the seconds left until the
oldest of them leaves it. Memory is bounded whatever clients send: a key idle for a whole window
is forgotten, and past `max_keys` keys the least recently used one is dropped. Thread-safe (the
routes run on FastAPI's thread pool). Used by the queue (remote tickets, bookings, ratings) and the
locker (receipt and dossier pages, dossier look-ups, kiosk help calls).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable


class RateLimiter:
    """At most `limit` hits per `window_s` per key (sliding window; see the module docstring).

    `clock` gives monotonic seconds (`time.monotonic`, or an injected clock's `monotonic`)."""

    def __init__(
        self, limit: int, window_s: float, max_keys: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_keys = max_keys
        self._clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._hits)

    def hit(self, *keys: str) -> float | None:
        """Record a hit on every key; when one is over the limit, nothing is recorded and the
        answer is the seconds to wait."""
        now = self._clock()
        with self._lock:
            self._forget_idle(now)
            queues = []
            for key in keys:
                q = self._hits.get(key) or deque()
                while q and now - q[0] >= self.window_s:
                    q.popleft()
                if len(q) >= self.limit:
                    return self.window_s - (now - q[0])
                queues.append((key, q))
            for key, q in queues:
                q.append(now)
                self._hits[key] = q
                self._hits.move_to_end(key)
            while len(self._hits) > self.max_keys:
                self._hits.popitem(last=False)
            return None

    def retry_after(self, *keys: str) -> int | None:
        """`hit`, with the wait in whole seconds (at least 1), as a `Retry-After` header says it."""
        wait = self.hit(*keys)
        return None if wait is None else max(1, math.ceil(wait))

    def _forget_idle(self, now: float) -> None:
        """Drop keys whose newest hit is a whole window old (least recently used first)."""
        while self._hits:
            key, q = next(iter(self._hits.items()))
            if q and now - q[-1] < self.window_s:
                return
            del self._hits[key]
