"""Per-ticket work on the hot path: how many SQL statements an issue and a confirm take, and the
one-count "ahead" of a new ticket agrees with the status page's count."""

from __future__ import annotations

from pathlib import Path

from common.clock import ManualClock
from common.wal_checkpoints import WAL_AUTOCHECKPOINT_PAGES
from queueing.service import QueueService
from queueing.store import Store
from tests.harness import MONDAY_9AM, wait_until
from tests.queueing.helpers import make_config


def test_issue_and_confirm_take_few_statements(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.sqlite3")
    store.open()
    try:
        queue = QueueService(make_config(), store, ManualClock(MONDAY_9AM))
        queue.load()
        queue.issue("ho_tich", channel="kiosk", idempotency_key="warm-up")
        seen: list[str] = []
        assert store.db._conn is not None
        store.db._conn.set_trace_callback(seen.append)
        ticket = queue.issue("ho_tich", channel="kiosk", idempotency_key="k1")
        issue_sql = list(seen)
        seen.clear()
        assert queue.confirm(ticket.ticket_id, "printed").state == "waiting"
        confirm_sql = list(seen)
        store.db._conn.set_trace_callback(None)
        # BEGIN, idempotency lookup, next serial, one "ahead" count, ticket, key, COMMIT
        assert len(issue_sql) <= 7, issue_sql
        # BEGIN, pending -> waiting, outbox row for the province hub, waiting count for the board,
        # event, COMMIT
        assert len(confirm_sql) <= 6, confirm_sql
        # a confirm retried after success changes nothing and says so
        assert queue.confirm(ticket.ticket_id, "printed").state == "waiting"
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
            queue.confirm(t.ticket_id, "printed")
            # told at issue (one count, new ticket) == the status page's count (two counts)
            assert queue.status(t.ticket_id).ahead == t.ahead, (i, prio)
            clock.advance(30)
    finally:
        store.close()


def test_wal_checkpoints_run_off_the_request_path(tmp_path: Path) -> None:
    """The writer's own auto-checkpoint is only a safety net; a background thread checkpoints."""
    store = Store(tmp_path / "q.sqlite3", checkpoint_every_s=0.05)
    store.open()
    try:
        assert store.db._conn is not None
        assert store.db._conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == WAL_AUTOCHECKPOINT_PAGES
        queue = QueueService(make_config(), store, ManualClock(MONDAY_9AM))
        queue.load()
        for i in range(30):
            queue.confirm(
                queue.issue("ho_tich", channel="kiosk", idempotency_key=f"w{i}").ticket_id, "printed"
            )
        done = store.checkpoints
        wait_until(lambda: store.checkpoints >= done + 2, 10, "background checkpoints")
        with store.read() as conn:
            row = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()  # nothing left to copy
        assert row is not None
        busy, frames, copied = tuple(row)
        assert busy == 0 and copied == frames
        thread = store.db.checkpointer
        assert thread is not None and thread.is_alive()
    finally:
        store.close()
    assert not thread.is_alive()


def test_checkpoint_thread_can_be_turned_off(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.sqlite3", checkpoint_every_s=0)
    store.open()
    try:
        assert store.db.checkpointer is None
        assert store.db._conn is not None
        assert store.db._conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000  # SQLite's own
    finally:
        store.close()
