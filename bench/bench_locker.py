"""Pickup latency: HTTP request sent -> unlock frame written to the serial line.

The whole locker daemon runs in this process as in production: FastAPI/uvicorn on 127.0.0.1,
the LockerService with its SQLite database (WAL, synchronous=FULL, group commit), and the real
SerialLockBus on a pty. The lock boards are the simulator in a process of its own, as real
boards are separate hardware (`BENCH_LOCKER_SIM=inprocess` runs it inside the daemon's process,
as the embedded demo cabinet does and as this bench did before). Each sample is one citizen
pickup: the clock starts just before the client sends `POST /api/v1/pickups` and stops when the
bus reports the unlock frame for that compartment written and flushed (`on_frame_written`).
That covers HTTP parsing, the kiosk token, throttle check, code HMAC lookup, the intent
transaction (its commit, an fsync, possibly shared with other pickups' transactions), and the
bus's read of the door before the pulse. Measured with 1 and 8 concurrent clients (kiosks in
their own processes, each sending its next pickup as soon as the last one answered: a closed
loop, which drives the daemon to saturation), and with 8 clients in an open loop at a fixed
offered rate (`BENCH_LOCKER_OPEN_RATE`, default 40 pickups/s in all, far above any center's
real rate), which shows the latency when the daemon is not saturated. Goal: p99 < 20 ms.

The kiosks' HTTP client is lean (`http.client`, one keep-alive connection each) so that the load
generator, sharing this machine's two cores with the daemon, takes little of the CPU the daemon is
measured on: with `requests` (`BENCH_LOCKER_CLIENT=requests`, what the kiosk app uses on its own
machine) each client request costs about 1.7 ms of CPU instead of 0.3.

Columns: cpu/pickup is the daemon process's CPU per pickup (HTTP, pickup, bus thread, door
watch, monitor, outbox; with `inprocess` also the simulator), sim cpu the simulator process's,
client cpu the kiosk clients' processes';
commits/pickup counts the database COMMITs (each one WAL fsync) per pickup, all writers
included (pickups' intent and result, door events, outbox); answer p50/p99 is the whole HTTP
round trip as the kiosk sees it (door watch and receipt included), and pickups/s the rate the
clients achieved, so that a gain in frame latency paid for elsewhere shows.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import requests
import uvicorn

from bench.common import percentile, print_table, write_results
from common.clock import SystemClock
from drivers.gateways.backoffice import NoBackOffice
from drivers.gateways.sms import FileSmsGateway
from drivers.lockboard.bus import SerialLockBus
from drivers.lockboard.codec import codec_for
from drivers.lockboard.config import BusConfig
from drivers.lockboard.sim import start_simulator
from locker.api import create_app
from locker.config import LockerConfig
from locker.domain import DepositState
from locker.service import LockerService, Paths

ROUNDS = int(os.environ.get("BENCH_LOCKER_ROUNDS", "12"))  # x 32 pickups per row: a steadier p99
SIM_IN_PROCESS = os.environ.get("BENCH_LOCKER_SIM", "process") == "inprocess"
REPO = Path(__file__).resolve().parent.parent
GOAL_P99_MS = 20.0
#: The open-loop row: 8 kiosks each starting a pickup every 1/rate s, whether or not the last one
#: was answered (a closed loop measures the daemon saturated; this one at a fixed offered rate).
OPEN_LOOP_RATE_PER_S = float(os.environ.get("BENCH_LOCKER_OPEN_RATE", "40"))
LOCKS = 16
BOARDS = [0, 1]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config() -> LockerConfig:
    comps = [
        {"label": str(b * LOCKS + lk), "bus": "bank1", "board": b, "lock": lk, "size": "small"}
        for b in BOARDS
        for lk in range(1, LOCKS + 1)
    ]
    return LockerConfig.model_validate(
        {
            "buses": [
                {
                    "name": "bank1",
                    "protocol": "kerong-cu16",
                    "boards": BOARDS,
                    "locks_per_board": LOCKS,
                    "poll_interval_ms": 500,
                    "watch_interval_ms": 10,
                }
            ],
            "compartments": comps,
            "doors": {"watch_s": 0.5, "auto_confirm_on_close": False},
            "codes": {"kiosk_free_failures": 1000},
            "verify_requests_per_min": 10_000,  # the receipt-check rows come from one address
        }
    )


def _stock(svc: LockerService, round_no: int) -> dict[str, str]:
    """Put a loaded deposit with a known code in every compartment (bench fixture, no doors)."""
    codes: dict[str, str] = {}
    now = svc.clock.now()
    with svc.store.tx() as conn:
        busy = {
            r[0] for r in conn.execute("SELECT compartment FROM deposits WHERE state NOT IN ('collected')")
        }
        for label in svc.cabinet.compartments:
            if label in busy:
                continue  # a door seen jammed under load keeps its deposit: skip that compartment
            code = svc.codes.new_code()
            while code in codes.values():
                code = svc.codes.new_code()
            conn.execute(
                "INSERT INTO deposits(deposit_id, dossier_code, phone, compartment, size, state, code_digest,"
                " expires_at, created_by, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    f"b{round_no}-{label}",
                    f"BENCH-{round_no}-{label}",
                    "+84900000001",
                    label,
                    "small",
                    DepositState.CODE_SENT.value,
                    svc.codes.digest(code),
                    32472144000.0,  # 2999-01-01T00:00:00Z: the database keeps epoch seconds
                    "bench",
                    now.timestamp(),
                    now.timestamp(),
                ),
            )
            codes[label] = code
    return codes


class _SimProcess:
    """The lock-board simulator in a process of its own (`python -m drivers.lockboard.sim`)."""

    def __init__(self, boards: int, locks: int, auto_close_s: float) -> None:
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "drivers.lockboard.sim",
                "--protocol",
                "kerong-cu16",
                "--boards",
                str(boards),
                "--locks-per-board",
                str(locks),
                "--auto-close-s",
                str(auto_close_s),
                "--pty",
            ],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self._proc.stdout is not None
        self.url = self._proc.stdout.readline().strip()
        if not self.url:
            raise RuntimeError("lock-board simulator did not start")

    def cpu_s(self) -> float:
        """CPU seconds the simulator process has used so far."""
        fields = Path(f"/proc/{self._proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        """Ask it to quit (it removes its pty link), kill it if it does not."""
        try:
            assert self._proc.stdin is not None
            self._proc.stdin.write("quit\n")
            self._proc.stdin.flush()
            self._proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self._proc.kill()
            self._proc.wait(timeout=10)


#: The kiosks' HTTP client: "lean" (http.client, one keep-alive connection: about 0.3 ms of CPU
#: per request, so that the load generator, on the same two cores, takes little CPU from the
#: daemon it measures) or "requests" (what the kiosk app uses: about 1.7 ms per request).
CLIENT = os.environ.get("BENCH_LOCKER_CLIENT", "lean")
_SESSION: requests.Session | None = None
_CONN: http.client.HTTPConnection | None = None


def _warm(url: str) -> None:
    """Open the client process's HTTP connection (keep-alive) before measuring."""
    global _SESSION, _CONN
    health = url.replace("/pickups", "/health")
    if CLIENT == "requests":
        _SESSION = requests.Session()
        _SESSION.get(health, timeout=10)
    else:
        parts = urlsplit(health)
        _CONN = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
        _CONN.request("GET", parts.path)
        _CONN.getresponse().read()


