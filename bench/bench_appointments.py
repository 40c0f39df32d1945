"""Appointments on a simulated morning (controlled clock, real SQLite, the real use cases).

A 3-counter civil-status service, 07:30-11:30, about 30 % of the citizens booked (20-minute
slots, up to 4 per slot; they arrive 5-25 minutes early, a few up to 8 minutes late, 10 % never
come) and walk-ins arriving around a peak. Three runs with the same arrivals and service times:

- `no_rule`: a checked-in ticket is an ordinary ticket (no calling rule for appointments);
- `rule`: checked-in tickets are called from their slot's start before walk-ins, the walk-ins'
  wait estimates ignore the booked load (the "before");
- `rule_load`: the same, and walk-in estimates count the booked load (the "after").

Figures: share of appointments called within 10 minutes of their slot's start; walk-in waits;
the error of the walk-ins' shown wait range against the wait they really had.
`python -m bench appointments` -> bench/results/appointments.json
"""

from __future__ import annotations

import math
import random
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import percentile, print_table, write_results
from common.clock import ManualClock
from common.config import load_raw, section
from queueing import appointment_calls
from queueing.appointments import Appointments
from queueing.config import QueueingConfig
from queueing.counters import CounterDesk
from queueing.errors import QueueError
from queueing.service import QueueService
from queueing.staff_accounts import ensure_schema
from queueing.store import Store

START = datetime(2026, 1, 5, 0, 30, tzinfo=UTC)  # Monday 07:30 in Ho Chi Minh City
MINUTES = 240
STEP_S = 10.0
COUNTERS = 3
SLOT_MIN = 20


