"""Event streams (/api/v1/events) are bounded per client address and in all, refused with a
clear 503 and a rate-limited log line, and given back when their client goes away."""

from __future__ import annotations

import asyncio
import logging
import resource
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
import requests

from queueing.errors import QueueError
from queueing.events import REFUSAL_LOG_EVERY_S, EventHub
from tests.harness import QueueingProcess, QueueingServer, free_port, wait_until
from tests.queueing.helpers import make_config

# ----------------------------------------------------------------------------- the hub alone


def test_hub_caps_per_client_and_in_all_and_logs_refusals_rarely(caplog: pytest.LogCaptureFixture) -> None:
    now = [1000.0]
    hub = EventHub(max_per_client=2, max_total=3, monotonic=lambda: now[0])

    async def scenario() -> None:
        a1, a2 = hub.subscribe("10.0.0.1"), hub.subscribe("10.0.0.1")
        with pytest.raises(QueueError) as per_client:
            hub.subscribe("10.0.0.1")
        assert per_client.value.status == 503 and per_client.value.code == "too_many_streams"
        assert per_client.value.extra["retry_after_s"] > 0
        assert "(2)" in per_client.value.message
        hub.subscribe("10.0.0.2")
        with pytest.raises(QueueError) as total:  # 3 open in all
            hub.subscribe("10.0.0.3")
        assert "(3)" in total.value.message
        for _ in range(20):
            with suppress(QueueError):
                hub.subscribe("10.0.0.4")
        hub.unsubscribe(a1)
        hub.unsubscribe(a1)  # a second give-back changes nothing
        assert hub.listeners == 3 - 1
        hub.subscribe("10.0.0.1")  # a place came free
        now[0] += REFUSAL_LOG_EVERY_S
        with pytest.raises(QueueError):
            hub.subscribe("10.0.0.5")
        # the per-client map holds only addresses with open streams (bounded by max_total)
        assert hub._per_client == {"10.0.0.1": 2, "10.0.0.2": 1}
        hub.unsubscribe(a2)
        assert hub._per_client == {"10.0.0.1": 1, "10.0.0.2": 1}

    with caplog.at_level(logging.WARNING, logger="queueing.events"):
        asyncio.run(scenario())
    assert hub.refused == 23
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2, "one line for the first refusal, one a minute later with the count"
    assert lines[0].startswith("refused 1 event stream") and lines[1].startswith("refused 22 event stream")
    assert "events_max_streams_per_client" in lines[0]


# ----------------------------------------------------------------------------- over HTTP


def open_stream(
    port: int, source: str = "127.0.0.1", path: str = "/api/v1/events"
) -> tuple[socket.socket, int]:
    """A raw HTTP/1.1 GET of the event stream from `source` (any 127.x address reaches the
    server); returns the socket and the status code."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    return s, read_status(s)


def read_status(s: socket.socket) -> int:
    head = b""
    while b"\r\n" not in head:
        chunk = s.recv(256)
        if not chunk:
            break
        head += chunk
    return int(head.split(b" ", 2)[1])


def test_streams_over_the_cap_get_503_and_closed_ones_are_given_back(tmp_path: Path) -> None:
    cfg = make_config(events_max_streams_per_client=3, events_max_streams_total=5)
    with QueueingServer(cfg, tmp_path, free_port()) as srv:
        hub: EventHub = srv.app.state.hub
        mine = [open_stream(srv.port)[0] for _ in range(3)]
        refused = requests.get(f"{srv.url}/api/v1/events", timeout=5, stream=True)
        assert refused.status_code == 503, "a fourth stream from one address"
        assert refused.json()["error"] == "too_many_streams" and int(refused.headers["Retry-After"]) > 0
        others = [open_stream(srv.port, "127.0.0.2")[0] for _ in range(2)]
        s, status = open_stream(srv.port, "127.0.0.3")
        assert status == 503, "total cap"
        s.close()
        assert len(hub._subs) == 5
        assert requests.get(f"{srv.url}/api/v1/health", timeout=5).json()["displays_connected"] == 5

        for s in mine + others:  # the clients go away without a word
            s.close()
        wait_until(lambda: len(hub._subs) == 0, 5, "closed streams given back")
        assert hub._per_client == {}
        again, status = open_stream(srv.port)
        assert status == 200
        again.close()
        wait_until(lambda: len(hub._subs) == 0, 5, "the last stream given back")


# ----------------------------------------------------------------------------- the flood


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@contextmanager
def open_files_at_least(n: int) -> Iterator[None]:
    """Raise this process's soft RLIMIT_NOFILE to `n` (within the hard limit) for the block."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n if hard == resource.RLIM_INFINITY else min(n, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


