"""Group commit in the store (`common.sqlite_store` under the locker's schema): units waiting for
the writer share one COMMIT (one fsync), each caller returns only once its own changes are
committed, one caller's error stays its own, and a unit's after-commit step runs on the writer
right after the COMMIT that holds it, before its caller hears back."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from common.sqlite_store import SqliteStore
from locker.store import Store
from tests.harness import wait_until


def _add_alarm(conn: sqlite3.Connection, kind: str) -> None:
    conn.execute(
        "INSERT INTO alarms(kind, compartment, raised_at, message) VALUES (?,?,?,?)",
        (kind, None, 1767225600.0, "test"),  # 2026-01-01T00:00:00Z
    )


def _committed_kinds(path: Path) -> list[str]:
    """What another connection (another process, after a crash) would find on disk."""
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT kind FROM alarms ORDER BY alarm_id")]
    finally:
        conn.close()


class _HeldOpen:
    """A transaction adding alarm `kind`, open on its own thread until `release()`: what the
    writer queues meanwhile is batched with it. `errors`: what the transaction raised."""

    def __init__(self, store: Store, kind: str) -> None:
        self.errors: list[BaseException] = []
        self._inside, self._release = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._hold, args=(store, kind))
        self._thread.start()
        assert self._inside.wait(10)

    def _hold(self, store: Store, kind: str) -> None:
        try:
            with store.tx() as conn:
                _add_alarm(conn, kind)
                self._inside.set()
                assert self._release.wait(10)
        except sqlite3.Error as err:
            self.errors.append(err)

    def release(self) -> None:
        """Let the transaction commit (with whatever queued behind it) and wait for it."""
        self._release.set()
        self._thread.join(10)


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = Store(tmp_path / "l.db")
    assert isinstance(s, SqliteStore)  # the locker's schema on the services' one store design
    s.open()
    yield s
    s.close()


def test_transactions_waiting_for_the_writer_share_one_commit(store: Store) -> None:
    holder = _HeldOpen(store, "first")
    seen_after_return: dict[str, list[str]] = {}

    def writer(n: int) -> None:
        with store.tx() as conn:
            _add_alarm(conn, f"w{n}")
        # back from tx(): the change must already be on disk for everyone
        seen_after_return[f"w{n}"] = _committed_kinds(store.path)

    commits0 = store.commits
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(5)]
    for t in threads:
        t.start()
    wait_until(lambda: store.queued == 5, 10, "five writers queued for the writer")
    holder.release()
    for t in threads:
        t.join(10)
    assert store.commits - commits0 == 1  # six transactions, one COMMIT (one fsync)
    assert sorted(_committed_kinds(store.path)) == sorted(["first", *(f"w{n}" for n in range(5))])
    for kind, seen in seen_after_return.items():
        assert kind in seen


def test_a_transaction_does_not_return_before_its_batch_is_committed(store: Store) -> None:
    a_body_done, a_returned = threading.Event(), threading.Event()
    b_inside, b_release = threading.Event(), threading.Event()

    def a() -> None:
        with store.tx() as conn:
            _add_alarm(conn, "a")
            a_body_done.set()
            # B queues for the writer while A is still inside: A's batch stays open for B
            wait_until(lambda: store.queued == 1, 10, "B queued")
        a_returned.set()

    def b() -> None:
        assert a_body_done.wait(10)
        with store.tx() as conn:
            _add_alarm(conn, "b")
            b_inside.set()
            assert b_release.wait(10)

    ta, tb = threading.Thread(target=a), threading.Thread(target=b)
    ta.start()
    tb.start()
    assert b_inside.wait(10)
    # A's body finished long ago, but its change is not committed yet: A must still be waiting
    assert not a_returned.wait(0.2)
    assert _committed_kinds(store.path) == []
    b_release.set()
    assert a_returned.wait(10)
    assert _committed_kinds(store.path) == ["a", "b"]
    ta.join(10)
    tb.join(10)


def test_an_error_in_one_transaction_rolls_back_only_that_one(store: Store) -> None:
    holder = _HeldOpen(store, "ok1")
    errors: list[BaseException] = []

    def failing() -> None:
        try:
            with store.tx() as conn:
                _add_alarm(conn, "doomed")
                raise ValueError("the use case refused")
        except ValueError as err:
            errors.append(err)

    def fine() -> None:
        with store.tx() as conn:
            _add_alarm(conn, "ok2")

    threads = [threading.Thread(target=failing), threading.Thread(target=fine)]
    for t in threads:
        t.start()
    wait_until(lambda: store.queued == 2, 10, "two writers queued")
    holder.release()
    for t in threads:
        t.join(10)
    assert len(errors) == 1
    assert sorted(_committed_kinds(store.path)) == ["ok1", "ok2"]


def test_a_failed_commit_is_reported_to_every_transaction_of_the_batch(store: Store) -> None:
    with store.tx() as conn:  # a deferred constraint is checked only at COMMIT
        conn.execute("CREATE TABLE parent(id INTEGER PRIMARY KEY)")
        conn.execute("CREATE TABLE child(pid INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)")
    other_err: list[BaseException] = []

    def breaker() -> None:
        try:
            with store.tx() as conn:
                conn.execute("INSERT INTO child(pid) VALUES (999)")  # no such parent
        except sqlite3.Error as err:
            other_err.append(err)

    holder = _HeldOpen(store, "innocent")
    tb = threading.Thread(target=breaker)
    tb.start()
    wait_until(lambda: store.queued == 1, 10, "breaker queued")
    holder.release()
    tb.join(10)
    assert holder.errors and other_err  # neither caller is told "done" for a change not on disk
    assert _committed_kinds(store.path) == []
    with store.tx() as conn:  # the store still works afterwards
        _add_alarm(conn, "after")
    assert _committed_kinds(store.path) == ["after"]


def test_nested_transaction_is_a_savepoint_of_the_outer_one(store: Store) -> None:
    with store.tx() as conn:
        _add_alarm(conn, "outer")
        with pytest.raises(RuntimeError), store.tx() as inner:
            assert inner is conn
            _add_alarm(conn, "inner")
            raise RuntimeError("inner step failed")
        with store.tx():
            _add_alarm(conn, "inner2")
    assert _committed_kinds(store.path) == ["outer", "inner2"]
    assert store.transactions == 1


def test_wal_checkpoints_run_in_the_background_not_inside_commits(tmp_path: Path) -> None:
    store = Store(tmp_path / "l.db", checkpoint_every_s=0.05)
    store.open()
    try:
        assert store.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 10000
        with store.tx() as conn:
            _add_alarm(conn, "x")
        wait_until(lambda: store.checkpoints >= 1, 10, "a background checkpoint")
        seen = store.checkpoints
        # nothing new committed: no further checkpoints
        assert not threading.Event().wait(0.3) and store.checkpoints == seen
    finally:
        store.close()
    assert _committed_kinds(store.path) == ["x"]


def test_after_commit_hook_runs_once_the_change_is_on_disk_before_the_caller_returns(store: Store) -> None:
    seen: list[list[str]] = []
    with store.tx(on_commit=lambda: seen.append(_committed_kinds(store.path))) as conn:
        _add_alarm(conn, "intent")
        assert seen == []  # not while the body runs
    assert seen == [["intent"]]  # another connection already finds the change


def test_after_commit_hooks_of_a_batch_run_in_order_on_the_writer_thread(store: Store) -> None:
    ran: list[tuple[str, str]] = []
    holder = _HeldOpen(store, "first")
    threads = []
    for kind in ("a", "b"):

        def member(kind: str = kind) -> None:
            with store.tx(on_commit=lambda: ran.append((kind, threading.current_thread().name))) as conn:
                _add_alarm(conn, kind)

        t = threading.Thread(target=member, name=f"member-{kind}")
        t.start()
        threads.append(t)
        queued = len(threads)
        wait_until(lambda: store.queued == queued, 10, f"member {kind} queued")
    holder.release()
    for t in threads:
        t.join(10)
    assert [k for k, _ in ran] == ["a", "b"]
    assert all(name == "locker-db-writer" for _, name in ran)  # the writer ran every hook of the batch


def test_after_commit_hook_never_runs_when_the_body_or_the_commit_fails(store: Store) -> None:
    ran: list[str] = []
    with pytest.raises(RuntimeError), store.tx(on_commit=lambda: ran.append("failed body")) as conn:
        _add_alarm(conn, "x")
        raise RuntimeError("refused")
    with store.tx(on_commit=lambda: ran.append("outer")) as conn:
        _add_alarm(conn, "outer")
        with pytest.raises(RuntimeError), store.tx(on_commit=lambda: ran.append("nested, undone")):
            raise RuntimeError("inner step failed")
        with store.tx(on_commit=lambda: ran.append("nested, kept")):
            _add_alarm(conn, "kept")
    assert ran == ["nested, kept", "outer"]
    ran.clear()
    with store.tx() as conn:
        conn.execute("CREATE TABLE parent(id INTEGER PRIMARY KEY)")
        conn.execute("CREATE TABLE child(pid INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)")
    with pytest.raises(sqlite3.Error), store.tx(on_commit=lambda: ran.append("commit failed")) as conn:
        conn.execute("INSERT INTO child(pid) VALUES (999)")  # refused only at COMMIT
    assert ran == []


def test_a_failing_hook_is_logged_and_reported_to_its_caller_but_the_commit_stands(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise RuntimeError("hook bug")

    with pytest.raises(RuntimeError, match="hook bug"), store.tx(on_commit=broken) as conn:
        _add_alarm(conn, "kept")
    assert _committed_kinds(store.path) == ["kept"]
    assert "after-commit step failed" in caplog.text


def test_a_unit_of_work_runs_on_the_writer_and_its_step_sees_it_committed(store: Store) -> None:
    def work(conn: sqlite3.Connection) -> str:
        _add_alarm(conn, "intent")
        return threading.current_thread().name

    def step(ran_on: str) -> tuple[str, list[str]]:
        return ran_on, _committed_kinds(store.path)  # what a crash right now would leave

    ran_on, on_disk = store.write(work, then=step)
    assert ran_on == "locker-db-writer"
    assert on_disk == ["intent"]


def test_units_and_tx_blocks_nest_as_savepoints(store: Store) -> None:
    def outer(conn: sqlite3.Connection) -> int:
        _add_alarm(conn, "outer")

        def refused_work(c: sqlite3.Connection) -> None:
            _add_alarm(c, "undone")
            raise ZeroDivisionError

        refused = store.submit(refused_work)
        assert isinstance(refused.exception(), ZeroDivisionError)  # done at once, not queued
        with store.tx() as inner:
            _add_alarm(inner, "inner")
        return store.write(lambda c: 7)

    assert store.write(outer) == 7
    assert _committed_kinds(store.path) == ["outer", "inner"]
    assert store.transactions == 1


def test_a_unit_that_ends_the_transaction_fails_with_its_batch_and_the_writer_goes_on(store: Store) -> None:
    earlier = _HeldOpen(store, "earlier")

    def rogue(conn: sqlite3.Connection) -> None:
        conn.execute("ROLLBACK")  # SQLite gives up the whole transaction (as on a full disk)

    rogue_future = store.submit(rogue)
    wait_until(lambda: store.queued == 1, 10, "the rogue unit queued")
    earlier.release()
    assert rogue_future.exception(10) is not None
    assert earlier.errors  # the earlier unit of the batch is told it was not committed
    assert _committed_kinds(store.path) == []
    assert store.write(lambda conn: _add_alarm(conn, "after")) is None  # the writer goes on
    assert _committed_kinds(store.path) == ["after"]
