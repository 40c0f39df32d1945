"""Ticket numbers never duplicate a live ticket: wrapping past number_max skips numbers still
pending, waiting, called or being served, and refuses (409 numbers_exhausted) when all are."""

from __future__ import annotations

import itertools
import sqlite3
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import requests

from queueing import domain
from queueing.domain import LIVE_STATES, TicketState
from tests.harness import QueueingServer, free_port, kiosk_headers_for
from tests.queueing.helpers import make_config
from tests.queueing.test_queue_api import counter, issue

_keys = itertools.count()


def small_range_config(number_max: int) -> Any:
    """The shipped config with ho_tich (prefix A) numbered 1..number_max."""
    cfg = make_config()
    services = [
        {**s.model_dump(mode="json"), **({"number_max": number_max} if s.code == "ho_tich" else {})}
        for s in cfg.services
    ]
    return make_config(services=services)


def try_issue(url: str, service: str = "ho_tich", confirm: bool = True) -> requests.Response:
    r = requests.post(
        f"{url}/api/v1/tickets",
        json={"service": service},
        headers={**kiosk_headers_for(url), "Idempotency-Key": f"n{next(_keys)}"},
        timeout=30,
    )
    if r.status_code == 201 and confirm:
        c = requests.post(
            f"{url}/api/v1/tickets/{r.json()['ticket_id']}/confirm",
            json={"delivery": "printed"},
            headers=kiosk_headers_for(url),
            timeout=30,
        )
        assert c.status_code == 200, c.text
    return r


# ----------------------------------------------------------------------------- pure rules


def test_live_and_final_states_cover_every_state_once() -> None:
    assert LIVE_STATES | domain.FINAL_STATES == set(TicketState)
    assert not LIVE_STATES & domain.FINAL_STATES


def test_free_serial_skips_live_numbers() -> None:
    assert domain.free_serial(4, 1, 3, set()) == 4  # number 1 free
    assert domain.free_serial(4, 1, 3, {1}) == 5  # 1 live -> number 2
    assert domain.free_serial(4, 1, 3, {1, 2}) == 6  # -> number 3
    assert domain.free_serial(5, 1, 3, {2, 3}) == 7  # wraps round to number 1
    assert domain.free_serial(4, 1, 3, {1, 2, 3}) is None
    assert domain.free_serial(12, 10, 12, {10, 11}) == 12  # number_min other than 1
    assert domain.number_for_serial(12, 10, 12) == 12


# ----------------------------------------------------------------------------- over HTTP


def test_wrapping_skips_live_numbers_and_refuses_when_all_are_live(tmp_path: Path) -> None:
    with QueueingServer(small_range_config(3), tmp_path, free_port()) as srv:
        url = srv.url
        a1, a2, a3 = issue(url), issue(url), issue(url)
        assert [a1["number"], a2["number"], a3["number"]] == ["A001", "A002", "A003"]
        desk = counter(url, 2, "cb02", "2222")  # counter 2 serves ho_tich only
        assert desk.post(f"{url}/api/v1/counter/call-next").json()["number"] == "A001"
        assert desk.post(f"{url}/api/v1/counter/finish").status_code == 200

        a4 = issue(url)
        assert a4["number"] == "A001", "A001 is done: its number is free again"

        refused = try_issue(url)  # A002, A003 waiting, A001 waiting again: nothing free
        assert refused.status_code == 409, refused.text
        body = refused.json()
        assert body["error"] == "numbers_exhausted" and body["service"] == "ho_tich"
        assert body["message"].startswith("Đã hết số"), "Vietnamese first"
        assert "cán bộ" in body["message"] and "ask the staff" in body["message"]

        # called and being served still hold their number
        assert desk.post(f"{url}/api/v1/counter/call-next").json()["number"] == "A002"
        assert try_issue(url).status_code == 409
        assert desk.post(f"{url}/api/v1/counter/start").status_code == 200
        assert try_issue(url).status_code == 409
        assert desk.post(f"{url}/api/v1/counter/finish").status_code == 200

        # a pending kiosk ticket (not printed yet) holds its number too
        pending = issue(url, confirm=False)
        assert pending["number"] == "A002" and pending["state"] == "pending"
        assert try_issue(url).status_code == 409
        void = requests.post(
            f"{url}/api/v1/tickets/{pending['ticket_id']}/void", headers=kiosk_headers_for(url), timeout=10
        )
        assert void.status_code == 200
        assert issue(url)["number"] == "A002"

        # calling A001 calls the live A001 (the ticket issued after the wrap), not the old one
        called = desk.post(f"{url}/api/v1/counter/call", json={"number": "A001"}).json()
        assert called["ticket_id"] == a4["ticket_id"]

        # a ticket transferred to another service keeps its number, and keeps holding it
        assert desk.post(f"{url}/api/v1/counter/transfer", json={"service": "tu_phap"}).status_code == 200
        assert try_issue(url).status_code == 409  # A001 (in tu_phap), A002, A003 are live

    db = sqlite3.connect(tmp_path / "queue.sqlite3")
    live = db.execute(
        "SELECT number FROM tickets WHERE prefix = 'A' AND state IN ('pending','waiting','called','serving')"
    ).fetchall()
    assert sorted(n for (n,) in live) == ["A001", "A002", "A003"]
    # a refusal takes no serial: the numbering row moved only for tickets really issued
    (last,) = db.execute("SELECT last_serial FROM numbering WHERE prefix = 'A'").fetchone()
    (serials,) = db.execute("SELECT MAX(serial) FROM tickets WHERE prefix = 'A'").fetchone()
    assert last == serials
    db.close()


