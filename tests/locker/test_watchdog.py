"""The locker daemon's systemd watchdog: keep-alives stop when a bus thread hangs, never when healthy.

A real unix datagram socket in a tmp dir plays systemd's NOTIFY_SOCKET; the bus is the real
SerialLockBus on the simulator's pty; the watchdog's clock is a ManualClock and its thread is
not started: the test drives `probe_once()` and `tick()` itself.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from common.clock import ManualClock
from common.sdnotify import notify, watchdog_interval_s
from drivers.lockboard.bus import open_bus
from drivers.lockboard.config import BusConfig
from drivers.lockboard.port import BusState
from drivers.lockboard.sim import start_simulator
from locker.watchdog import MAIN, Supervision
from tests.harness import free_port

WATCHDOG_S = 20  # stale after 10 s


@pytest.fixture
def systemd(tmp_path: Path) -> Iterator[tuple[socket.socket, dict[str, str]]]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = tmp_path / "notify.sock"
    sock.bind(str(path))
    sock.setblocking(False)
    yield sock, {"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": str(WATCHDOG_S * 1_000_000)}
    sock.close()


@pytest.fixture
def bus() -> Iterator[Any]:
    with start_simulator("kerong-cu16", [0], 16, auto_close_s=None) as sim:
        keys = {"url": sim.url, "protocol": "kerong-cu16", "boards": [0], "reply_timeout_ms": 500}
        b = open_bus(BusConfig.model_validate(keys))
        yield b
        b.close()


def received(sock: socket.socket) -> list[bytes]:
    out = []
    while True:
        try:
            out.append(sock.recv(256))
        except BlockingIOError:
            return out


def test_healthy_bus_and_main_loop_keep_the_watchdog_fed(systemd: Any, bus: Any) -> None:
    sock, env = systemd
    clock = ManualClock()
    sup = Supervision({"bank1": bus}, env, clock)
    assert sup.watchdog is not None and sup.watchdog.interval_s == WATCHDOG_S / 4
    [probe] = sup.probes
    for _ in range(12):  # a minute of healthy life: never a missed keep-alive
        clock.advance(WATCHDOG_S / 4)
        assert probe.probe_once()
        sup.watchdog.beat(MAIN)
        assert sup.watchdog.tick()
        assert received(sock) == [b"WATCHDOG=1"]


def test_hung_bus_thread_stops_the_keep_alives_until_it_runs_again(systemd: Any, bus: Any) -> None:
    sock, env = systemd
    clock = ManualClock()
    sup = Supervision({"bank1": bus}, env, clock)
    assert sup.watchdog is not None
    [probe] = sup.probes
    assert probe.probe_once() and sup.watchdog.tick()
    assert received(sock) == [b"WATCHDOG=1"]

    # hang the real bus thread inside a job (as a serial call that never returns would)
    started, gate = threading.Event(), threading.Event()

    def hang(link: Any) -> None:
        started.set()
        gate.wait()

    hanger = threading.Thread(target=bus.transact, args=(hang,), daemon=True)
    hanger.start()
    assert started.wait(5)
    prober = threading.Thread(target=probe.probe_once, daemon=True)
    prober.start()  # queued behind the hung job: never runs while the thread is stuck
    for _ in range(3):
        clock.advance(WATCHDOG_S / 4)
        sup.watchdog.beat(MAIN)  # the main loop is fine: the bus alone stops the keep-alives
        sup.watchdog.tick()
    assert sup.watchdog.stale() == ["bus bank1"]
    assert received(sock) == [b"WATCHDOG=1", b"WATCHDOG=1"]  # the first 10 s, then silence

    gate.set()  # the bus thread runs again: the queued probe runs, keep-alives resume
    prober.join(10)
    hanger.join(10)
    assert sup.watchdog.stale() == [] and sup.watchdog.tick()
    assert received(sock) == [b"WATCHDOG=1"]


def test_a_stuck_main_loop_stops_the_keep_alives(systemd: Any, bus: Any) -> None:
    sock, env = systemd
    clock = ManualClock()
    sup = Supervision({"bank1": bus}, env, clock)
    assert sup.watchdog is not None
    clock.advance(WATCHDOG_S)
    assert sup.probes[0].probe_once()
    assert not sup.watchdog.tick() and sup.watchdog.stale() == [MAIN]
    assert received(sock) == []


def test_a_bus_without_its_adapter_is_not_a_hang(systemd: Any) -> None:
    class Unplugged:
        state = BusState.RECONNECTING

        def transact(self, run: Any) -> None:
            raise AssertionError("no job is sent to a bus without a port")

    sock, env = systemd
    clock = ManualClock()
    sup = Supervision({"bank1": Unplugged()}, env, clock)
    assert sup.watchdog is not None
    clock.advance(WATCHDOG_S)
    sup.watchdog.beat(MAIN)
    assert sup.probes[0].probe_once() and sup.watchdog.tick()


def test_ready_is_sent_once_the_server_listens(systemd: Any, bus: Any) -> None:
    sock, env = systemd

    async def app(scope: Any, receive: Any, send: Any) -> None:
        pass

    sup = Supervision({"bank1": bus}, env)
    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), lifespan="off", log_level="warning")
    server = sup.server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        sock.setblocking(True)
        sock.settimeout(10)
        assert sock.recv(256) == b"READY=1"
    finally:
        server.should_exit = True
        thread.join(10)
    sup.stop()
    sock.setblocking(False)
    assert received(sock) == [b"STOPPING=1"]


def test_without_systemd_nothing_is_started_or_sent(bus: Any) -> None:
    sup = Supervision({"bank1": bus}, {})
    assert sup.watchdog is None and sup.probes == []
    assert notify("READY=1", {}) is False
    assert watchdog_interval_s({"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "0"}) is None
    other_pid = {"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}
    assert watchdog_interval_s(other_pid) is None


def test_abstract_notify_socket() -> None:
    name = f"kiosk-locker-test-{free_port()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.settimeout(5)
    try:
        assert notify("WATCHDOG=1", {"NOTIFY_SOCKET": "@" + name})
        assert sock.recv(64) == b"WATCHDOG=1"
    finally:
        sock.close()
