"""common/outbox.py: written in the caller's transaction (a rollback takes the event and its seq
back), only allowed data kept, unknown kinds refused; the queue writes its ticket events there."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from common import outbox
from common.clock import ManualClock
from queueing.errors import QueueError
from queueing.service import QueueService
from queueing.store import Store
from tests.queueing.helpers import MONDAY_9AM, make_config


def test_rolled_back_events_leave_no_gap(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "s.sqlite3", isolation_level=None)
    outbox.ensure(conn)
    conn.execute("BEGIN")
    assert outbox.add(conn, 1.0, "2026-01-05", "ticket.issued", service="HT") == 1
    conn.execute("COMMIT")
    conn.execute("BEGIN")
    outbox.add(conn, 2.0, "2026-01-05", "ticket.issued", service="HT")
    conn.execute("ROLLBACK")
    conn.execute("BEGIN")
    assert outbox.add(conn, 3.0, "2026-01-05", "ticket.called", service="HT", wait_s=12.5) == 2
    conn.execute("COMMIT")
    assert [e["seq"] for e in outbox.read_after(conn, 0, 10)] == [1, 2]
    assert outbox.read_after(conn, 1, 10)[0]["data"] == {"service": "HT", "wait_s": 12.5}
    # acknowledged and old enough: pruned; numbers are never handed out again
    assert outbox.prune(conn, acked_seq=2, before_ts=10.0) == 2
    assert outbox.add(conn, 4.0, "2026-01-05", "ticket.served") == 3


def test_only_categories_and_counts_are_kept() -> None:
    data = {
        "service": "HT",
        "counter": 3,
        "priority": True,
        "wait_s": 61.0,
        "name": "Nguyễn Văn A",
        "phone": "0912345678",
        "id_hash": "abc",
        "code": "123456",
        "counter_bad": "x",
        "rating": True,  # a flag is not a count
        "channel": "k" * 100,
    }
    assert outbox.clean_data(data) == {
        "service": "HT",
        "counter": 3,
        "priority": True,
        "wait_s": 61.0,
        "channel": "k" * outbox.MAX_TEXT,
    }


def test_unknown_kind_is_refused(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "s.sqlite3", isolation_level=None)
    outbox.ensure(conn)
    with pytest.raises(outbox.OutboxError, match="KINDS"):
        outbox.add(conn, 1.0, "2026-01-05", "ticket.printed_name")


def test_queue_writes_ticket_events_in_its_transactions(tmp_path: Path) -> None:
    store = Store(tmp_path / "queue.sqlite3")
    store.open()
    try:
        clock = ManualClock(MONDAY_9AM)
        queue = QueueService(make_config(), store, clock)
        queue.load()
        t = queue.issue("ho_tich", channel="kiosk", idempotency_key="k1", priority="elderly")
        assert read(store) == []  # pending (not printed yet) is not issued
        queue.confirm(t["ticket_id"], "printed")
        queue.confirm(t["ticket_id"], "printed")  # a retried confirm adds nothing
        v = queue.issue("ho_tich", channel="kiosk", idempotency_key="k2")
        queue.void(v["ticket_id"], "kiosk")
        with pytest.raises(QueueError):
            queue.void("no-such-ticket")
        events = read(store)
        assert [(e["kind"], e["day"]) for e in events] == [
            ("ticket.issued", "2026-01-05"),
            ("ticket.void", "2026-01-05"),
        ]
        assert events[0]["data"] == {"service": "ho_tich", "channel": "kiosk", "priority": True}
    finally:
        store.close()


def read(store: Store) -> list[dict[str, object]]:
    with store.read() as tx:
        return outbox.read_after(tx.conn, 0, 100)


def test_queue_prunes_only_what_the_hub_holds_after_the_retention(tmp_path: Path) -> None:
    store = Store(tmp_path / "queue.sqlite3")
    store.open()
    try:
        clock = ManualClock(MONDAY_9AM)
        queue = QueueService(make_config(), store, clock)
        queue.load()
        for i in range(4):
            t = queue.issue("ho_tich", channel="kiosk", idempotency_key=f"k{i}")
            queue.confirm(t["ticket_id"], "printed")
        now = clock.now().timestamp()
        later = now + (outbox.KEEP_ACKED_DAYS + 1) * 86400
        queue.prune(later)
        assert len(read(store)) == 4  # no hub has acknowledged anything: all kept
        outbox.write_acked(tmp_path, "queueing", 3)
        queue.prune(now + 3600)
        assert len(read(store)) == 4  # acknowledged, but younger than the retention
        queue.prune(later)
        assert [e["seq"] for e in read(store)] == [4]
        assert outbox.read_acked(tmp_path, "queueing") == 3
    finally:
        store.close()
