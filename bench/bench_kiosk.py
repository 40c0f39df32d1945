"""Kiosk benchmarks: cold start to the first drawn home screen, RSS over 1,000 simulated
ticket flows against the real queueing service, and UI frame time while the camera preview runs.

Each part runs in its own process (Kivy has one window per process):
`python -m bench kiosk` runs all; `python -m bench.bench_kiosk --part start|rss|preview` one.
Goals (issue 7): start < 3 s, RSS < 250 MB and flat, preview >= 15 fps with the UI responsive.
Set KIOSK_BENCH_FLOWS to run fewer flows while developing.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import percentile, print_table, write_results

ROOT = Path(__file__).resolve().parent.parent


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _kivy_env(maxfps: int = 60) -> None:
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("KIVY_CLIPBOARD", "sdl2")
    os.environ["KIVY_HOME"] = tempfile.mkdtemp(prefix="kivy-bench-")
    from kivy.config import Config

    Config.set("graphics", "maxfps", str(maxfps))


# ----- part 1: cold start -----
def bench_start(runs: int = 3) -> dict[str, Any]:
    """Wall time from spawning run_kiosk.py to its KIOSK_READY line (home screen drawn)."""
    walls, inner = [], []
    env = dict(os.environ, SDL_VIDEODRIVER="offscreen")
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(runs):
            t0 = time.monotonic()
            proc = subprocess.Popen(
                [
                    sys.executable,
                    str(ROOT / "run_kiosk.py"),
                    "--exit-after-first-frame",
                    "--no-services",
                    "--log-level",
                    "WARNING",
                    "--screenshot",
                    str(Path(tmp) / "s.png"),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
                text=True,
            )
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.startswith("KIOSK_READY"):
                    walls.append(time.monotonic() - t0)
                    inner.append(float(line.split()[1]))
                    break
            proc.wait(60)
    return {
        "runs": runs,
        "wall_s_median": statistics.median(walls),
        "wall_s_max": max(walls),
        "in_process_s_median": statistics.median(inner),
    }


# ----- part 2: RSS over many flows -----
def bench_rss(flows: int) -> dict[str, Any]:
    """Drive `flows` complete ticket flows (service -> priority -> ticket printed -> home)."""
    _kivy_env(maxfps=0)  # a throughput loop: do not wait for vsync between pumps
    from kivy.base import EventLoop

    from common.clock import ManualClock
    from drivers.printer.printer import open_printer
    from kiosk.app import KioskApp
    from kiosk.clients.queueing import QueueingClient
    from kiosk.config import load_app_config
    from kiosk.services import Services
    from tests.harness import QueueingProcess, free_port
    from tests.kiosk.live import SITE_TOML

    tmp = Path(tempfile.mkdtemp(prefix="bench-kiosk-"))
    q = QueueingProcess(SITE_TOML, tmp, free_port())
    q.start()
    try:
        cfg = load_app_config(
            None, overrides={"screenshot_every_s": 0, "health_poll_s": 300, "scan_id_enabled": False}
        )
        clock = ManualClock()
        # png:// as in `make run`: every ticket drawn, encoded and saved (pruned on disk)
        services = Services(
            queueing=QueueingClient(q.url, token_file=q.token_file),
            printer=open_printer(f"png://{tmp / 'printer'}"),
            printer_error="",
        )
        app = KioskApp(cfg, services, clock=clock)
        EventLoop.ensure_window()
        app._run_prepare()

        def pump_until(pred: Any, timeout_s: float = 20) -> None:
            deadline = time.monotonic() + timeout_s
            while not pred():
                if time.monotonic() > deadline:
                    raise TimeoutError(f"stuck on {app.current}")
                EventLoop.idle()

        trace = os.environ.get("KIOSK_BENCH_TRACEMALLOC") == "1"  # where memory goes, between flows
        if trace:
            import tracemalloc

            tracemalloc.start(4)
            snap0 = None
        samples: list[tuple[int, float]] = [(0, _rss_mb())]
        marks = {1, 10, 100, 250, 500, 750, flows}
        t0 = time.monotonic()
        ticket = app.screen("ticket")
        for i in range(1, flows + 1):
            app.go("services")
            scr = app.screen("services")
            pump_until(lambda s=scr: bool(s.services))
            scr.choose(next(s for s in scr.services if s.code == "ho_tich"))
            prio = app.screen("priority")
            pump_until(lambda p=prio: bool(p.priorities))
            prio.choose(None)
            pump_until(lambda: ticket.state == "printed")
            ticket.done()
            pump_until(lambda: app.current == "home")
            # between citizens home releases memory (1 s after it shows, at most every 20 s): do it
            # now rather than wait a real second per flow; the next citizen comes 30 s later
            clock.advance(30)
            app.screen("home").memory.release()
            if i in marks:
                samples.append((i, _rss_mb()))
            if trace and i == min(20, flows):
                snap0 = tracemalloc.take_snapshot()
        if trace and snap0 is not None:
            stats = tracemalloc.take_snapshot().compare_to(snap0, "traceback")
            for stat in stats[:8]:
                print(f"{stat.size_diff / 1e3:+.0f} kB in {stat.count_diff:+d} blocks", file=sys.__stderr__)
                for line in stat.traceback.format()[-6:]:
                    print("   ", line, file=sys.__stderr__)
        elapsed = time.monotonic() - t0
        app.stop()
    finally:
        q.stop()
    after_warmup = [m for n, m in samples if n >= min(100, flows)]
    return {
        "flows": flows,
        "seconds": elapsed,
        "flows_per_s": flows / elapsed,
        "rss_mb": samples,
        "rss_final_mb": samples[-1][1],
        "growth_after_warmup_mb": after_warmup[-1] - after_warmup[0],
    }


# ----- part 3: frame time with the camera preview -----
def bench_preview(seconds: float = 5.0, camera_fps: float = 30.0) -> dict[str, Any]:
    """Feed 640x480 frames at `camera_fps` from a thread while the scan screen runs."""
    _kivy_env()
    import numpy as np
    from kivy.base import EventLoop

    from common.clock import ManualClock
    from kiosk.app import KioskApp
    from kiosk.clients.queueing import ServiceInfo
    from kiosk.config import load_app_config
    from kiosk.services import Services

    cfg = load_app_config(
        None, overrides={"screenshot_every_s": 0, "health_poll_s": 300, "scan_id_timeout_s": 300}
    )
    app = KioskApp(cfg, Services(), clock=ManualClock())
    EventLoop.ensure_window()
    app._run_prepare()
    app.go("scan_id", service=ServiceInfo("x", "X", "X", "A", True, None, 0, None))
    preview = app.screen("scan_id").ids.preview
    stop = threading.Event()
    frames = [np.random.default_rng(i).integers(0, 255, (480, 640, 3), dtype=np.uint8) for i in range(8)]
    sent = 0

    def camera() -> None:
        nonlocal sent
        period = 1 / camera_fps
        nxt = time.monotonic()
        while not stop.is_set():
            preview.offer_frame(frames[sent % len(frames)])
            sent += 1
            nxt += period
            stop.wait(max(0.0, nxt - time.monotonic()))

    for _ in range(5):
        EventLoop.idle()
    # baseline: the same screen without camera frames (what the renderer costs by itself)
    base_ms: list[float] = []
    t_base = time.monotonic() + min(3.0, seconds)
    while time.monotonic() < t_base:
        t = time.monotonic()
        EventLoop.idle()
        base_ms.append((time.monotonic() - t) * 1000)
    start_drawn = preview.frames_drawn
    th = threading.Thread(target=camera, daemon=True)
    th.start()
    frame_ms: list[float] = []
    t_end = time.monotonic() + seconds
    while time.monotonic() < t_end:
        t = time.monotonic()
        EventLoop.idle()  # one UI frame, capped at Kivy's maxfps
        frame_ms.append((time.monotonic() - t) * 1000)
    stop.set()
    th.join(2)
    drawn = preview.frames_drawn - start_drawn
    app.stop()
    return {
        "seconds": seconds,
        "camera_fps": camera_fps,
        "frames_sent": sent,
        "preview_fps": drawn / seconds,
        "ui_frames": len(frame_ms),
        "frame_ms_p50": percentile(frame_ms, 50),
        "frame_ms_p95": percentile(frame_ms, 95),
        "frame_ms_max": max(frame_ms),
        "idle_frame_ms_p50": percentile(base_ms, 50),
        "idle_frame_ms_p95": percentile(base_ms, 95),
    }


def _run_part(part: str, flows: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_kiosk", "--part", part, "--flows", str(flows)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return dict(json.loads(line[7:]))
    raise RuntimeError(f"part {part} failed: {out.stderr[-1500:]}")


def main() -> None:
    """Run every part and print one table."""
    flows = int(os.environ.get("KIOSK_BENCH_FLOWS", "1000"))
    start = bench_start()
    rss = _run_part("rss", flows)
    prev = _run_part("preview", flows)
    print_table(
        "kiosk",
        ["measure", "value", "goal"],
        [
            ["cold start to home drawn, wall (median of 3), s", start["wall_s_median"], "< 3"],
            ["  of which inside the process, s", start["in_process_s_median"], ""],
            [f"RSS after {rss['flows']} ticket flows, MB", rss["rss_final_mb"], "< 250"],
            ["RSS growth after the first 100 flows, MB", rss["growth_after_warmup_mb"], "~0 (flat)"],
            ["ticket flows per second (real queueing + png:// printer)", rss["flows_per_s"], ""],
            ["camera preview drawn, fps (camera 30 fps)", prev["preview_fps"], ">= 15"],
            ["UI frame time p50 / p95, ms", f"{prev['frame_ms_p50']:.1f} / {prev['frame_ms_p95']:.1f}", ""],
            ["UI frame time max, ms", prev["frame_ms_max"], ""],
            [
                "UI frame time, same screen without camera, p50 / p95, ms",
                f"{prev['idle_frame_ms_p50']:.1f} / {prev['idle_frame_ms_p95']:.1f}",
                "",
            ],
        ],
    )
    print("RSS samples (flows, MB):", ", ".join(f"{n}:{m:.1f}" for n, m in rss["rss_mb"]))
    write_results("kiosk", {"start": start, "rss": rss, "preview": prev})


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--part", choices=["start", "rss", "preview"])
    ap.add_argument("--flows", type=int, default=1000)
    a = ap.parse_args()
    if a.part is None:
        main()
    else:
        sys.path.insert(0, str(ROOT))
        res = {"start": bench_start, "rss": lambda: bench_rss(a.flows), "preview": bench_preview}[a.part]()
        print("RESULT " + json.dumps(res))
