"""DoorTracker: debounce, commanded vs forced openings, unreachable boards (controlled clock)."""

from __future__ import annotations

from common.clock import ManualClock
from drivers.lockboard.tracker import DoorTracker
from drivers.lockboard.types import BoardStatus, DoorState, EventKind

OP, CL = DoorState.OPEN, DoorState.CLOSED


def read(tracker: DoorTracker, clock: ManualClock, *doors: DoorState) -> list[tuple[str, int | None]]:
    status = BoardStatus(1, {i + 1: d for i, d in enumerate(doors)})
    return [(e.kind.value, e.lock) for e in tracker.observe(status, clock.monotonic(), clock.now())]


def make() -> tuple[DoorTracker, ManualClock]:
    return DoorTracker("t", [1], 2, debounce_reads=2, unreachable_after=3, grace_s=10), ManualClock()


def test_first_read_is_the_baseline_and_a_blip_is_ignored() -> None:
    t, clock = make()
    assert read(t, clock, OP, CL) == []
    assert read(t, clock, OP, OP) == []  # one read is not enough
    assert read(t, clock, OP, CL) == []  # blip gone
    assert read(t, clock, OP, OP) == []
    assert read(t, clock, OP, OP) == [("door_opened_without_command", 2)]


def test_commanded_within_grace_then_forced_after() -> None:
    t, clock = make()
    read(t, clock, CL, CL)
    t.commanded(1, 1, clock.monotonic())
    clock.advance(3)
    read(t, clock, OP, CL)
    assert read(t, clock, OP, CL) == [("door_opened", 1)]
    read(t, clock, CL, CL)
    assert read(t, clock, CL, CL) == [("door_closed", 1)]
    t.commanded(1, 1, clock.monotonic())
    clock.advance(11)  # past the grace window: nobody asked for this one any more
    read(t, clock, OP, CL)
    assert read(t, clock, OP, CL) == [("door_opened_without_command", 1)]


def test_unreachable_after_three_misses_then_back_with_changes() -> None:
    t, clock = make()
    read(t, clock, CL, CL)
    assert t.miss(1, clock.now()) == [] and t.miss(1, clock.now()) == []
    assert [e.kind for e in t.miss(1, clock.now())] == [EventKind.BOARD_UNREACHABLE]
    assert t.miss(1, clock.now()) == []  # reported once
    status = t.status(1)
    assert status is not None and set(status.doors.values()) == {DoorState.UNKNOWN}
    assert t.board_health() == {1: "unreachable"}
    assert read(t, clock, CL, OP) == [("board_back", None)]
    assert read(t, clock, CL, OP) == [("door_opened_without_command", 2)]
    assert t.board_health() == {1: "ok"}


def test_bus_down_blinds_the_status() -> None:
    t, clock = make()
    assert t.status(1) is None and t.board_health() == {1: "unknown"}
    read(t, clock, OP, CL)
    status = t.status(1, bus_up=False)
    assert status is not None and status.doors[1] is DoorState.UNKNOWN
