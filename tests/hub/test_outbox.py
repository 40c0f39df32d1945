"""common/outbox.py: written in the caller's transaction (a rollback takes the event and its seq
back), only allowed data kept, unknown kinds refused; the queue writes its ticket events there,
the locker its deposits and alarms (a real locker on the simulated boards)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from common import outbox
from common.clock import ManualClock
from locker.staff import Role
from queueing.errors import QueueError
from queueing.service import QueueService
from queueing.store import Store
from tests.harness import MONDAY_9AM
from tests.locker.conftest import Harness
from tests.locker.conftest import make_config as locker_config
from tests.queueing.helpers import make_config


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
    # a code word is the whole text: `$` alone let one end in a newline ("HT\n" was kept)
    assert outbox.clean_data({"service": "HT\n", "reasons": ["slow\n", "rude"]}) == {"reasons": ["rude"]}


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
        queue.confirm(t.ticket_id, "printed")
        queue.confirm(t.ticket_id, "printed")  # a retried confirm adds nothing
        v = queue.issue("ho_tich", channel="kiosk", idempotency_key="k2")
        queue.void(v.ticket_id, "kiosk")
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
    with store.read() as conn:
        return outbox.read_after(conn, 0, 100)


def test_queue_prunes_only_what_the_hub_holds_after_the_retention(tmp_path: Path) -> None:
    store = Store(tmp_path / "queue.sqlite3")
    store.open()
    try:
        clock = ManualClock(MONDAY_9AM)
        queue = QueueService(make_config(), store, clock)
        queue.load()
        for i in range(4):
            t = queue.issue("ho_tich", channel="kiosk", idempotency_key=f"k{i}")
            queue.confirm(t.ticket_id, "printed")
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


# ----- the locker's events (deposits and alarms), in the locker's own transactions -----


@pytest.fixture
def h(tmp_path: Path) -> Iterator[Harness]:
    harness = Harness(tmp_path / "locker", locker_config())
    try:
        yield harness
    finally:
        harness.close()


def locker_events(h: Harness) -> list[dict[str, Any]]:
    with h.svc.store.read() as conn:
        return outbox.read_after(conn, 0, 100)


def test_locker_sends_deposits_and_alarm_kinds_only(h: Harness) -> None:
    token = h.sign_in("loader1")
    dep, code = h.load(token, "HS-2026-4711", phone="0912345678")
    assert h.pickup(code).json()["door"] == "opened"
    alarm = h.kiosk("POST", "/api/v1/alarms", json={"kind": "printer_paper_out", "message": "no paper"})
    assert alarm.json()["raised"] is True
    sup = h.sign_in("sup1", Role.SUPERVISOR)
    assert h.req("POST", f"/api/v1/alarms/{alarm.json()['alarm_id']}/ack", sup).status_code == 200
    paper = "printer_paper_out"
    events = [e for e in locker_events(h) if e["data"].get("alarm", paper) == paper]
    assert [(e["kind"], e["day"], e["data"]) for e in events] == [
        ("deposit.loaded", "2026-01-05", {"size": "small"}),
        ("deposit.collected", "2026-01-05", {"size": "small"}),
        ("alarm.raised", "2026-01-05", {"alarm": "printer_paper_out"}),
        ("alarm.cleared", "2026-01-05", {"alarm": "printer_paper_out"}),
    ]
    # the SMS outbox is the locker's own `outbox` table, untouched; the hub's is `hub_events`
    with h.svc.store.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] >= 1
    text = json.dumps(locker_events(h))
    for secret in (code, "0912345678", "HS-2026-4711", dep["deposit_id"], "no paper"):
        assert secret not in text


def test_a_rolled_back_locker_change_leaves_no_event(h: Harness) -> None:
    before = locker_events(h)
    with pytest.raises(RuntimeError, match="after the alarm"):
        with h.svc.store.tx() as conn:
            assert h.svc.alarms.raise_in(conn, "door_forced", "1", "compartment 1 forced") is not None
            raise RuntimeError("failed after the alarm")
    assert h.svc.alarms.open_count() == 0
    assert locker_events(h) == before
    h.svc.alarms.raise_("door_forced", "1", "compartment 1 forced")  # committed: one event, next seq
    after = locker_events(h)
    assert [e["kind"] for e in after[len(before) :]] == ["alarm.raised"]
    assert after[-1]["seq"] == len(before) + 1


def test_locker_expiry_withdrawal_reissue_and_prune(h: Harness) -> None:
    token = h.sign_in("loader1")
    first, _ = h.load(token, "HS-2026-0001")
    second, _ = h.load(token, "HS-2026-0002", size="medium")
    h.clock.advance(9 * 86400)  # past the code's validity
    h.svc.monitor.sweep()
    sup = h.sign_in("sup1", Role.SUPERVISOR)
    withdrawn = h.req("POST", f"/api/v1/deposits/{first['deposit_id']}/withdraw", sup)
    assert withdrawn.json()["state"] == "withdrawn", withdrawn.text
    reissued = h.req("POST", f"/api/v1/deposits/{second['deposit_id']}/reissue", sup)
    assert reissued.json()["state"] == "code_sent", reissued.text  # the same deposit: not loaded again
    deposits = [(e["kind"], e["data"]) for e in locker_events(h) if e["kind"].startswith("deposit.")]
    assert deposits == [
        ("deposit.loaded", {"size": "small"}),
        ("deposit.loaded", {"size": "medium"}),
        ("deposit.expired", {"size": "small"}),
        ("deposit.expired", {"size": "medium"}),
        ("deposit.withdrawn", {"size": "small"}),
    ]
    last = locker_events(h)[-1]["seq"]
    h.svc.monitor.sweep()
    assert locker_events(h)[-1]["seq"] == last  # no hub has acknowledged anything: all kept
    outbox.write_acked(h.paths.data_dir, "locker", last)  # what the uplink records
    h.clock.advance((outbox.KEEP_ACKED_DAYS + 1) * 86400)
    h.svc.monitor.sweep()
    # those the hub holds are pruned (old enough); newer ones (door 1 left open since the withdrawal) stay
    assert [e["seq"] for e in locker_events(h)] == list(range(last + 1, last + 1 + len(locker_events(h))))
