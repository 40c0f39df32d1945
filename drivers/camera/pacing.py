"""Frame pacing: let through at most N frames per second of a camera's stream, on a fixed schedule."""

from __future__ import annotations

# A frame arriving this close before its slot still gets it: camera timestamps jitter by a few
# milliseconds, and a 60 fps camera under a 60 fps cap must not lose every other frame to float
# rounding.
DEFAULT_SLACK_S = 0.002


class FramePacer:
    """Decides, frame by frame, whether a frame falls in the next slot of a `max_fps` schedule.

    Slots follow an ideal schedule, so a jittery 30 fps camera under a 15 fps cap still passes
    every second frame. After a pause (or at the start) the schedule restarts from the frame that
    arrives, so frames are never let through in a burst to "catch up".
    """

    def __init__(self, max_fps: float, slack_s: float = DEFAULT_SLACK_S) -> None:
        if max_fps <= 0:
            raise ValueError("max_fps must be positive")
        self._period_s = 1.0 / max_fps
        self._slack_s = slack_s
        self._next: float | None = None

    def due(self, now: float) -> bool:
        """Whether the frame seen at monotonic time `now` gets a slot (and takes it if so)."""
        if self._next is not None and now + self._slack_s < self._next:
            return False
        if self._next is None or now - self._next >= self._period_s:
            self._next = now + self._period_s  # start, or after a pause: the schedule restarts here
        else:
            self._next += self._period_s
        return True
