"""The store: one writer behind a lock, readers that never wait for the writer's commit."""

from __future__ import annotations

import threading
from pathlib import Path

from locker.store import Store


def _add_alarm(conn, kind: str) -> None:  # type: ignore[no-untyped-def]
    conn.execute(
        "INSERT INTO alarms(kind, compartment, raised_at, message) VALUES (?,?,?,?)",
        (kind, None, 1767225600.0, "test"),  # 2026-01-01T00:00:00Z
    )


def test_read_sees_committed_state_while_a_write_is_in_progress(tmp_path: Path) -> None:
    store = Store(tmp_path / "l.db")
    store.open()
    with store.tx() as conn:
        _add_alarm(conn, "committed")
    in_tx, release = threading.Event(), threading.Event()

    def writer() -> None:
        with store.tx() as conn:
            _add_alarm(conn, "pending")
            in_tx.set()
            release.wait(10)

    t = threading.Thread(target=writer)
    t.start()
    try:
        assert in_tx.wait(10)
        # the writer holds the lock mid-transaction: a read still answers, with committed rows only
        with store.read() as conn:
            kinds = [r[0] for r in conn.execute("SELECT kind FROM alarms")]
        assert kinds == ["committed"]
    finally:
        release.set()
        t.join(10)
    with store.read() as conn:
        assert [r[0] for r in conn.execute("SELECT kind FROM alarms ORDER BY alarm_id")] == [
            "committed",
            "pending",
        ]
    store.close()


def test_read_inside_a_transaction_sees_its_own_changes(tmp_path: Path) -> None:
    store = Store(tmp_path / "l.db")
    store.open()
    with store.tx() as conn:
        _add_alarm(conn, "mine")
        with store.read() as inner:
            assert inner is conn
            assert inner.execute("SELECT COUNT(*) FROM alarms").fetchone()[0] == 1
    store.close()


def test_read_connections_are_read_only_and_closed_with_the_store(tmp_path: Path) -> None:
    import sqlite3

    import pytest

    store = Store(tmp_path / "l.db")
    store.open()
    with store.read() as conn, pytest.raises(sqlite3.OperationalError):
        _add_alarm(conn, "nope")
    store.close()
    with pytest.raises(sqlite3.ProgrammingError):
        conn.execute("SELECT 1")
