"""Fixtures for the lock-board tests: a simulator plus a bus talking to it over a real pty."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from drivers.lockboard.bus import SerialLockBus
from drivers.lockboard.config import BusConfig
from drivers.lockboard.sim import SimulatorHandle, start_simulator
from drivers.lockboard.types import DoorEvent, Protocol_
from tests.harness import wait_until

REPO_ROOT_DIR = Path(__file__).resolve().parents[2]

FAST = {
    "poll_interval_ms": 30,
    "unreachable_poll_interval_ms": 100,
    "reply_timeout_ms": 250,
    "unlock_reply_timeout_ms": 300,
    "quiet_ms": 10,
    "quiet_max_ms": 200,
    "watch_interval_ms": 20,
    "reconnect_initial_delay_ms": 20,
    "reconnect_max_delay_ms": 100,
}


class Rig:
    """A simulator, a bus on its pty, and the events the bus emitted."""

    def __init__(self, sim: SimulatorHandle, bus: SerialLockBus) -> None:
        self.sim = sim
        self.cab = sim.cabinet
        self.bus = bus
        self.events: list[DoorEvent] = []
        bus.subscribe(self.events.append)

    def kinds(self) -> list[tuple[str, int | None, int | None]]:
        return [(e.kind.value, e.board, e.lock) for e in list(self.events)]


@contextmanager
def rig(
    protocol: str,
    boards: int = 1,
    locks: int = 8,
    *,
    tcp_port: int | None = None,
    sim_kw: dict[str, Any] | None = None,
    **cfg: Any,
) -> Iterator[Rig]:
    """Start a simulator and an opened bus; close both afterwards."""
    sim = start_simulator(protocol, boards, locks, tcp_port=tcp_port, **(sim_kw or {}))
    config = BusConfig(
        url=sim.url, protocol=Protocol_(protocol), boards=sim.boards, locks_per_board=locks, **{**FAST, **cfg}
    )
    bus = SerialLockBus(config)
    try:
        bus.open()
        r = Rig(sim, bus)
        # let the start-up polls finish, so faults injected by a test hit the test's own requests
        assert wait_until(lambda: set(bus.board_health().values()) == {"ok"})
        yield r
    finally:
        bus.close()
        sim.close()


@pytest.fixture
def make_rig() -> Callable[..., Any]:
    """The `rig` context manager, as a fixture."""
    return rig


@pytest.fixture
def kerong() -> Iterator[SimulatorHandle]:
    """Two simulated Kerong boards (0 and 1) of 16 locks whose doors stay open until closed."""
    sim = start_simulator("kerong-cu16", 2, 16, auto_close_s=None)
    yield sim
    sim.close()


def cli_base(sim: SimulatorHandle) -> list[str]:
    """`lockerctl` options that reach `sim`."""
    return ["--port", sim.url, "--protocol", sim.protocol.value, "--timeout-ms", "300"]