def _config(tmp: Path) -> QueueingConfig:
    data = dict(section(load_raw(), "queueing"))
    data["open_all_hours"] = False
    data["hours"] = {d: ["07:30-11:30"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    data["services"] = [
        {**s, "last_ticket_before_close_min": 0, "daily_cap_tickets": 0} for s in data["services"]
    ]
    data["counters"] = [{"number": i, "services": ["ho_tich"]} for i in range(1, COUNTERS + 1)]
    data["demo_staff"] = [{"staff_id": f"s{i}", "name": f"Cán bộ {i}", "pin": "1234"} for i in range(1, 4)]
    data["appointments"] = {
        "book_lead_min": 0,
        "bookings_per_phone": 5,
        "no_shows_before_block": 0,
        "id_hash_key_file": str(tmp / "id-hash.key"),
        "services": [
            {
                "code": "ho_tich",
                "slot_length_min": SLOT_MIN,
                "capacity_per_slot": 4,
                "counter_share_pct": 70,
                "service_min": 5,
            }
        ],  # fmt: skip
    }
    return QueueingConfig.model_validate(data)


def _plan(seed: int) -> dict[str, Any]:
    """Arrivals and service times, the same for every run."""
    rnd = random.Random(seed)
    start = START.timestamp()
    booked: list[tuple[float, float | None]] = []  # (slot start, arrival or None: a no-show)
    for slot in range(0, MINUTES - SLOT_MIN + 1, SLOT_MIN):
        slot_ts = start + slot * 60
        for _ in range(rnd.choice((3, 4, 4, 4))):
            if rnd.random() < 0.10:
                booked.append((slot_ts, None))
                continue
            offset_min = rnd.uniform(0, 8) if rnd.random() < 0.08 else -rnd.uniform(5, 25)
            booked.append((slot_ts, max(start, slot_ts + offset_min * 60)))
    walk_ins = []
    for step in range(int(MINUTES * 60 / STEP_S)):
        t_min = step * STEP_S / 60
        rate = 0.28 + 0.35 * math.exp(-(((t_min - 60) / 40) ** 2))  # walk-ins per minute
        walk_ins += [start + step * STEP_S] * sum(
            1 for _ in range(20) if rnd.random() < rate * STEP_S / 60 / 20
        )
    services = [
        max(60.0, rnd.lognormvariate(math.log(300), 0.5)) for _ in range(len(booked) + len(walk_ins) + 50)
    ]
    return {"booked": booked, "walk_ins": walk_ins, "service_s": services}


def run(plan: dict[str, Any], mode: str) -> dict[str, Any]:
    """One morning; `mode` is no_rule, rule or rule_load."""
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-appt-{mode}-"))
    cfg = _config(tmp)
    clock = ManualClock(START)
    store = Store(tmp / "q.sqlite3")
    store.open()
    queue = QueueService(cfg, store, clock)
    queue.load()
    ensure_schema(store)
    appts = Appointments(queue)
    if mode != "rule_load":
        queue.estimates.booked_load = lambda service, until_ts: 0
    saved_due = appointment_calls.due_head
    if mode == "no_rule":
        appointment_calls.due_head = lambda conn, service, now_ts: None
    desk = CounterDesk(queue.wiring, queue.states, queue.estimates)
    desk.staff.accounts.sync_demo(cfg.demo_staff)
    sessions = [desk.session(desk.sign_in(f"s{i}", "1234", i)[0]) for i in range(1, COUNTERS + 1)]
    arrivals: list[tuple[float, str, Any]] = [(t, "walk", None) for t in plan["walk_ins"]]
    for n, (slot_ts, arrive) in enumerate(plan["booked"]):
        start_at = datetime.fromtimestamp(slot_ts, queue.tz)
        code = appts.book("ho_tich", start_at, f"09{n:08d}").code
        if arrive is not None:
            arrivals.append((arrive, "appt", (code, slot_ts)))
    arrivals.sort(key=lambda a: a[0])
    shown: dict[str, tuple[float, int | None, int | None]] = {}
    slot_of: dict[str, float] = {}
    called_at: dict[str, float] = {}
    busy_until: list[float | None] = [None] * COUNTERS
    service_s = iter(plan["service_s"])
    i = 0
    try:
        for _step in range(int(MINUTES * 60 / STEP_S)):
            now = clock.now().timestamp()
            while i < len(arrivals) and arrivals[i][0] <= now:
                _, kind, extra = arrivals[i]
                i += 1
                if kind == "walk":
                    t = queue.issue("ho_tich", channel="kiosk", idempotency_key=f"w{i}")
                    ticket_id = t.ticket_id
                    shown[ticket_id] = (now, t.wait_min, t.wait_max)
                else:
                    try:
                        _, checked_in = appts.check_in(code=extra[0])
                    except QueueError:
                        continue  # too early or too late: counted as not served by appointment
                    ticket_id = checked_in.ticket_id
                    slot_of[ticket_id] = extra[1]
                queue.confirm(ticket_id, "printed")
            for c in range(COUNTERS):
                if busy_until[c] is not None and now >= busy_until[c]:  # type: ignore[operator]
                    desk.finish(sessions[c])
                    busy_until[c] = None
                if busy_until[c] is None:
                    try:
                        called = desk.call_next(sessions[c])
                    except QueueError:
                        continue  # nobody waiting
                    called_at[called.ticket_id] = now
                    desk.start(sessions[c])
                    busy_until[c] = now + next(service_s)
            clock.advance(STEP_S)
    finally:
        appointment_calls.due_head = saved_due
        store.close()
    punctual = [called_at[t] - slot_of[t] <= 600 for t in slot_of if t in called_at]
    late_by = [max(0.0, called_at[t] - slot_of[t]) / 60 for t in slot_of if t in called_at]
    errors, signed, inside, waits = [], [], 0, []
    for tid, (issued, lo, hi) in shown.items():
        if tid not in called_at:
            continue
        wait = (called_at[tid] - issued) / 60
        waits.append(wait)
        if lo is None or hi is None:
            continue
        errors.append(abs(wait - (lo + hi) / 2))
        signed.append(wait - (lo + hi) / 2)
        inside += lo - 0.5 <= wait <= hi + 0.5
    return {
        "mode": mode,
        "booked": len(plan["booked"]),
        "checked_in": len(slot_of),
        "walk_ins": len(shown),
        "booked_share_pct": 100 * len(slot_of) / (len(slot_of) + len(shown)),
        "appointments_within_10_min_pct": 100 * sum(punctual) / len(punctual) if punctual else float("nan"),
        "appointment_late_p90_min": percentile(late_by, 90),
        "walk_in_wait_mean_min": sum(waits) / len(waits),
        "walk_in_wait_p90_min": percentile(waits, 90),
        "estimate_mae_min": sum(errors) / len(errors) if errors else float("nan"),
        "estimate_p90_err_min": percentile(errors, 90),
        "estimate_bias_min": sum(signed) / len(signed) if signed else float("nan"),  # + = waited longer
        "within_range_pct": 100 * inside / len(errors) if errors else float("nan"),
    }


SEEDS = (11, 12, 13, 14, 15)


def main() -> None:
    """Three runs on each of five mornings, the mean per mode, bench/results/appointments.json."""
    keys = [
        "booked_share_pct",
        "appointments_within_10_min_pct",
        "appointment_late_p90_min",
        "walk_in_wait_mean_min",
        "walk_in_wait_p90_min",
        "estimate_mae_min",
        "estimate_p90_err_min",
        "estimate_bias_min",
        "within_range_pct",
    ]
    modes = ("no_rule", "rule", "rule_load")
    runs = {mode: [] for mode in modes}  # type: dict[str, list[dict[str, Any]]]
    for seed in SEEDS:
        plan = _plan(seed)
        for mode in modes:
            runs[mode].append({"seed": seed, **run(plan, mode)})
    means = {mode: {k: sum(r[k] for r in runs[mode]) / len(SEEDS) for k in keys} for mode in modes}
    print_table(
        f"Simulated mornings, about 30 % booked (3 counters, 20-minute slots), mean of {len(SEEDS)}",
        ["mode", *keys],
        [[mode, *(means[mode][k] for k in keys)] for mode in modes],
    )
    write_results("appointments", {"seeds": list(SEEDS), "means": means, "runs": runs})


if __name__ == "__main__":
    main()
