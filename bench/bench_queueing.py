"""Queueing service benchmark.

1. Ticket issue over HTTP: latency p50/p99 and throughput with 8 concurrent kiosk clients against
   `python -m queueing` in its own process (goal: p99 < 20 ms, > 500 tickets/s).
2. Wait estimate on a simulated morning (controlled clock, real SQLite): error of the shown
   range against the wait each citizen really had.

`python -m bench queueing` (env BENCH_QUEUE_TICKETS=N to change the HTTP load, default 2400;
BENCH_QUEUE_SYNC=FULL to measure with `sqlite_synchronous = "FULL"`, an fsync per commit).
"""

from __future__ import annotations

import http.client
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from bench.common import percentile, print_table, write_results
from common.clock import ManualClock
from common.config import load_raw, section
from queueing.config import QueueingConfig
from queueing.counters import CounterDesk
from queueing.service import QueueService
from queueing.staff_accounts import ensure_schema
from queueing.store import Store

REPO = Path(__file__).resolve().parent.parent
CLIENTS = 8


def _config(**over: Any) -> QueueingConfig:
    data = dict(section(load_raw(), "queueing"))
    data["hours"] = {d: ["00:00-23:59"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    data["services"] = [
        {**s, "last_ticket_before_close_min": 0, "daily_cap_tickets": 0} for s in data["services"]
    ]
    data.update(over)
    return QueueingConfig.model_validate(data)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) a process used so far (Linux /proc), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_issue(total: int) -> dict[str, Any]:
    """8 clients issue (and confirm) `total` tickets; latency of the issue call is measured."""
    from tests.harness import queueing_site

    tmp = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    site = tmp / "site.toml"
    sync = os.environ.get("BENCH_QUEUE_SYNC", "NORMAL")
    site.write_text(queueing_site(_config(sqlite_synchronous=sync)), encoding="utf-8")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "queueing",
            "--config",
            str(site),
            "--port",
            str(port),
            "--data-dir",
            str(tmp / "data"),
            "--log-level",
            "WARNING",
        ],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{url}/api/v1/health", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("queueing server did not start")
            time.sleep(0.1)
        services = [s["code"] for s in requests.get(f"{url}/api/v1/services").json()]
        token = (tmp / "data" / "kiosk.token").read_text().strip()  # what every kiosk sends
        latencies: list[float] = []
        lock = threading.Lock()
        per_client = total // CLIENTS

        def client(k: int) -> None:
            # Like a kiosk: one persistent (keep-alive) connection per kiosk, JSON body, a new
            # Idempotency-Key per ticket, issue then confirm. http.client rather than requests so
            # the client's own CPU (same 2 cores as the server) disturbs the figures less.
            rnd = random.Random(k)
            mine: list[float] = []
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for i in range(per_client):
                body = json.dumps({"service": rnd.choice(services), "channel": "kiosk"})
                t0 = time.perf_counter()
                conn.request(
                    "POST",
                    "/api/v1/tickets",
                    body=body,
                    headers={
                        "Content-Type": "application/json",
                        "Idempotency-Key": f"b{k}-{i}",
                        "Authorization": f"Bearer {token}",
                    },
                )
                resp = conn.getresponse()
                data = resp.read()
                mine.append((time.perf_counter() - t0) * 1000)
                if resp.status != 201:
                    raise RuntimeError(f"issue answered {resp.status}: {data[:200]!r}")
                ticket_id = json.loads(data)["ticket_id"]
                conn.request(
                    "POST",
                    f"/api/v1/tickets/{ticket_id}/confirm",
                    body=b'{"delivery": "printed"}',
                    headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
                )
                conn.getresponse().read()
            conn.close()
            with lock:
                latencies.extend(mine)

        threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
        cpu_start = _cpu_s(proc.pid)
        client_cpu_start = time.process_time()  # this process runs only the 8 client threads now
        t_start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t_start
        cpu_end = _cpu_s(proc.pid)
        client_cpu = time.process_time() - client_cpu_start
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()
    n = len(latencies)
    server_cpu = None if cpu_start is None or cpu_end is None else cpu_end - cpu_start
    return {
        "clients": CLIENTS,
        "sqlite_synchronous": sync,
        "tickets": n,
        "issue_p50_ms": percentile(latencies, 50),
        "issue_p99_ms": percentile(latencies, 99),
        "issue_max_ms": max(latencies),
        "tickets_per_s": n / elapsed,  # each ticket is two requests: issue and confirm
        "requests_per_s": 2 * n / elapsed,
        # server process CPU (all its threads) per ticket = issue + confirm request
        "server_cpu_ms_per_ticket": None if server_cpu is None else 1000 * server_cpu / n,
        "client_cpu_ms_per_ticket": 1000 * client_cpu / n,
    }