ATTEMPTS = 1100
ADDRESSES = 110  # 127.0.0.2 .. 127.0.0.111, 10 attempts each (the per-address cap is 8)
WAVE = 100


@pytest.mark.slow
def test_1100_streams_stay_capped_while_tickets_are_issued(tmp_path: Path) -> None:
    cfg = make_config()
    per_client, total = cfg.events_max_streams_per_client, cfg.events_max_streams_total
    assert (per_client, total) == (8, 200), "the shipped limits"
    with open_files_at_least(ATTEMPTS + 512), QueueingProcess(cfg, tmp_path, free_port()) as srv:
        assert srv.proc is not None
        pid, port = srv.proc.pid, srv.port
        http = requests.Session()
        # warm up: the paths the flood takes, then the baseline
        for _ in range(3):
            s, _status = open_stream(port)
            s.close()
            http.get(f"{srv.url}/api/v1/health", timeout=5)
        wait_until(lambda: http.get(f"{srv.url}/api/v1/health", timeout=5).json()["displays_connected"] == 0)
        baseline = rss_kib(pid)

        issued: list[str] = []
        problems: list[str] = []
        flood_done = threading.Event()

        def kiosk() -> None:
            """Tickets keep being issued (and health keeps answering) during the flood."""
            with requests.Session() as k:
                n = 0
                while not flood_done.is_set() or n < 5:
                    r = k.post(
                        f"{srv.url}/api/v1/tickets",
                        json={"service": "ho_tich"},
                        headers={**srv.kiosk_headers, "Idempotency-Key": f"flood-{n}"},
                        timeout=5,
                    )
                    h = k.get(f"{srv.url}/api/v1/health", timeout=5)
                    if r.status_code != 201 or h.status_code != 200:
                        problems.append(f"issue {r.status_code}, health {h.status_code}")
                    else:
                        issued.append(r.json()["number"])
                    n += 1

        kiosk_thread = threading.Thread(target=kiosk)
        kiosk_thread.start()
        accepted: list[tuple[str, socket.socket]] = []
        statuses: Counter[int] = Counter()
        most_open = 0
        peak = baseline
        try:
            sources = [f"127.0.0.{2 + i % ADDRESSES}" for i in range(ATTEMPTS)]
            for start in range(0, ATTEMPTS, WAVE):
                wave: list[tuple[str, socket.socket]] = []
                for source in sources[start : start + WAVE]:
                    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    s.settimeout(10)
                    s.bind((source, 0))
                    s.connect(("127.0.0.1", port))
                    s.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    wave.append((source, s))
                for source, s in wave:
                    status = read_status(s)
                    statuses[status] += 1
                    if status == 200:
                        accepted.append((source, s))
                    else:
                        s.close()
                during = http.get(f"{srv.url}/api/v1/health", timeout=5).json()
                most_open = max(most_open, during["displays_connected"])
                peak = max(peak, rss_kib(pid))
            per_source = Counter(source for source, _ in accepted)
        finally:
            flood_done.set()
            kiosk_thread.join(timeout=60)
            for _, s in accepted:
                s.close()

        assert statuses[200] == total and statuses[503] == ATTEMPTS - total, statuses
        assert most_open <= total
        assert max(per_source.values()) <= per_client
        assert problems == [] and len(issued) >= 5
        # every stream is given back once its client left
        wait_until(
            lambda: http.get(f"{srv.url}/api/v1/health", timeout=5).json()["displays_connected"] == 0,
            10,
            "streams given back",
        )
        after = rss_kib(pid)
        health: dict[str, Any] = http.get(f"{srv.url}/api/v1/health", timeout=5).json()
        assert health["status"] == "ok" and health["event_streams_refused"] == ATTEMPTS - total
        # memory stays flat: 200 streams cost a few MB (9,000 uncapped ones once took 330 MB for good)
        assert (peak - baseline) < 60 * 1024, (baseline, peak, after)
        assert (after - baseline) < 40 * 1024, (baseline, peak, after)
        log_text = srv.log_path.read_text()
        assert log_text.count("event stream(s)") <= 2, "refusals are logged rarely"
