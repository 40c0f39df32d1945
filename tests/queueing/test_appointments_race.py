"""50 phones booking the same few slots at once over real HTTP (uvicorn on a loopback port):
no slot ever holds more than its capacity, and every refusal is a clean 409 `slot_full`."""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from pathlib import Path

import requests

from common.clock import ManualClock
from tests.harness import MONDAY_9AM, QueueingServer, free_port
from tests.queueing.helpers import make_config

PHONES = 50
SLOTS = [
    "2026-01-05T10:00+07:00",
    "2026-01-05T10:20+07:00",
    "2026-01-05T10:40+07:00",
    "2026-01-05T11:00+07:00",
]
CAPACITY = 3
TRIES_PER_PHONE = 3


def test_fifty_phones_never_over_book(tmp_path: Path) -> None:
    cfg = make_config(
        appointments={
            "id_hash_key_file": str(tmp_path / "id-hash.key"),
            "bookings_per_phone": TRIES_PER_PHONE,
            "booking_max_per_address": 10_000,  # every phone here shares 127.0.0.1
            "services": [
                {
                    "code": "ho_tich",
                    "slot_length_min": 20,
                    "capacity_per_slot": CAPACITY,
                    "counter_share_pct": 100,
                }
            ],
        }
    )
    answers: list[tuple[str, int, dict[str, str]]] = []
    lock = threading.Lock()
    start = threading.Barrier(PHONES)
    with QueueingServer(cfg, tmp_path / "data", free_port(), ManualClock(MONDAY_9AM)) as srv:

        def phone(i: int) -> None:
            with requests.Session() as http:
                start.wait(timeout=30)
                for k in range(TRIES_PER_PHONE):
                    slot = SLOTS[(i + k) % len(SLOTS)]
                    r = http.post(
                        f"{srv.url}/api/v1/appointments",
                        json={"service": "ho_tich", "start": slot, "phone": f"0987{i:06d}"},
                        timeout=30,
                    )
                    with lock:
                        answers.append((slot, r.status_code, r.json()))

        threads = [threading.Thread(target=phone, args=(i,)) for i in range(PHONES)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        free = {
            s["start"]: s["free"]
            for s in requests.get(
                f"{srv.url}/api/v1/services/ho_tich/slots", params={"day": "2026-01-05"}, timeout=10
            ).json()
        }
    assert len(answers) == PHONES * TRIES_PER_PHONE
    statuses = Counter(status for _, status, _ in answers)
    assert set(statuses) == {201, 409}, statuses
    refusals = [body for _, status, body in answers if status == 409]
    assert all(b["error"] == "slot_full" and b["message"] for b in refusals)
    booked = Counter(slot for slot, status, _ in answers if status == 201)
    assert booked == {slot: CAPACITY for slot in SLOTS}  # every place taken, none twice
    assert all(free[slot] == 0 for slot in SLOTS)
    codes = [body["code"] for _, status, body in answers if status == 201]
    assert len(set(codes)) == len(codes)
    db = sqlite3.connect(tmp_path / "data" / "queue.sqlite3")
    rows = db.execute(
        "SELECT slot_start, COUNT(*) FROM appointments WHERE state = 'booked' GROUP BY slot_start"
    ).fetchall()
    db.close()
    assert sorted(n for _, n in rows) == [CAPACITY] * len(SLOTS)