# The database itself refuses a second live ticket with a number already live (a transfer's
# copy, inserted while its original is still at the counter, is the one allowed exception):
# any duplicate made under concurrency would come back to the kiosk as a 503.
NO_DUPLICATE_LIVE_NUMBER = """
CREATE TRIGGER test_no_duplicate_live_number BEFORE INSERT ON tickets
WHEN NEW.transferred_from IS NULL AND EXISTS (
    SELECT 1 FROM tickets WHERE day = NEW.day AND prefix = NEW.prefix AND number = NEW.number
    AND state IN ('pending', 'waiting', 'called', 'serving'))
BEGIN SELECT RAISE(ABORT, 'duplicate live number'); END;
"""

KIOSKS = 6
NUMBER_MAX = 10
ISSUED_TARGET = 3 * NUMBER_MAX  # the kiosks go on until this many were issued: the range wraps twice
ATTEMPTS_PER_KIOSK = 200  # the bound if the desk never frees a number (the test then fails)


def test_concurrent_issues_never_duplicate_a_live_number(tmp_path: Path) -> None:
    with QueueingServer(small_range_config(NUMBER_MAX), tmp_path, free_port()) as srv:
        url = srv.url
        db = sqlite3.connect(tmp_path / "queue.sqlite3", timeout=10)
        db.executescript(NO_DUPLICATE_LIVE_NUMBER)
        db.close()
        outcomes: Counter[str] = Counter()
        problems: list[str] = []
        lock = threading.Lock()
        kiosks_done = threading.Event()
        first_refusal = threading.Event()
        # signed in before any kiosk starts: the sign-in (scrypt + TOTP) must not race the kiosks
        http = counter(url, 2, "cb02", "2222")

        def kiosk() -> None:
            for _ in range(ATTEMPTS_PER_KIOSK):
                with lock:
                    if outcomes["issued"] >= ISSUED_TARGET:
                        return
                r = try_issue(url)
                with lock:
                    if r.status_code == 201:
                        outcomes["issued"] += 1
                    elif r.status_code == 409 and r.json()["error"] == "numbers_exhausted":
                        outcomes["exhausted"] += 1
                        first_refusal.set()
                    else:
                        problems.append(f"{r.status_code} {r.text}")

        def desk() -> None:
            # the desk starts calling once the kiosks have filled the range and met a refusal, so
            # both the refusals and the wrap onto freed numbers happen on every run, not by timing
            first_refusal.wait(timeout=60)
            idle = threading.Event()
            while not (kiosks_done.is_set() and idle.is_set()):
                r = http.post(f"{url}/api/v1/counter/call-next", timeout=30)
                if r.status_code == 404:
                    if kiosks_done.is_set():
                        idle.set()
                    else:
                        idle.wait(0.005)
                    continue
                if r.status_code != 200 or http.post(f"{url}/api/v1/counter/finish").status_code != 200:
                    with lock:
                        problems.append(f"desk: {r.status_code} {r.text}")
                    return

        kiosks = [threading.Thread(target=kiosk) for _ in range(KIOSKS)]
        # one counter for six kiosks: the live tickets outgrow the range, so numbers wrap onto
        # live ones all the time (the refusals and the skips are both exercised)
        desks = [threading.Thread(target=desk)]
        for t in kiosks + desks:
            t.start()
        for t in kiosks:
            t.join(timeout=120)
        kiosks_done.set()
        first_refusal.set()
        for t in desks:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in kiosks + desks), "a client hung"

    assert problems == []
    assert outcomes["issued"] >= ISSUED_TARGET and outcomes["exhausted"] > 0, outcomes
    db = sqlite3.connect(tmp_path / "queue.sqlite3")
    numbers = [n for (n,) in db.execute("SELECT number FROM tickets WHERE prefix = 'A'")]
    assert len(numbers) == outcomes["issued"] and len(set(numbers)) <= NUMBER_MAX
    db.close()
