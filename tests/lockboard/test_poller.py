"""PollSchedule with a controlled clock."""

from __future__ import annotations

from common.clock import ManualClock
from drivers.lockboard.poller import PollSchedule


def test_round_robin_and_per_board_interval() -> None:
    clock = ManualClock()
    slow = {2}
    polls = PollSchedule(lambda b: 2000 if b in slow else 500, clock.monotonic)
    assert polls.take_due() is None and polls.delay_s(0.7) == 0.7
    polls.reset([1, 2])
    assert [polls.take_due(), polls.take_due(), polls.take_due()] == [1, 2, None]
    assert polls.delay_s() == 0.5
    clock.advance(0.5)
    assert polls.take_due() == 1 and polls.take_due() is None
    clock.advance(1.5)
    assert [polls.take_due(), polls.take_due()] == [1, 2]
