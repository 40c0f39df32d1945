"""Group commit (here an outer `queueing.store.Store.tx`): several requests in one transaction,
each in its own savepoint, durable only after the COMMIT; and every ticket a kiosk was given
survives a crash."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from common.clock import ManualClock
from queueing.errors import QueueError
from queueing.service import QueueService
from queueing.store import Store, StoreError
from tests.harness import MONDAY_9AM
from tests.queueing.helpers import make_config


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
    with queue.store.tx():
        first = queue.issue("ho_tich", channel="kiosk", idempotency_key="g1")
        with pytest.raises(QueueError):
            queue.issue("nope", channel="kiosk", idempotency_key="g2")
        with pytest.raises(QueueError):  # fails after writing: its savepoint is rolled back
            with queue.store.tx() as conn:
                conn.execute("UPDATE numbering SET last_serial = 500")
                raise QueueError(409, "test", "refused after a write")
        queue.confirm(first.ticket_id, "printed")
        again = queue.issue("ho_tich", channel="kiosk", idempotency_key="g1")  # same key, same batch
        assert again.ticket_id == first.ticket_id and again.replayed
        assert queue.status(first.ticket_id).state == "waiting"  # a read inside the batch
        assert _committed_numbers(queue.store.path) == []  # nothing durable before the COMMIT
        assert notified == []
    assert _committed_numbers(queue.store.path) == ["A001"]
    assert len(notified) == 1  # one wake-up for the boards, after the commit
    assert queue.issue("ho_tich", channel="kiosk", idempotency_key="g3").number == "A002"


def test_a_database_error_rolls_the_whole_batch_back(queue: QueueService) -> None:
    with pytest.raises(StoreError):
        with queue.store.tx():
            queue.issue("ho_tich", channel="kiosk", idempotency_key="b1")
            with queue.store.tx() as conn:
                conn.execute("INSERT INTO no_such_table VALUES (1)")
    assert _committed_numbers(queue.store.path) == []
    assert queue.issue("ho_tich", channel="kiosk", idempotency_key="b1").number == "A001"


def test_every_ticket_a_kiosk_received_survives_a_crash(tmp_path: Path) -> None:
    """8 kiosks issue at once against `python -m queueing`; the server is killed (SIGKILL) right
    after the last answer; every ticket any kiosk was given is in the database."""
    import http.client
    import threading

    from tests.harness import QueueingProcess, free_port

    srv = QueueingProcess(make_config(), tmp_path, free_port())
    srv.start()
    given: list[str] = []
    problems: list[str] = []
    lock = threading.Lock()

    def kiosk(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        for i in range(40):
            body = json.dumps({"service": "ho_tich" if i % 2 else "kinh_doanh"})  # no daily caps
            headers = {
                "Content-Type": "application/json",
                "Idempotency-Key": f"crash-{k}-{i}",
                **srv.kiosk_headers,
            }
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
