"""The simulator as a separate process: prints its URL and answers a real bus; stdin commands."""

from __future__ import annotations

import array
import fcntl
import os
import subprocess
import sys
import termios
import tty

from drivers.lockboard.bus import SerialLockBus
from drivers.lockboard.config import BusConfig
from drivers.lockboard.kerong import status_frame
from drivers.lockboard.types import DoorState, Protocol_
from tests.harness import wait_until

from .conftest import REPO_ROOT_DIR


def test_simulator_process_on_tcp(port: int) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "drivers.lockboard.sim",
            "--protocol",
            "bu-8a",
            "--boards",
            "2",
            "--tcp",
            str(port),
        ],
        cwd=REPO_ROOT_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdin is not None
        url = proc.stdout.readline().strip()
        assert url == f"socket://127.0.0.1:{port}"
        proc.stdin.write("open 2 5\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "ok"
        bus = SerialLockBus(BusConfig(url=url, protocol=Protocol_.BU_8A, boards=[1, 2], locks_per_board=8))
        bus.open()
        try:
            assert bus.read_board(2).doors[5] is DoorState.OPEN
            assert wait_until(lambda: bus.board_health() == {1: "ok", 2: "ok"})
        finally:
            bus.close()
        proc.stdin.write("bogus\n")
        proc.stdin.flush()
        assert proc.stdout.readline().startswith("commands:")
        proc.stdin.write("quit\n")
        proc.stdin.flush()
        assert proc.wait(10) == 0
    finally:
        proc.kill()
        proc.wait(5)


def _kerong_on_a_pty() -> subprocess.Popen[str]:
    """A Kerong simulator process on a pty; its first stdout line is the pty's path."""
    return subprocess.Popen(
        [sys.executable, "-m", "drivers.lockboard.sim", "--protocol", "kerong-cu16", "--pty"],
        cwd=REPO_ROOT_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def test_simulator_pty_mode_prints_a_path() -> None:
    proc = _kerong_on_a_pty()
    try:
        assert proc.stdout is not None and proc.stdin is not None
        path = proc.stdout.readline().strip()
        assert path.startswith("/") and "locksim-" in path
        bus = SerialLockBus(BusConfig(url=path, protocol=Protocol_.KERONG_CU16, boards=[0]))
        bus.open()
        try:
            assert bus.unlock(0, 1).value == "acked"
        finally:
            bus.close()
        proc.stdin.close()
        proc.terminate()
        proc.wait(10)
    finally:
        proc.kill()
        proc.wait(5)


def _queued(fd: int) -> int:
    """Bytes waiting to be read on `fd` (FIONREAD)."""
    buf = array.array("i", [0])
    fcntl.ioctl(fd, termios.FIONREAD, buf)
    return buf[0]


def test_simulator_stops_when_its_replies_were_never_read() -> None:
    # a bus that asked and went away without reading: the simulator keeps the pty's other end
    # open, so its replies pile up; once the buffer was full a reply's write blocked for ever,
    # holding the lock `close` needs, and the process never stopped (a CI run hung here)
    proc = _kerong_on_a_pty()
    try:
        assert proc.stdout is not None and proc.stdin is not None
        fd = os.open(proc.stdout.readline().strip(), os.O_RDWR | os.O_NOCTTY)
        try:
            tty.setraw(fd)
            for _ in range(3000):  # ~11 bytes each; every reply left unread
                os.write(fd, status_frame(0))
            seen = {"last": -1, "same": 0}

            def settled() -> bool:  # the simulator has stopped writing: all answered, or blocked
                queued = _queued(fd)
                seen["same"] = seen["same"] + 1 if queued == seen["last"] else 0
                seen["last"] = queued
                return queued > 0 and seen["same"] >= 10

            wait_until(settled, 20, "the simulator to stop writing replies")
        finally:
            os.close(fd)
        proc.stdin.close()
        proc.terminate()
        assert proc.wait(10) == 0
    finally:
        proc.kill()
        proc.wait(5)
