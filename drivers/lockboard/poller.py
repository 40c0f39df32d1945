"""When to poll which board: a per-board due time, round robin by earliest due (pure)."""

from __future__ import annotations

import time
from collections.abc import Callable


class PollSchedule:
    """Due times of the background polls of one bus (used only by its bus thread).

    `interval_ms(board)` gives each board's current interval, so an unreachable board can be
    polled less often than a healthy one. Monotonic time; `now` injectable for tests.
    """

    def __init__(self, interval_ms: Callable[[int], int], now: Callable[[], float] = time.monotonic) -> None:
        self._interval_ms = interval_ms
        self._now = now
        self._due: dict[int, float] = {}

    def reset(self, boards: list[int]) -> None:
        """Every board due now (after a (re)connect)."""
        now = self._now()
        self._due = dict.fromkeys(boards, now)

    def delay_s(self, idle_s: float = 0.5) -> float:
        """Seconds until the next poll is due (`idle_s` when there is nothing to poll)."""
        if not self._due:
            return idle_s
        return max(0.0, min(self._due.values()) - self._now())

    def take_due(self) -> int | None:
        """The board to poll now (and schedule its next poll), or None if none is due yet."""
        if not self._due:
            return None
        board = min(self._due, key=self._due.__getitem__)
        now = self._now()
        if self._due[board] > now:
            return None
        self._due[board] = now + self._interval_ms(board) / 1000
        return board
