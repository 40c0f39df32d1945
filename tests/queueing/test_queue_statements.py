"""Per-ticket work on the hot path: how many SQL statements an issue and a confirm take, and the
one-count "ahead" of a new ticket agrees with the status page's count."""

from __future__ import annotations

from pathlib import Path

from common.clock import ManualClock
from queueing.service import QueueService
from queueing.store import Store
from tests.queueing.helpers import MONDAY_9AM, make_config


def test_issue_and_confirm_take_few_statements(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.sqlite3")
    store.open()
    try:
        queue = QueueService(make_config(), store, ManualClock(MONDAY_9AM))
        queue.load()
        queue.issue("ho_tich", channel="kiosk", idempotency_key="warm-up")
        seen: list[str] = []
        assert store._conn is not None
        store._conn.set_trace_callback(seen.append)
        ticket = queue.issue("ho_tich", channel="kiosk", idempotency_key="k1")
        issue_sql = list(seen)
        seen.clear()
        assert queue.confirm(ticket["ticket_id"], "printed")["state"] == "waiting"
        confirm_sql = list(seen)
        store._conn.set_trace_callback(None)
        # BEGIN, idempotency lookup, next serial, one "ahead" count, ticket, key, COMMIT
        assert len(issue_sql) <= 7, issue_sql
        # BEGIN, pending -> waiting, waiting count for the board, event, COMMIT
        assert len(confirm_sql) <= 5, confirm_sql
        # a confirm retried after success changes nothing and says so
        assert queue.confirm(ticket["ticket_id"], "printed")["state"] == "waiting"
    finally:
        store.close()


def test_ahead_of_a_new_ticket_matches_its_status(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.sqlite3")
    store.open()
    try:
        clock = ManualClock(MONDAY_9AM)
        queue = QueueService(make_config(), store, clock)
        queue.load()
        for i, prio in enumerate([None, "elderly", None, None, "disabled", None, "elderly", None]):
            t = queue.issue("ho_tich", channel="kiosk", idempotency_key=f"k{i}", priority=prio)
            queue.confirm(t["ticket_id"], "printed")
            # told at issue (one count, new ticket) == the status page's count (two counts)
            assert queue.status(t["ticket_id"])["ahead"] == t["ahead"], (i, prio)
            clock.advance(30)
    finally:
        store.close()
