"""Wait estimates: the recent service times per service and the open counters, kept in memory
(warmed from the database at start, fed by the counter desk), and the booked load of
appointments that will be called before a walk-in (`queueing.appointment_calls.BookedLoad`).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from queueing import counters_repo, domain, tickets_repo
from queueing.wiring import Part, Wiring


class WaitEstimates(Part):
    """Service-time and open-counter caches, and the wait range of a place in the queue."""

    def __init__(self, wiring: Wiring) -> None:
        super().__init__(wiring)
        self._lock = threading.Lock()
        self._service_times: dict[str, deque[float]] = {}
        self._open_counters: set[int] = set()
        #: booked citizens of a service due before an epoch time, who will be called before a
        #: walk-in (set by `queueing.appointment_calls.BookedLoad`; none without appointments)
        self.booked_load: Callable[[str, float], int] = lambda service, until_ts: 0

    def load(self) -> None:
        """Warm the caches (service times, open counters) from the database."""
        window = self.config.service_time_window
        with self.store.read() as conn:
            times = {
                s.code: tickets_repo.recent_service_times(conn, s.code, window) for s in self.config.services
            }
            opened = counters_repo.open_numbers(conn)
        with self._lock:
            self._service_times = {code: deque(ts, maxlen=window) for code, ts in times.items()}
            self._open_counters = opened

    def set_counter_open(self, number: int, is_open: bool) -> None:
        """Called by the counter desk when a counter opens, pauses or closes."""
        with self._lock:
            if is_open:
                self._open_counters.add(number)
            else:
                self._open_counters.discard(number)

    def record_service_time(self, service: str, seconds: float) -> None:
        """Feed one finished service's duration into the moving average."""
        with self._lock:
            self._service_times.setdefault(service, deque(maxlen=self.config.service_time_window)).append(
                max(0.0, seconds)
            )

    def open_counters_for(self, service: str) -> int:
        """How many counters serving `service` are open and not paused."""
        with self._lock:
            opened = set(self._open_counters)
        return sum(1 for c in self.config.counters if c.number in opened and service in c.services)

    def estimate(self, service: str, ahead: int) -> domain.WaitEstimate | None:
        """Wait range for a ticket with `ahead` tickets before it, or None when unknown."""
        with self._lock:
            times = list(self._service_times.get(service, ()))
        counters = self.open_counters_for(service)
        est = domain.estimate_wait(
            ahead,
            times,
            counters,
            min_samples=self.config.wait_min_samples,
            spread_pct=self.config.wait_spread_pct,
        )
        # booked citizens whose slot comes before this ticket's turn are called first
        booked = self.booked_load(service, self.w.now_ts() + est.max_minutes * 60) if est is not None else 0
        if booked:
            est = domain.estimate_wait(
                ahead + booked,
                times,
                counters,
                min_samples=self.config.wait_min_samples,
                spread_pct=self.config.wait_spread_pct,
            )
        return est
