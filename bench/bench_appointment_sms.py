"""The booking SMS's cost (controlled clock, real SQLite, the real use cases, an in-memory gateway
so the figures are this code's and the database's, not a disk's or a provider's).

- booking with the contact sealed and the confirmation enqueued, against booking without SMS;
- the sender's round sending the confirmations of BOOKINGS bookings (20 per round);
- the round that finds nothing to do (it runs every `poll_interval_s`, 1 s by default) with
  BOOKINGS upcoming bookings in the next two days;
- the round in which the day-before reminders of the next day's bookings fall due.

`python -m bench appointment_sms` -> bench/results/appointment_sms.json
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import percentile, print_table, write_results
from common.clock import ManualClock
from common.config import load_raw, section
from queueing.appointment_sms import AppointmentSms
from queueing.appointments import Appointments
from queueing.config import QueueingConfig
from queueing.service import QueueService
from queueing.store import Store

START = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)  # Monday 07:00 in Ho Chi Minh City
BOOKINGS = 1000
IDLE_ROUNDS = 200


class MemoryGateway:
    """Accepts every message (counts them)."""

    name = "memory"

    def __init__(self) -> None:
        self.sent = 0

    def send(self, to: str, text: str, idempotency_key: str) -> None:
        self.sent += 1


def _config(tmp: Path) -> QueueingConfig:
    data = dict(section(load_raw(), "queueing"))
    data["open_all_hours"] = False
    data["hours"] = {d: ["07:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    data["appointments"] = {
        "book_lead_min": 0,
        "bookings_per_phone": 5,
        "id_hash_key_file": str(tmp / "id-hash.key"),
        "services": [
            {
                "code": "ho_tich",
                "slot_length_min": 20,
                "capacity_per_slot": 100,
                "counter_share_pct": 100,
                "service_min": 0.1,
            }
        ],
        "sms": {"contact_key_file": str(tmp / "contact.key")},
    }
    return QueueingConfig.model_validate(data)


def _ms(seconds: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(seconds, 50) * 1000, 3),
        "p95_ms": round(percentile(seconds, 95) * 1000, 3),
    }


def _book_all(appts: Appointments, queue: QueueService, n: int) -> list[float]:
    """Book `n` places over Tuesday and Wednesday's slots; each booking's duration."""
    starts = []
    for day in (1, 2):
        base = datetime(2026, 1, 5 + day, 7, 0, tzinfo=queue.tz)
        starts += [base + timedelta(minutes=20 * k) for k in range(30)]
    took = []
    for i in range(n):
        t0 = time.perf_counter()
        appts.book("ho_tich", starts[i % len(starts)], f"09{i:08d}")
        took.append(time.perf_counter() - t0)
    return took


def run(with_sms: bool) -> dict[str, Any]:
    """Book BOOKINGS places (with or without SMS); with SMS, time the sender's rounds too."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-appt-sms-"))
    cfg = _config(tmp)
    clock = ManualClock(START)
    store = Store(tmp / "q.sqlite3", checkpoint_every_s=0)
    store.open()
    queue = QueueService(cfg, store, clock)
    queue.load()
    gateway = MemoryGateway()
    sms = AppointmentSms(queue.wiring, tmp, "TT HCC", gateway) if with_sms else None
    appts = Appointments(queue, sms)
    try:
        out: dict[str, Any] = {"book": _ms(_book_all(appts, queue, BOOKINGS))}
        if sms is None:
            return out
        t0 = time.perf_counter()
        rounds = 0
        while sms.run_once():
            rounds += 1
        out["send_confirmations"] = {
            "messages": gateway.sent,
            "rounds": rounds,
            "per_message_ms": round((time.perf_counter() - t0) / max(1, gateway.sent) * 1000, 3),
        }
        idle = []
        for _ in range(IDLE_ROUNDS):
            t0 = time.perf_counter()
            sms.run_once()
            idle.append(time.perf_counter() - t0)
        out["idle_round"] = _ms(idle)
        clock.advance(10 * 3600)  # Monday 17:00: Tuesday's day-before reminders fall due
        before = gateway.sent
        t0 = time.perf_counter()
        sms.sweep()
        sweep_s = time.perf_counter() - t0
        while sms.run_once():
            pass
        out["reminders_due"] = {
            "messages": gateway.sent - before,
            "sweep_ms": round(sweep_s * 1000, 3),
            "send_total_ms": round((time.perf_counter() - t0) * 1000, 3),
        }
        return out
    finally:
        store.close()


def main() -> None:
    """Run with and without SMS and write bench/results/appointment_sms.json."""
    plain, sealed = run(with_sms=False), run(with_sms=True)
    idle = sealed["idle_round"]
    print_table(
        f"booking SMS ({BOOKINGS} bookings over two days)",
        ["what", "figure"],
        [
            ["book p50 / p95 ms, no SMS", f"{plain['book']['p50_ms']} / {plain['book']['p95_ms']}"],
            ["book p50 / p95 ms, with SMS", f"{sealed['book']['p50_ms']} / {sealed['book']['p95_ms']}"],
            ["confirmations sent", sealed["send_confirmations"]["messages"]],
            ["sender ms per message", sealed["send_confirmations"]["per_message_ms"]],
            ["idle round p50 / p95 ms", f"{idle['p50_ms']} / {idle['p95_ms']}"],
            ["day-before reminders", sealed["reminders_due"]["messages"]],
            ["their sweep ms", sealed["reminders_due"]["sweep_ms"]],
            ["sweep + sending them ms", sealed["reminders_due"]["send_total_ms"]],
        ],
    )
    path = write_results("appointment_sms", {"bookings": BOOKINGS, "without_sms": plain, "with_sms": sealed})
    print(f"\nwritten {path}")


if __name__ == "__main__":
    main()
