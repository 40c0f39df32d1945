"""Group commit: kiosk requests arriving together share one transaction, each in its own
savepoint, and are answered only after the COMMIT (queueing.store.Store.batch, queueing.fastpath)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import pytest

from common.clock import ManualClock
from queueing.errors import QueueError
from queueing.fastpath import FastPathStats, KioskFastPath
from queueing.service import QueueService
from queueing.store import Store, StoreError
from tests.queueing.helpers import MONDAY_9AM, make_config


@pytest.fixture(name="queue")
def queue_fixture(tmp_path: Path) -> Any:
    store = Store(tmp_path / "q.sqlite3")
    store.open()
    queue = QueueService(make_config(), store, ManualClock(MONDAY_9AM))
    queue.load()
    yield queue
    store.close()


def _committed_numbers(path: Path) -> list[str]:
    """What another connection sees: only committed rows."""
    with sqlite3.connect(path) as other:
        return [r[0] for r in other.execute("SELECT number FROM tickets ORDER BY seq")]


def test_a_refused_request_undoes_only_itself(queue: QueueService) -> None:
    notified: list[int] = []
    queue.store.on_commit_events.append(notified.append)
    with queue.store.batch():
        first = queue.issue("ho_tich", channel="kiosk", idempotency_key="g1")
        with pytest.raises(QueueError):
            queue.issue("nope", channel="kiosk", idempotency_key="g2")
        with pytest.raises(QueueError):  # fails after writing: its savepoint is rolled back
            with queue.store.tx() as tx:
                tx.run("UPDATE numbering SET last_serial = 500")
                raise QueueError(409, "test", "refused after a write")
        queue.confirm(first["ticket_id"], "printed")
        again = queue.issue("ho_tich", channel="kiosk", idempotency_key="g1")  # same key, same batch
        assert again["ticket_id"] == first["ticket_id"] and again["replayed"]
        assert queue.status(first["ticket_id"])["state"] == "waiting"  # a read inside the batch
        assert _committed_numbers(queue.store.path) == []  # nothing durable before the COMMIT
        assert notified == []
    assert _committed_numbers(queue.store.path) == ["A001"]
    assert len(notified) == 1  # one wake-up for the boards, after the commit
    assert queue.issue("ho_tich", channel="kiosk", idempotency_key="g3")["number"] == "A002"


def test_a_database_error_rolls_the_whole_batch_back(queue: QueueService) -> None:
    with pytest.raises(StoreError):
        with queue.store.batch():
            queue.issue("ho_tich", channel="kiosk", idempotency_key="b1")
            with queue.store.tx() as tx:
                tx.run("INSERT INTO no_such_table VALUES (1)")
    assert _committed_numbers(queue.store.path) == []
    assert queue.issue("ho_tich", channel="kiosk", idempotency_key="b1")["number"] == "A001"
    with pytest.raises(RuntimeError), queue.store.batch(), queue.store.batch():
        pass


def test_kiosk_requests_of_one_round_share_a_commit(queue: QueueService) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("a well-formed kiosk request reached the full route")

    stats = FastPathStats()
    fast = KioskFastPath(app, queue, stats)

    async def post(path: str, body: dict[str, Any], key: str | None = None) -> tuple[int, dict[str, Any]]:
        headers = [(b"content-type", b"application/json"), (b"host", b"kiosk.test")]
        if key:
            headers.append((b"idempotency-key", key.encode()))
        scope = {
            "type": "http",
            "method": "POST",
            "path": path,
            "headers": headers,
            "scheme": "http",
            "server": ("kiosk.test", 80),
            "root_path": "",
            "query_string": b"",
        }
        sent: list[MutableMapping[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": json.dumps(body).encode(), "more_body": False}

        async def send(message: MutableMapping[str, Any]) -> None:
            sent.append(message)

        await fast(scope, receive, send)
        return sent[0]["status"], json.loads(sent[1]["body"])

    async def burst() -> list[tuple[int, dict[str, Any]]]:
        issues = [post("/api/v1/tickets", {"service": "dat_dai"}, f"burst-{i}") for i in range(6)]
        issues.append(post("/api/v1/tickets", {"service": "nope"}, "burst-bad"))
        return await asyncio.gather(*issues)

    answers = asyncio.run(burst())
    assert [status for status, _ in answers] == [201] * 6 + [404]
    assert sorted(t["number"] for _, t in answers[:6]) == [f"B00{i}" for i in range(1, 7)]
    assert answers[0][1]["status_url"].startswith(f"{queue.config.public_base_url}/t/")  # never the Host
    assert answers[6][1]["error"] == "unknown_service"
    assert stats.batches == 1 and stats.largest_batch == 7  # one transaction, one COMMIT
    assert sorted(_committed_numbers(queue.store.path)) == [f"B00{i}" for i in range(1, 7)]

    async def confirm_all() -> list[tuple[int, dict[str, Any]]]:
        return await asyncio.gather(
            *(
                post(f"/api/v1/tickets/{t['ticket_id']}/confirm", {"delivery": "printed"})
                for _, t in answers[:6]
            )
        )

    confirmed = asyncio.run(confirm_all())
    assert {s for s, _ in confirmed} == {200} and {c["state"] for _, c in confirmed} == {"waiting"}
    assert stats.batches == 2 and stats.answered == 13


def test_every_ticket_a_kiosk_received_survives_a_crash(tmp_path: Path) -> None:
    """8 kiosks issue at once against `python -m queueing`; the server is killed (SIGKILL) right
    after the last answer; every ticket any kiosk was given is in the database."""
    import http.client
    import threading

    from tests.conftest import free_port
    from tests.queueing.helpers import ServerProcess

    srv = ServerProcess(make_config(), tmp_path, free_port())
    srv.start()
    given: list[str] = []
    problems: list[str] = []
    lock = threading.Lock()

    def kiosk(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        for i in range(40):
            body = json.dumps({"service": "ho_tich" if i % 2 else "kinh_doanh"})  # no daily caps
            headers = {"Content-Type": "application/json", "Idempotency-Key": f"crash-{k}-{i}"}
            conn.request("POST", "/api/v1/tickets", body=body, headers=headers)
            resp = conn.getresponse()
            data = json.loads(resp.read())
            with lock:
                if resp.status == 201:
                    given.append(data["ticket_id"])
                else:
                    problems.append(f"{resp.status}: {data}")
        conn.close()

    try:
        threads = [threading.Thread(target=kiosk, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert srv.proc is not None
        srv.proc.kill()  # no shutdown, no checkpoint: only what was committed is on disk
        srv.proc.wait(timeout=10)
    finally:
        srv.stop()
    assert not problems and len(given) == 320, problems[:3]
    with sqlite3.connect(srv.data_dir / "queue.sqlite3") as db:
        stored = {r[0] for r in db.execute("SELECT ticket_id FROM tickets")}
    assert set(given) <= stored
