"""What keeping the counters' time costs (queueing/counter_time.py): the tracker runs inside every
write that produced a board event, so it sits on the issue/confirm/call path.

The same workload with and without the tracker, in-process (real SQLite file, controlled clock,
the real use cases, no HTTP): 6 counters open, each serving one or two services; tickets issued
and confirmed for random services; every second ticket a counter calls the next one and finishes
it. Figures: thread CPU per ticket (issue + confirm + its share of calls) and SQL statements per
confirm, the best of `BENCH_COUNTER_TIME_ROUNDS` (default 5) rounds alternating the two modes.

`python -m bench counter_time` (BENCH_COUNTER_TIME_TICKETS=N, default 600 per round).
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import print_table, write_results
from common.clock import ManualClock
from common.config import load_raw, section
from queueing.config import QueueingConfig
from queueing.counter_time import CounterTimeTracker
from queueing.counters import CounterDesk
from queueing.service import QueueService
from queueing.staff_accounts import ensure_schema
from queueing.store import Store

COUNTERS = 6


def _config() -> QueueingConfig:
    data = dict(section(load_raw(), "queueing"))
    data["hours"] = {d: ["00:00-23:59"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    data["services"] = [
        {**s, "last_ticket_before_close_min": 0, "daily_cap_tickets": 0} for s in data["services"]
    ]
    data["demo_staff"] = [
        {"staff_id": f"s{i}", "name": f"Cán bộ {i}", "pin": "1234"} for i in range(1, COUNTERS + 1)
    ]
    return QueueingConfig.model_validate(data)


def run(tracked: bool, tickets: int, seed: int) -> dict[str, Any]:
    """One round: CPU per ticket and statements per confirm."""
    rnd = random.Random(seed)
    cfg = _config()
    services = [s.code for s in cfg.services]
    with tempfile.TemporaryDirectory(prefix="bench-counter-time-") as tmp:
        store = Store(Path(tmp) / "q.sqlite3", checkpoint_every_s=0)
        store.open()
        try:
            clock = ManualClock(datetime(2026, 1, 5, 1, 0, tzinfo=UTC))
            queue = QueueService(cfg, store, clock)
            queue.load()
            ensure_schema(store)
            desk = CounterDesk(queue.wiring, queue.states, queue.estimates)
            desk.staff.accounts.sync_demo(cfg.demo_staff)
            if tracked:
                CounterTimeTracker(queue.wiring).install()
            sessions = [desk.session(desk.sign_in(f"s{i}", "1234", i)[0]) for i in range(1, COUNTERS + 1)]
            statements: list[str] = []
            confirm_statements = 0
            cpu = 0.0
            for n in range(tickets):
                clock.advance(rnd.uniform(5, 30))
                started = time.thread_time()
                t = queue.issue(rnd.choice(services), channel="kiosk", idempotency_key=f"k{n}")
                assert store.db._conn is not None
                store.db._conn.set_trace_callback(statements.append)
                queue.confirm(t.ticket_id, "printed")
                store.db._conn.set_trace_callback(None)
                confirm_statements += len(statements)
                statements.clear()
                if n % 2:
                    session = sessions[n % COUNTERS]
                    try:
                        desk.call_next(session)
                        desk.finish(session)
                    except Exception:  # nobody waiting for this counter: fine
                        pass
                cpu += time.thread_time() - started
            with store.read() as conn:
                spans = int(conn.execute("SELECT COUNT(*) FROM counter_spans").fetchone()[0])
        finally:
            store.close()
    return {
        "tracked": tracked,
        "cpu_ms_per_ticket": 1000 * cpu / tickets,
        "statements_per_confirm": confirm_statements / tickets,
        "spans": spans,
    }


def main() -> None:
    """Run both modes alternately; print and write the best round of each."""
    tickets = int(os.environ.get("BENCH_COUNTER_TIME_TICKETS", "600"))
    rounds = int(os.environ.get("BENCH_COUNTER_TIME_ROUNDS", "5"))
    results: dict[bool, list[dict[str, Any]]] = {False: [], True: []}
    for r in range(rounds):
        for tracked in (False, True) if r % 2 == 0 else (True, False):
            results[tracked].append(run(tracked, tickets, seed=r))
    best = {k: min(v, key=lambda x: x["cpu_ms_per_ticket"]) for k, v in results.items()}
    rows = [
        [
            "with tracker" if k else "without",
            round(b["cpu_ms_per_ticket"], 3),
            round(b["statements_per_confirm"], 2),
            b["spans"],
        ]
        for k, b in sorted(best.items())
    ]
    print_table(
        f"counter time tracker, {COUNTERS} counters open",
        ["mode", "CPU ms/ticket (best)", "statements/confirm", "spans written"],
        rows,
    )
    extra = best[True]["cpu_ms_per_ticket"] - best[False]["cpu_ms_per_ticket"]
    print(f"  the tracker adds {extra:.3f} ms CPU per ticket ({COUNTERS} counters open)")
    write_results(
        "counter_time",
        {
            "tickets_per_round": tickets,
            "rounds": rounds,
            "counters_open": COUNTERS,
            "load_average": os.getloadavg(),
            "best": {("with" if k else "without"): v for k, v in best.items()},
            "all": {("with" if k else "without"): v for k, v in results.items()},
        },
    )
