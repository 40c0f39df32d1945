"""Unlock latency: from the `unlock()` call to the last byte of the unlock frame written.

Runs the real `SerialLockBus` against the simulator over a real pty, per protocol, on an idle
bus and on a bus busy polling 4 boards every 20 ms (an unlock may then wait for one poll
transaction in flight). The pty has no baud-rate delay, so the figures are the software
overhead; the frame's wire time at the configured baud (10 bits per byte, 8N1) is the physical
floor a real RS485 line adds on top. Goal: software overhead p99 under 5 ms.
"""

from __future__ import annotations

import os
import threading
import time

from bench.common import percentile, print_table, write_results
from drivers.lockboard.bus import SerialLockBus
from drivers.lockboard.codec import codec_for
from drivers.lockboard.config import BusConfig
from drivers.lockboard.sim import start_simulator
from drivers.lockboard.types import Protocol_

N_UNLOCKS = int(os.environ.get("BENCH_LOCKBOARD_N", "1000"))
GOAL_P99_MS = 5.0


def run(protocol: Protocol_, busy: bool, n: int) -> dict[str, object]:
    """n unlocks on one bus; returns the latency figures in ms."""
    boards = 4 if busy else 1
    sim = start_simulator(protocol, boards, 16, auto_close_s=None)
    written: dict[str, float] = {}
    done = threading.Event()
    unlock_frames = {
        codec_for(protocol).unlock_frame(b, lock, 500) for b in sim.boards for lock in range(1, 17)
    }

    def on_written(frame: bytes, t: float) -> None:
        if frame in unlock_frames:
            written["t"] = t
            done.set()

    config = BusConfig(
        url=sim.url,
        protocol=protocol,
        boards=sim.boards,
        locks_per_board=16,
        poll_interval_ms=20 if busy else 3_600_000,
    )
    bus = SerialLockBus(config, on_frame_written=on_written)
    bus.open()
    samples: list[float] = []
    try:
        for i in range(n):
            board = sim.boards[i % len(sim.boards)]
            done.clear()
            t0 = time.perf_counter()
            bus.unlock(board, 1 + i % 16)
            if done.wait(5):
                samples.append((written["t"] - t0) * 1000)
    finally:
        bus.close()
        sim.close()
    frame_len = len(codec_for(protocol).unlock_frame(sim.boards[0], 1, 500))
    wire_ms = frame_len * 10 / config.baud * 1000
    p99 = percentile(samples, 99)
    return {
        "protocol": protocol.value,
        "bus": "polling 4 boards/20 ms" if busy else "idle",
        "n": len(samples),
        "frame_bytes": frame_len,
        "baud": config.baud,
        "wire_ms": wire_ms,
        "p50_ms": percentile(samples, 50),
        "p99_ms": p99,
        "max_ms": max(samples) if samples else float("nan"),
        "p99_plus_wire_ms": p99 + wire_ms,
        "goal_met": p99 < GOAL_P99_MS,
    }


def main() -> None:
    """Run every protocol idle, and Kerong busy; print the table and write results."""
    rows = [run(p, False, N_UNLOCKS) for p in Protocol_]
    rows.append(run(Protocol_.KERONG_CU16, True, N_UNLOCKS))
    header = list(rows[0].keys())
    print_table(
        f"unlock call -> last byte written (software overhead, pty), {N_UNLOCKS} unlocks each",
        header,
        [[r[h] for h in header] for r in rows],
    )
    print(f"load average while running: {os.getloadavg()[0]:.2f} (2-core machine shared with others)")
    write_results(
        "lockboard", {"goal_p99_ms": GOAL_P99_MS, "load_avg_1min": os.getloadavg()[0], "rows": rows}
    )


if __name__ == "__main__":
    main()