def bench_core(total: int) -> dict[str, Any]:
    """The same issue + confirm without HTTP (use cases on a real SQLite file), one thread."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-queue-core-"))
    store = Store(tmp / "q.sqlite3")
    store.open()
    queue = QueueService(_config(), store, ManualClock(datetime(2026, 1, 5, 2, 0, tzinfo=UTC)))
    queue.load()
    codes = [s.code for s in queue.config.services]
    lat: list[float] = []
    t_start = time.perf_counter()
    for i in range(total):
        t0 = time.perf_counter()
        t = queue.issue(codes[i % len(codes)], channel="kiosk", idempotency_key=f"c{i}")
        lat.append((time.perf_counter() - t0) * 1000)
        queue.confirm(t.ticket_id, "printed")
    elapsed = time.perf_counter() - t_start
    store.close()
    return {
        "tickets": total,
        "issue_p50_ms": percentile(lat, 50),
        "issue_p99_ms": percentile(lat, 99),
        "tickets_per_s": total / elapsed,
    }


def simulate_day(seed: int = 7) -> dict[str, Any]:
    """A morning at a 3-counter civil-status service; every shown estimate checked against reality."""
    rnd = random.Random(seed)
    tmp = Path(tempfile.mkdtemp(prefix="bench-queue-sim-"))
    staff = [{"staff_id": f"s{i}", "name": f"Cán bộ {i}", "pin": "1234"} for i in range(1, 4)]
    counters = [{"number": i, "services": ["ho_tich"]} for i in range(1, 4)]
    cfg = _config(demo_staff=staff, counters=counters)
    start = datetime(2026, 1, 5, 0, 30, tzinfo=UTC)  # 07:30 local
    clock = ManualClock(start)
    store = Store(tmp / "q.sqlite3")
    store.open()
    queue = QueueService(cfg, store, clock)
    queue.load()
    ensure_schema(store)
    desk = CounterDesk(queue.wiring, queue.states, queue.estimates)
    desk.staff.accounts.sync_demo(cfg.demo_staff)
    sessions = []
    for i in range(1, 4):
        token = desk.sign_in(f"s{i}", "1234", i)[0]
        sessions.append(desk.session(token))
    busy_until: list[float | None] = [None, None, None]
    shown: dict[str, tuple[float, int | None, int | None]] = {}  # ticket -> (issued, min, max)
    actual: dict[str, float] = {}
    current: list[str | None] = [None, None, None]
    step_s = 10.0
    minutes = 240
    for step in range(int(minutes * 60 / step_s)):
        t_min = step * step_s / 60
        # arrivals: a peak around 08:30 (about 1.1 per minute), quieter later (0.4 per minute)
        rate_per_min = 0.4 + 0.7 * math.exp(-(((t_min - 60) / 40) ** 2))
        arrivals = sum(1 for _ in range(20) if rnd.random() < rate_per_min * step_s / 60 / 20)
        now_ts = clock.now().timestamp()
        for a in range(arrivals):
            t = queue.issue(
                "ho_tich",
                channel="kiosk",
                idempotency_key=f"sim{step}-{a}",
                priority="elderly" if rnd.random() < 0.08 else None,
            )
            queue.confirm(t.ticket_id, "printed")
            shown[t.ticket_id] = (now_ts, t.wait_min, t.wait_max)
        for c in range(3):
            if busy_until[c] is not None and now_ts >= busy_until[c]:  # type: ignore[operator]
                desk.finish(sessions[c])
                busy_until[c] = None
                current[c] = None
            if busy_until[c] is None:
                try:
                    called = desk.call_next(sessions[c])
                except Exception:  # queue empty: the counter stays idle
                    continue
                actual[called.ticket_id] = now_ts - shown[called.ticket_id][0]
                desk.start(sessions[c])
                service_s = max(60.0, rnd.lognormvariate(math.log(300), 0.5))  # median 5 min
                busy_until[c] = now_ts + service_s
                current[c] = called.ticket_id
        clock.advance(step_s)
    store.close()
    errors, inside, hidden, waits = [], 0, 0, []
    for tid, (_, lo, hi) in shown.items():
        if tid not in actual:
            continue
        w = actual[tid] / 60
        waits.append(w)
        if lo is None or hi is None:
            hidden += 1
            continue
        errors.append(abs(w - (lo + hi) / 2))
        inside += lo - 0.5 <= w <= hi + 0.5
    shown_n = len(errors)
    return {
        "tickets": len(shown),
        "called": len(actual),
        "estimate_hidden": hidden,
        "wait_mean_min": sum(waits) / len(waits),
        "wait_p90_min": percentile(waits, 90),
        "estimate_mae_min": sum(errors) / shown_n if shown_n else float("nan"),
        "estimate_p90_err_min": percentile(errors, 90),
        "within_range_pct": 100 * inside / shown_n if shown_n else float("nan"),
    }


def main() -> None:
    """Run both parts, print tables, write bench/results/queueing.json."""
    sys.path.insert(0, str(REPO))
    total = int(os.environ.get("BENCH_QUEUE_TICKETS", "2400"))
    issue = bench_issue(total)
    print_table(
        "Ticket issue over HTTP (8 concurrent kiosk clients; goal p99 < 20 ms, > 500 tickets/s)",
        [
            "clients",
            "tickets",
            "p50 ms",
            "p99 ms",
            "max ms",
            "tickets/s",
            "requests/s",
            "srv CPU ms/t",
            "client CPU ms/t",
        ],
        [
            [
                issue["clients"],
                issue["tickets"],
                issue["issue_p50_ms"],
                issue["issue_p99_ms"],
                issue["issue_max_ms"],
                issue["tickets_per_s"],
                issue["requests_per_s"],
                issue["server_cpu_ms_per_ticket"],
                issue["client_cpu_ms_per_ticket"],
            ]
        ],
    )
    core = bench_core(total)
    print_table(
        "Same issue + confirm without HTTP (store and use cases only, one thread)",
        ["tickets", "p50 ms", "p99 ms", "tickets/s"],
        [[core["tickets"], core["issue_p50_ms"], core["issue_p99_ms"], core["tickets_per_s"]]],
    )
    sim = simulate_day()
    print_table(
        "Wait estimate on a simulated morning (3 counters, 07:30-11:30, median service 5 min)",
        ["tickets", "called", "hidden", "wait mean", "wait p90", "MAE min", "p90 err", "in range %"],
        [
            [
                sim["tickets"],
                sim["called"],
                sim["estimate_hidden"],
                sim["wait_mean_min"],
                sim["wait_p90_min"],
                sim["estimate_mae_min"],
                sim["estimate_p90_err_min"],
                sim["within_range_pct"],
            ]
        ],
    )
    load = os.getloadavg()
    print(f"machine load average while measuring: {load[0]:.2f} (2 cores shared with other work)")
    write_results(
        "queueing", {"issue": issue, "core": core, "wait_estimate": sim, "load_average_1min": load[0]}
    )


if __name__ == "__main__":
    main()
