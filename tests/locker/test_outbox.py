"""The durable outbox: written with the state change, retried with backoff, sent once, redacted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from common.clock import ManualClock
from drivers.gateways.errors import GatewayError
from locker import audit, outbox
from locker.config import OutboxConfig
from locker.store import Store
from tests.harness import wait_until


class FlakySms:
    name = "flaky"

    def __init__(self, failures: list[GatewayError]) -> None:
        self.failures = failures
        self.sent: list[tuple[str, str, str]] = []

    def send(self, to: str, text: str, idempotency_key: str) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((to, text, idempotency_key))


class NoBackOffice:
    name = "none"

    def lookup(self, code: str) -> None:
        return None

    def status(self, code: str) -> None:
        return None

    def returned(self, code: str, event: dict[str, Any], key: str) -> None:
        pass


def _setup(tmp_path: Path, sms: FlakySms, **cfg: Any) -> tuple[Store, ManualClock, outbox.OutboxWorker, list]:
    store = Store(tmp_path / "l.db")
    store.open()
    clock = ManualClock()
    alarms: list = []
    worker = outbox.OutboxWorker(
        store, clock, OutboxConfig(**cfg), sms, NoBackOffice(), lambda *a: alarms.append(a)
    )
    return store, clock, worker, alarms


def test_retry_with_backoff_then_sent_once_and_redacted(tmp_path: Path) -> None:
    sms = FlakySms([GatewayError("down"), GatewayError("down")])
    store, clock, worker, _ = _setup(tmp_path, sms, first_retry_s=5, max_retry_s=60)
    with store.tx() as conn:
        outbox.enqueue(
            conn, clock.now(), outbox.SMS, "d1:code:1", {"to": "+84900000001", "text": "Ma nhan: 123456"}
        )
        outbox.enqueue(conn, clock.now(), outbox.SMS, "d1:code:1", {"to": "+84900000001", "text": "dup"})
    assert outbox.backlog(store) == 1
    assert worker.run_once() == 1 and sms.sent == []
    assert worker.run_once() == 0  # not due yet
    clock.advance(5)
    assert worker.run_once() == 1 and sms.sent == []
    clock.advance(9)
    assert worker.run_once() == 0  # the second wait is 10 s
    clock.advance(1)
    assert worker.run_once() == 1
    assert sms.sent == [("+84900000001", "Ma nhan: 123456", "d1:code:1")]
    assert outbox.backlog(store) == 0
    with store.read() as conn:
        row = conn.execute("SELECT * FROM outbox").fetchone()
        assert "123456" not in row["payload"] and json.loads(row["payload"])["to"] == "+84900000001"
        assert audit.verify(conn).ok


def test_permanent_error_gives_up_with_alarm(tmp_path: Path) -> None:
    sms = FlakySms([GatewayError("bad number", permanent=True)])
    store, clock, worker, alarms = _setup(tmp_path, sms)
    with store.tx() as conn:
        outbox.enqueue(conn, clock.now(), outbox.SMS, "k", {"to": "+84900000001", "text": "x"})
    worker.run_once()
    clock.advance(10_000)
    assert worker.run_once() == 0 and sms.sent == []
    assert alarms and alarms[0][0] == "outbox_failed"


def test_rolled_back_change_leaves_no_message(tmp_path: Path) -> None:
    store, clock, _, _ = _setup(tmp_path, FlakySms([]))
    try:
        with store.tx() as conn:
            outbox.enqueue(conn, clock.now(), outbox.SMS, "k", {"to": "+84900000001", "text": "x"})
            raise RuntimeError("state change failed")
    except RuntimeError:
        pass
    assert outbox.backlog(store) == 0


def test_one_round_is_recorded_in_one_transaction(tmp_path: Path) -> None:
    # three due messages, the second refused for good: all three outcomes land in one commit
    sms = FlakySms([])
    store, clock, worker, alarms = _setup(tmp_path, sms)
    with store.tx() as conn:
        for n in range(3):
            outbox.enqueue(
                conn, clock.now(), outbox.SMS, f"d{n}:code:1", {"to": "+8490000000" + str(n), "text": "x"}
            )
    real_send = sms.send

    def send(to: str, text: str, key: str) -> None:
        if key == "d1:code:1":
            raise GatewayError("number refused", permanent=True)
        real_send(to, text, key)

    sms.send = send  # type: ignore[method-assign,assignment]
    commits0 = store.commits
    assert worker.run_once() == 3
    assert store.commits - commits0 == 1  # the round's three outcomes in one transaction
    with store.read() as conn:
        states = dict(conn.execute("SELECT idem_key, state FROM outbox").fetchall())
        assert audit.verify(conn).ok
    assert states == {"d0:code:1": "sent", "d1:code:1": "failed", "d2:code:1": "sent"}
    assert len(alarms) == 1 and "number refused" in alarms[0][2]


def test_the_thread_sends_at_start_goes_on_while_messages_are_due_and_wakes_on_a_kick(tmp_path: Path) -> None:
    sms = FlakySms([])
    store, clock, worker, _ = _setup(tmp_path, sms, poll_interval_s=3600)  # no poll in this test
    with store.tx() as conn:
        for i in range(25):  # more than one round's 20
            outbox.enqueue(conn, clock.now(), outbox.SMS, f"d{i}:code:1", {"to": "+84900000001", "text": "x"})
    worker.start()
    try:
        wait_until(lambda: len(sms.sent) == 25, 10, "the first round at start, the second at once")
        with store.tx() as conn:
            outbox.enqueue(conn, clock.now(), outbox.SMS, "late:code:1", {"to": "+84900000001", "text": "x"})
        worker.kick()
        wait_until(lambda: len(sms.sent) == 26, 10, "the kicked round")
    finally:
        worker.stop()
        store.close()