def _post(url: str, token: str, code: str) -> int:
    """One pickup request; its HTTP status."""
    if _CONN is None:
        session = _SESSION or requests.Session()
        r = session.post(url, json={"code": code}, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        return int(r.status_code)
    body = json.dumps({"code": code}).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    _CONN.request("POST", urlsplit(url).path, body=body, headers=headers)
    answer = _CONN.getresponse()
    answer.read()
    return int(answer.status)


def _client(
    job: tuple[str, str, list[tuple[str, str]], float, float],
) -> tuple[list[tuple[str, float, float]], float]:
    """One kiosk: pickups one after another (the next as soon as the last is answered, or, with
    `interval_s` > 0, each at its own scheduled time); returns (label, perf_counter before
    sending, after the answer) of each, and the CPU seconds this client used."""
    url, token, items, interval_s, phase_s = job
    cpu0 = time.process_time()
    out = []
    start = time.perf_counter() + phase_s  # the kiosks' schedules interleave
    for k, (label, code) in enumerate(items):
        if interval_s > 0:
            time.sleep(max(0.0, start + k * interval_s - time.perf_counter()))  # paces the kiosk
        t0 = time.perf_counter()
        if _post(url, token, code) == 200:
            out.append((label, t0, time.perf_counter()))
    return out, time.process_time() - cpu0


def run_bench(rounds: int = ROUNDS) -> dict[str, object]:
    """Measure both concurrency levels; returns the figures."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-locker-"))
    sim = (
        start_simulator("kerong-cu16", BOARDS, LOCKS, auto_close_s=0.3)
        if SIM_IN_PROCESS
        else _SimProcess(len(BOARDS), LOCKS, auto_close_s=0.3)
    )
    codec = codec_for("kerong-cu16")
    frame_to_label = {
        codec.unlock_frame(b, lk, 500): str(b * LOCKS + lk) for b in BOARDS for lk in range(1, LOCKS + 1)
    }
    written: dict[str, float] = {}
    events: dict[str, threading.Event] = {label: threading.Event() for label in frame_to_label.values()}

    def on_written(frame: bytes, t: float) -> None:
        label = frame_to_label.get(frame)
        if label is not None:
            written[label] = t
            events[label].set()

    cfg = _config()
    keys = cfg.buses[0].bus_keys()
    keys["url"] = sim.url
    bus = SerialLockBus(BusConfig.model_validate(keys), on_frame_written=on_written)
    bus.open()
    data = tmp / "data"
    svc = LockerService(
        cfg,
        Paths(data, data / "locker.db", data / "code.key", data / "kiosk.token"),
        SystemClock(),
        {"bank1": bus},
        FileSmsGateway(tmp / "sms"),
        NoBackOffice(),
    )
    svc.start(sweep_interval_s=3600)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(svc),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    url = f"http://127.0.0.1:{port}/api/v1/pickups"
    results: dict[str, object] = {}
    rows = []
    spawn = multiprocessing.get_context("spawn")
    try:
        round_no = 0
        for clients, rate in ((1, 0.0), (8, 0.0), (8, OPEN_LOOP_RATE_PER_S)):
            interval_s = clients / rate if rate else 0.0
            samples: list[float] = []
            answers: list[float] = []
            cpu_s = sim_cpu_s = client_cpu_s = busy_s = 0.0
            commits = 0
            # Clients run in their own processes (as the kiosk does), so they do not compete with
            # the daemon for its GIL; perf_counter is CLOCK_MONOTONIC, comparable across processes.
            with ProcessPoolExecutor(clients, mp_context=spawn) as pool:
                list(pool.map(_warm, [url] * clients))
                for _ in range(rounds):
                    round_no += 1
                    codes = list(_stock(svc, round_no).items())
                    time.sleep(0.5)  # doors from the previous round close (auto_close 300 ms)
                    for ev in events.values():
                        ev.clear()
                    chunks = [
                        (url, svc.kiosk_token, codes[i::clients], interval_s, interval_s * i / clients)
                        for i in range(clients)
                    ]
                    cpu0, commits0 = time.process_time(), svc.store.commits
                    sim0 = sim.cpu_s() if isinstance(sim, _SimProcess) else 0.0
                    wall0 = time.perf_counter()
                    sent_lists = list(pool.map(_client, chunks))
                    busy_s += time.perf_counter() - wall0
                    time.sleep(0.35)  # let the door watches of this round finish (counted as CPU)
                    cpu_s += time.process_time() - cpu0
                    commits += svc.store.commits - commits0
                    sim_cpu_s += (sim.cpu_s() - sim0) if isinstance(sim, _SimProcess) else 0.0
                    client_cpu_s += sum(cpu for _, cpu in sent_lists)
                    for sent, _ in sent_lists:
                        for label, t0, t1 in sent:
                            answers.append((t1 - t0) * 1000)
                            if events[label].wait(5):
                                samples.append((written[label] - t0) * 1000)
                            events[label].clear()
            p50, p99 = percentile(samples, 50), percentile(samples, 99)
            n = max(1, len(samples))
            name = f"{clients}" if not rate else f"{clients} @{rate:g}/s"
            rows.append(
                [
                    name,
                    len(samples),
                    p50,
                    percentile(samples, 90),
                    p99,
                    max(samples),
                    cpu_s * 1000 / n,
                    "yes" if p99 < GOAL_P99_MS else "NO",
                    sim_cpu_s * 1000 / n if not SIM_IN_PROCESS else "in cpu",
                    client_cpu_s * 1000 / n,
                    commits / n,
                    percentile(answers, 50),
                    percentile(answers, 99),
                    len(answers) / busy_s if busy_s else 0.0,
                ]
            )
            results[f"clients_{clients}" + (f"_open_{rate:g}_per_s" if rate else "")] = {
                "n": len(samples),
                "p50_ms": p50,
                "p90_ms": percentile(samples, 90),
                "p99_ms": p99,
                "max_ms": max(samples),
                "daemon_cpu_ms_per_pickup": cpu_s * 1000 / n,
                "simulator_cpu_ms_per_pickup": None if SIM_IN_PROCESS else sim_cpu_s * 1000 / n,
                "client_cpu_ms_per_pickup": client_cpu_s * 1000 / n,
                "client": CLIENT,
                "commits_per_pickup": commits / n,
                "answer_p50_ms": percentile(answers, 50),
                "answer_p99_ms": percentile(answers, 99),
                "pickups_per_s": len(answers) / busy_s if busy_s else 0.0,
                "simulator": "in-process" if SIM_IN_PROCESS else "own process",
                "load_average_1min": os.getloadavg()[0],
            }
        results["receipt_checks"] = _receipt_checks(svc, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        svc.stop()
        bus.close()
        sim.close()
    print_table(
        "pickup: HTTP request sent -> unlock frame written (ms)",
        [
            "clients",
            "n",
            "p50",
            "p90",
            "p99",
            "max",
            "cpu/pickup",
            f"p99<{GOAL_P99_MS:g}",
            "sim cpu",
            "client cpu",
            "commits/pickup",
            "answer p50",
            "answer p99",
            "pickups/s",
        ],
        rows,
    )
    where = "in the daemon's process" if SIM_IN_PROCESS else "in its own process"
    print(
        f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; simulator "
        f"{where} (cpu/pickup: daemon-process CPU per pickup in ms, incl. door watch, monitor, outbox)"
    )
    return results


def _receipt_checks(svc: LockerService, base: str, n: int = 300) -> dict[str, object]:
    """`GET /api/v1/receipts/{token}` for receipts of the pickups just made, and for forged
    tokens (refused by their MAC before any database read): round trip and daemon CPU each."""
    with svc.store.read() as conn:
        ids = [r[0] for r in conn.execute("SELECT pickup_id FROM pickups LIMIT ?", (n,))]
    genuine = [svc.codes.receipt_token(pid) for pid in ids]
    forged = [t[:-1] + ("A" if t[-1] != "A" else "B") for t in genuine]
    conn_http = http.client.HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=10)
    out: dict[str, object] = {}
    rows = []
    for name, tokens, expect in (("genuine", genuine, 200), ("forged", forged, 404)):
        times: list[float] = []
        cpu0 = time.process_time()
        for token in tokens:
            t0 = time.perf_counter()
            conn_http.request("GET", f"/api/v1/receipts/{token}")
            answer = conn_http.getresponse()
            answer.read()
            if answer.status == expect:
                times.append((time.perf_counter() - t0) * 1000)
        # the client runs in this process too: its CPU (about 0.3 ms a request) is included
        cpu_ms = (time.process_time() - cpu0) * 1000 / max(1, len(tokens))
        out[name] = {
            "n": len(times),
            "p50_ms": percentile(times, 50),
            "p99_ms": percentile(times, 99),
            "process_cpu_ms_per_check": cpu_ms,
        }
        rows.append([name, len(times), percentile(times, 50), percentile(times, 99), cpu_ms])
    conn_http.close()
    print_table(
        "receipt check: GET /api/v1/receipts/{token}, one client (ms)",
        ["token", "n answered as expected", "p50", "p99", "cpu/check (daemon + client)"],
        rows,
    )
    return out


def main() -> None:
    """Run and write bench/results/locker.json."""
    write_results("locker", {"goal_p99_ms": GOAL_P99_MS, **run_bench()})


if __name__ == "__main__":
    main()
