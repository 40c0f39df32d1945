"""Moving a booking from its manage link over real HTTP: the old place freed and the new one
taken together, the same rules as booking, a new confirmation SMS and reminders at the new time,
and a crowd of moves into the last place never over-booking it."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from common.clock import ManualClock
from tests.harness import MONDAY_9AM, QueueingServer, free_port
from tests.queueing.helpers import make_config
from tests.queueing.test_appointment_sms import HOUR, appt_config, book, inbox, sms_of, token_of

MON = "2026-01-05"
TUE = "2026-01-06"


@pytest.fixture(name="clock")
def clock_fixture() -> ManualClock:
    return ManualClock(MONDAY_9AM)


@pytest.fixture(name="srv")
def srv_fixture(tmp_path: Path, clock: ManualClock) -> Iterator[QueueingServer]:
    cfg = make_config(appointments={**appt_config(tmp_path), "bookings_per_phone": 20})
    with QueueingServer(cfg, tmp_path / "data", free_port(), clock) as server:
        yield server


def move(srv: QueueingServer, token: str, start: str) -> requests.Response:
    return requests.post(
        f"{srv.url}/api/v1/appointments/manage/{token}/move", json={"start": start}, timeout=20
    )


def free(srv: QueueingServer, day: str = MON) -> dict[str, int]:
    r = requests.get(f"{srv.url}/api/v1/services/ho_tich/slots", params={"day": day}, timeout=10)
    return {s["start"][11:16]: s["free"] for s in r.json()}


def held(srv: QueueingServer) -> dict[str, int]:
    """Places held per slot start (HH:MM local), read from the database file itself."""
    db = sqlite3.connect(srv.data_dir / "queue.sqlite3")
    try:
        rows = db.execute(
            "SELECT strftime('%H:%M', slot_start + 7 * 3600, 'unixepoch'), COUNT(*) FROM appointments "
            "WHERE state IN ('booked', 'checked_in') GROUP BY slot_start"
        ).fetchall()
    finally:
        db.close()
    return dict(rows)


def test_move_frees_the_old_place_and_takes_the_new(srv: QueueingServer) -> None:
    a = book(srv, f"{MON}T10:00+07:00", phone="0912000001")
    book(srv, f"{MON}T10:20+07:00", phone="0912000002")
    book(srv, f"{MON}T10:20+07:00", phone="0912000003")
    token = token_of(a)
    full = move(srv, token, f"{MON}T10:20+07:00")
    assert full.status_code == 409 and full.json()["error"] == "slot_full"
    assert "quý khách" in full.json()["message"]
    assert held(srv) == {"10:00": 1, "10:20": 2}  # nothing changed
    moved = move(srv, token, f"{MON}T10:40+07:00")
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["start"] == f"{MON}T10:40+07:00" and body["state"] == "booked" and body["code"] == a["code"]
    assert held(srv) == {"10:20": 2, "10:40": 1}
    slots = free(srv)
    assert (slots["10:00"], slots["10:20"], slots["10:40"]) == (2, 0, 1)
    # the same rules as booking: a time not in the list, one too soon, past the horizon
    for bad in (f"{MON}T10:05+07:00", f"{MON}T09:20+07:00", "2026-03-02T10:00+07:00"):
        r = move(srv, token, bad)
        assert r.status_code in (409, 422) and r.json()["error"] in ("not_a_slot", "day_out_of_range"), bad
    # moving to where it is changes nothing
    assert move(srv, token, f"{MON}T10:40+07:00").json()["start"] == f"{MON}T10:40+07:00"
    assert move(srv, "nope", f"{MON}T11:00+07:00").status_code == 404
    requests.post(f"{srv.url}/api/v1/appointments/manage/{token}/cancel", timeout=10).raise_for_status()
    gone = move(srv, token, f"{MON}T11:00+07:00")
    assert gone.status_code == 409 and gone.json()["error"] == "cannot_move"


def test_move_sends_a_confirmation_and_the_reminders_follow(srv: QueueingServer, clock: ManualClock) -> None:
    a = book(srv, f"{TUE}T10:00+07:00", phone="0912000010")
    sms = sms_of(srv)
    sms.run_once()  # confirmation for Tuesday 10:00
    clock.advance(3 * HOUR)  # Monday 12:00: moved to Wednesday 08:00
    assert move(srv, token_of(a), "2026-01-07T08:00+07:00").status_code == 200
    sms.run_once()
    texts = [m["text"] for m in inbox(srv)]
    assert len(texts) == 2 and "doi sang 08:00 ngay 07/01" in texts[1] and a["code"] in texts[1]
    clock.advance(5 * HOUR)  # Monday 17:00: no reminder for Tuesday any more
    sms.run_once()
    clock.advance(16 * HOUR)  # Tuesday 09:00
    sms.run_once()
    assert len(inbox(srv)) == 2
    clock.advance(8 * HOUR)  # Tuesday 17:00: the day before Wednesday
    sms.run_once()
    assert "ngay mai 07/01" in inbox(srv)[-1]["text"]
    clock.advance(14 * HOUR)  # Wednesday 07:00, an hour before 08:00
    sms.run_once()
    texts = [m["text"] for m in inbox(srv)]
    assert len(texts) == 4 and "luc 08:00 hom nay" in texts[-1]


def test_a_crowd_of_moves_into_the_last_place_never_over_books(srv: QueueingServer) -> None:
    target = f"{TUE}T09:00+07:00"
    book(srv, target, phone="0912000100")  # one of its two places is taken
    movers = [
        token_of(book(srv, f"{TUE}T{10 + i // 3:02d}:{(i % 3) * 20:02d}+07:00", phone=f"09120002{i:02d}"))
        for i in range(12)
    ]
    before = held(srv)
    start = threading.Barrier(len(movers))

    def go(token: str) -> requests.Response:
        start.wait()
        return move(srv, token, target)

    with ThreadPoolExecutor(len(movers)) as pool:
        answers = list(pool.map(go, movers))
    codes = sorted(r.status_code for r in answers)
    assert codes == [200] + [409] * 11, [r.text for r in answers if r.status_code not in (200, 409)]
    assert all(r.json()["error"] == "slot_full" for r in answers if r.status_code == 409)
    after = held(srv)
    assert after["09:00"] == 2 and free(srv, TUE)["09:00"] == 0
    winner = next(i for i, r in enumerate(answers) if r.status_code == 200)
    # the winner's old place is free again, every loser kept theirs
    old = f"{10 + winner // 3:02d}:{(winner % 3) * 20:02d}"
    assert after.get(old, 0) == before[old] - 1
    assert sum(after.values()) == sum(before.values())
