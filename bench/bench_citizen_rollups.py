"""What the appointment and rating rollups (hub/citizen_rollups.py) add to the hub's ingest.

`hub.ingest.store_batch` is called in-process (no HTTP) on a private PostgreSQL 15 cluster
started here in a temp dir, with batches of 1,000 events of one center's day: tickets only (as
before), then a mix where 30 % are appointment events and tablet ratings with reasons (what the
rollups add to). The figure is the time per batch (p50, p95) and the share of it spent in
`citizen_rollups.add_to_rollups`. Bounded: BENCH_CITIZEN_BATCHES (default 30) batches per mix.

`python -m bench citizen_rollups`
"""

from __future__ import annotations

import json
import os
import random
import socket
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench.common import print_table, write_results
from hub import citizen_rollups, schema
from hub.cluster import PrivateCluster
from hub.ingest import Batch, parse_batch, store_batch
from hub.tokens import add_center

BATCH = 1000
TICKETS = ("ticket.issued", "ticket.called", "ticket.served")
CITIZEN = (
    ("appointment.booked", {"slot_min": 600}),
    ("appointment.checked_in", {"slot_min": 600, "late_min": -4.0}),
    ("appointment.no_show", {"slot_min": 620}),
    ("ticket.called", {"wait_s": 30.0, "late_min": 2.0}),
    ("ticket.rated", {"rating": 2, "source": "tablet", "reasons": ["slow", "unclear"]}),
    ("ticket.rated", {"rating": 5, "source": "phone"}),
)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _batch(rng: random.Random, first: int, citizen_share: float) -> Batch:
    base = datetime(2026, 1, 5, 1, 0, tzinfo=UTC).timestamp()
    events: list[dict[str, Any]] = []
    for i in range(first, first + BATCH):
        if rng.random() < citizen_share:
            kind, data = rng.choice(CITIZEN)
        else:
            kind, data = TICKETS[i % 3], {"wait_s": 60.0}
        service = rng.choice(("ho_tich", "dat_dai", "chung_thuc"))
        events.append({"seq": i + 1, "at": base + i, "day": "2026-01-05", "kind": kind,
                       "data": {"service": service, **data}})  # fmt: skip
    return parse_batch(json.dumps({"stream": "queueing", "events": events}).encode())


def main() -> None:
    """Run both mixes and write bench/results/citizen_rollups.json."""
    batches = int(os.environ.get("BENCH_CITIZEN_BATCHES", "30"))
    tmp = Path(tempfile.mkdtemp(prefix="bench-citizen-"))
    cluster = PrivateCluster(tmp, _port())
    rng = random.Random(17)
    spent = [0.0]
    real_add = citizen_rollups.add_to_rollups

    def timed_add(*args: Any, **kwargs: Any) -> None:
        t0 = time.perf_counter()
        real_add(*args, **kwargs)
        spent[0] += time.perf_counter() - t0

    citizen_rollups.add_to_rollups = timed_add  # type: ignore[assignment]
    results: dict[str, Any] = {"batch_events": BATCH, "batches_per_mix": batches}
    rows = []
    try:
        cluster.start()
        with psycopg.connect(cluster.url, autocommit=True) as conn:
            schema.migrate(conn)
            for share, name in ((0.0, "tickets_only"), (0.3, "with_30pct_appointments_ratings")):
                center = f"B-{name}"
                add_center(conn, center, center)
                times = []
                spent[0] = 0.0
                for n in range(batches):
                    batch = _batch(rng, n * BATCH, share)
                    t0 = time.perf_counter()
                    store_batch(conn, center, batch, datetime.now(UTC))
                    times.append(time.perf_counter() - t0)
                p50 = statistics.median(times) * 1000
                p95 = sorted(times)[int(0.95 * (len(times) - 1))] * 1000
                share_in_rollups = spent[0] / sum(times)
                results[name] = {"p50_ms": round(p50, 1), "p95_ms": round(p95, 1),
                                 "citizen_rollups_share": round(share_in_rollups, 3)}  # fmt: skip
                rows.append((name, round(p50, 1), round(p95, 1), f"{share_in_rollups:.1%}"))
    finally:
        citizen_rollups.add_to_rollups = real_add  # type: ignore[assignment]
        cluster.stop()
    print_table(
        f"store_batch of {BATCH} events, {batches} batches per mix",
        ("mix", "p50 ms", "p95 ms", "in citizen rollups"),
        rows,
    )
    write_results("citizen_rollups", results)
