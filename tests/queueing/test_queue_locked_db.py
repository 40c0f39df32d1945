"""Another program holding the queue database (BEGIN EXCLUSIVE) does not freeze the service:
health, the display board and reads keep answering, writes get a clear 503 with Retry-After
within the kiosk's request time-out, and everything works again once the lock is released."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import requests

from kiosk.config import KioskConfig
from tests.harness import QueueingProcess, free_port
from tests.queueing.helpers import make_config
from tests.queueing.test_queue_api import counter, issue

BUSY_S = 1.0
WRITERS = 60  # more than FastAPI's 40 pool threads


def timed_get(url: str) -> tuple[float, requests.Response]:
    t0 = time.monotonic()
    r = requests.get(url, timeout=10)
    return time.monotonic() - t0, r


def test_health_and_display_answer_while_another_program_holds_the_database(tmp_path: Path) -> None:
    kiosk_timeout_s = KioskConfig.model_fields["request_timeout_s"].default
    cfg = make_config(sqlite_busy_timeout_s=BUSY_S)
    assert 2 * BUSY_S < kiosk_timeout_s
    assert 2 * make_config().sqlite_busy_timeout_s < kiosk_timeout_s, "the shipped busy time-out"
    with QueueingProcess(cfg, tmp_path, free_port()) as srv:
        url = srv.url
        tickets = [issue(url) for _ in range(WRITERS // 2)]
        desk = counter(url, 2, "cb02", "2222")

        other = sqlite3.connect(srv.data_dir / "queue.sqlite3", isolation_level=None, timeout=5)
        other.execute("BEGIN EXCLUSIVE")
        try:
            answers: list[tuple[float, int, str, str | None]] = []
            lock = threading.Lock()

            def void(ticket_id: str) -> None:
                t0 = time.monotonic()
                r = requests.post(
                    f"{url}/api/v1/tickets/{ticket_id}/void", headers=srv.kiosk_headers, timeout=10
                )
                with lock:
                    answers.append(
                        (
                            time.monotonic() - t0,
                            r.status_code,
                            r.json()["error"],
                            r.headers.get("Retry-After"),
                        )
                    )

            writers = [threading.Thread(target=void, args=(t["ticket_id"],)) for t in tickets + tickets]
            for w in writers:
                w.start()
            threading.Event().wait(0.2)  # the writers are queued on the database now

            took, health = timed_get(f"{url}/api/v1/health")
            assert health.status_code == 200 and took < 3.0, took
            body = health.json()
            assert body["status"] == "degraded" and ("locked" in body["problem"] or "busy" in body["problem"])
            took, page = timed_get(f"{url}/display")
            assert page.status_code == 200 and took < 3.0, took
            took, state = timed_get(f"{url}/api/v1/display/state")
            assert state.status_code in (200, 503) and took < 3.0, took

            for w in writers:
                w.join(timeout=30)
            assert len(answers) == WRITERS
            assert {(status, error, retry) for _, status, error, retry in answers} == {
                (503, "database_busy", "2")
            }
            assert max(took for took, *_ in answers) < kiosk_timeout_s

            # with nothing else queued, reads answer at once and health names the lock
            took, state = timed_get(f"{url}/api/v1/display/state")
            assert state.status_code == 200 and took < 1.0, took
            took, health = timed_get(f"{url}/api/v1/health")
            assert took < 1.0 and "locked by another program" in health.json()["problem"]

            remote = requests.post(
                f"{url}/api/v1/tickets", json={"service": "ho_tich", "channel": "remote"}, timeout=10
            )
            assert remote.status_code == 503 and remote.json()["error"] == "database_busy"
            assert remote.headers["Retry-After"] == "2"
            assert remote.json()["message"].startswith("Hệ thống đang bận")
            call = desk.post(f"{url}/api/v1/counter/call-next", timeout=10)
            assert call.status_code == 503 and call.json()["error"] == "database_busy"
            t0 = time.monotonic()
            kiosk = requests.post(
                f"{url}/api/v1/tickets",
                json={"service": "ho_tich"},
                headers={**srv.kiosk_headers, "Idempotency-Key": "l1"},
                timeout=10,
            )
            assert kiosk.status_code == 503 and time.monotonic() - t0 < kiosk_timeout_s
        finally:
            other.execute("ROLLBACK")
            other.close()

        health = requests.get(f"{url}/api/v1/health", timeout=5).json()
        assert health["status"] == "ok" and "problem" not in health
        assert issue(url)["number"].startswith("A")
        assert (
            requests.post(
                f"{url}/api/v1/tickets/{tickets[0]['ticket_id']}/void", headers=srv.kiosk_headers, timeout=5
            ).status_code
            == 200
        )
        assert (
            desk.post(f"{url}/api/v1/counter/call-next", timeout=5).json()["number"] == tickets[1]["number"]
        )
        retried = requests.post(
            f"{url}/api/v1/tickets",
            json={"service": "ho_tich"},
            headers={**srv.kiosk_headers, "Idempotency-Key": "l1"},
            timeout=10,
        )
        assert retried.status_code == 201, "the refused kiosk ticket can be retried with its key"
