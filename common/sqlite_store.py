"""One SQLite database, one writer thread: the store design of the services.

A `SqliteStore` owns one write connection and the thread that uses it. Callers hand the writer
a unit of work and get a future: `store.submit(work, then=step)` (`work(conn)` runs on the
writer; `.result()` returns once its changes are on disk), or `store.write(...)` to wait.

The writer takes the first waiting unit, `BEGIN IMMEDIATE`, runs it in a savepoint, runs every
unit that arrived meanwhile in the same transaction (up to `max_batch`) and COMMITs once: one
fsync (WAL, synchronous=FULL) per batch. Group commit comes from the queue, not from locks or
a leader. After the COMMIT it runs each unit's `then(value)` in order on the writer thread, and
only then resolves the futures: a step that must follow a committed change (the locker queues
a door's pulse after its unlock intent) runs as soon as the change is on disk, never for a
change that is not. `then` must be quick and must not wait for the store.

Errors stay with their unit: its savepoint is rolled back, its future gets the exception, the
others commit. A failed COMMIT is given to every unit of the batch. A `then` that raises gives
its exception to its own caller; the commit stands.

`tx()` is the same unit written as a `with` block: the writer lends its connection to the
caller's thread for the body (in its batch transaction and a savepoint) and waits for it, so
there is still one writer at a time. Inside a unit or a `tx()` body, `submit`, `write` and `tx`
run at once as savepoints of it. `read()` gives a snapshot on the calling thread's read-only
connection (WAL readers never wait for the writer's fsync). WAL checkpoints run PASSIVE on their
own thread and connection, never inside a COMMIT. A deleted or replaced data directory
(`common.storage_guard`) makes every write fail with the service's storage error.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from common.migrations import Schema
from common.storage_guard import StorageGuard

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[sqlite3.Connection], Any]

CHECKPOINT_EVERY_S = 1.0  # background PASSIVE checkpoints this often (when something was committed)
#: If the checkpoint thread falls behind, the writer checkpoints past this many WAL pages (~40 MB).
WAL_AUTOCHECKPOINT_PAGES = 10000


@dataclass
class _Unit:
    work: Work
    then: Callable[[Any], Any] | None
    future: Future[Any] = field(default_factory=Future)
    steps: list[Callable[[], None]] = field(default_factory=list)  # nested units' `then`s


class _Loan:
    """A `tx()` body running on its caller's thread while the writer waits for it."""

    def __init__(self) -> None:
        self.granted = threading.Event()
        self.returned = threading.Event()
        self.conn: sqlite3.Connection | None = None
        self.error: BaseException | None = None

    def __call__(self, conn: sqlite3.Connection) -> None:  # the unit's work, on the writer thread
        self.conn = conn
        self.granted.set()
        self.returned.wait()
        if self.error is not None:
            raise self.error


class SqliteStore:
    """One database file: a writer thread for all writes, per-thread readers (module docstring);
    `schema` (a script, or a versioned `common.migrations.Schema`) is applied at open;
    `storage_error()` is raised once the storage guard saw the files go."""

    def __init__(
        self,
        path: Path,
        schema: str | Schema = "",
        *,
        storage_error: Callable[[], Exception] | None = None,
        max_batch: int = 64,
        checkpoint_every_s: float = CHECKPOINT_EVERY_S,
        name: str = "store",
    ) -> None:
        self.path = path
        self.max_batch = max_batch
        self._schema = schema
        self._storage_error = storage_error or (lambda: RuntimeError(f"database {path} was replaced"))
        self._name = name
        self._checkpoint_every_s = checkpoint_every_s
        self._stop_checkpoints = threading.Event()
        self._threads: list[threading.Thread] = []
        self._queue: queue.SimpleQueue[_Unit | None] = queue.SimpleQueue()
        self._conn: sqlite3.Connection | None = None
        self._guard: StorageGuard | None = None
        self._local = threading.local()  # .reader, .current (the unit running on this thread)
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._writer_ident: int | None = None
        self.commits = 0  # COMMITs (one WAL fsync each) since open; with `transactions`, the batching
        self.transactions = 0  # units committed since open
        self.checkpoints = 0  # background WAL checkpoints since open

    def open(self) -> None:
        """Open (creating, owner-only) the database, apply the schema (migrations), start the writer."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not self.path.exists():
            # SQLite gives the -wal and -shm files the database file's permissions
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        conn.row_factory = sqlite3.Row
        conn.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
        try:
            if isinstance(self._schema, Schema):
                self._schema.apply(conn, self.path)
            elif self._schema:
                conn.executescript(self._schema)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self._guard = StorageGuard(self.path, self.path.parent)
        writer = threading.Thread(target=self._writer_loop, name=f"{self._name}-writer", daemon=True)
        writer.start()
        self._writer_ident = writer.ident  # a `then` step on it must not wait for the store
        self._threads = [writer]
        if self._checkpoint_every_s > 0:
            conn.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
            self._stop_checkpoints.clear()
            cp = threading.Thread(target=self._checkpoint_loop, name=f"{self._name}-checkpoint", daemon=True)
            cp.start()
            self._threads.append(cp)

    def close(self) -> None:
        """Finish the units already submitted, stop the threads, close every connection."""
        if self._conn is None:
            return
        self._stop_checkpoints.set()
        self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads = []
        with self._readers_lock:
            for reader in self._readers:
                reader.close()
            self._readers.clear()
        self._local = threading.local()
        conn, self._conn = self._conn, None
        while not self._queue.empty():  # submitted while the writer stopped: never run
            if (left := self._queue.get_nowait()) is not None:
                left.future.set_exception(RuntimeError(f"database {self.path} is closed"))
        conn.close()

    @property
    def conn(self) -> sqlite3.Connection:
        """The write connection (only for the writer and the body of a unit or `tx()`)."""
        if self._conn is None:
            raise RuntimeError(f"database {self.path} is not open")
        return self._conn

    def storage_problem(self) -> str | None:
        """None while the database file and directory are the ones opened; else what happened."""
        return self._guard.check() if self._guard is not None else None

    @property
    def queued(self) -> int:
        """Units waiting for the writer (tests, health)."""
        return self._queue.qsize()

    def submit(
        self, work: Callable[[sqlite3.Connection], T], then: Callable[[T], Any] | None = None
    ) -> Future[Any]:
        """Queue `work(conn)` for the writer; the future gives `then(value)` (or the value) once
        the unit is committed and its `then` has run. Inside a unit or `tx()` body it runs at
        once as a savepoint, and its `then` runs after the outer unit's COMMIT."""
        outer: _Unit | None = getattr(self._local, "current", None)
        if outer is not None:
            return self._nested(outer, work, then)
        return self._enqueue(_Unit(work, then))

    def _enqueue(self, unit: _Unit) -> Future[Any]:
        self.conn  # noqa: B018 - raises if the store is not open
        if threading.get_ident() == self._writer_ident:
            raise RuntimeError(f"database {self.path}: an after-commit step must not wait for the store")
        if self.storage_problem() is not None:
            raise self._storage_error()
        self._queue.put(unit)
        return unit.future

    def write(self, work: Callable[[sqlite3.Connection], T], then: Callable[[T], Any] | None = None) -> Any:
        """`submit(...).result()`: run `work` on the writer and wait until it is committed."""
        return self.submit(work, then).result()

    @contextmanager
    def tx(self, on_commit: Callable[[], None] | None = None) -> Iterator[sqlite3.Connection]:
        """A write transaction as a `with` block (see the module docstring); `on_commit()` runs on the
        writer right after the COMMIT that holds the body's changes."""
        after = None if on_commit is None else (lambda _value: on_commit())
        outer: _Unit | None = getattr(self._local, "current", None)
        if outer is not None:  # nested: a savepoint of the unit already running
            with self._savepoint(self.conn, "nested"):
                yield self.conn
            if after is not None:
                outer.steps.append(lambda: after(None))
            return
        loan = _Loan()
        unit = _Unit(loan, after)
        future = self._enqueue(unit)
        future.add_done_callback(lambda _f: loan.granted.set())  # refused before the body ran
        loan.granted.wait()
        if loan.conn is None:
            future.result()  # raises why (e.g. BEGIN failed)
        assert loan.conn is not None
        self._local.current = unit
        try:
            yield loan.conn
        except BaseException as err:
            loan.error = err
            raise
        finally:
            self._local.current = None
            loan.returned.set()
            if loan.error is None:
                future.result()  # raises if the COMMIT (or `then`) failed
            else:
                future.exception()  # wait for the rollback; the body's own error is raised

    def _nested(self, outer: _Unit, work: Work, then: Callable[[Any], Any] | None) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            with self._savepoint(self.conn, "nested"):
                value = work(self.conn)
        except BaseException as err:  # noqa: BLE001 - handed to the caller through its future
            future.set_exception(err)
            return future

        def step() -> None:
            try:
                future.set_result(then(value) if then is not None else value)
            except BaseException as err:  # noqa: BLE001 - handed to the caller through its future
                future.set_exception(err)

        if then is None:
            future.set_result(value)
        else:
            outer.steps.append(step)
        return future

    @contextmanager
    def _savepoint(self, conn: sqlite3.Connection, name: str) -> Iterator[None]:
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO {name}")
                conn.execute(f"RELEASE {name}")
            raise
        conn.execute(f"RELEASE {name}")

    def _writer_loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            try:
                if self._run_batch(first):
                    return
            except Exception as err:  # the writer must outlive any one batch
                log.exception("database %s: writer batch failed", self.path)
                if not first.future.done():
                    first.future.set_exception(err)
                with contextlib.suppress(sqlite3.Error):
                    if self.conn.in_transaction:
                        self.conn.execute("ROLLBACK")

    def _run_batch(self, unit: _Unit) -> bool:
        """One transaction: `unit` and every unit that is waiting meanwhile (up to `max_batch`),
        one COMMIT; True when the store is closing."""
        conn = self.conn
        done: list[tuple[_Unit, Any]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as err:
            unit.future.set_exception(err)
            return False
        while True:
            ok, value = self._run_unit(conn, unit)
            if ok:
                done.append((unit, value))
            else:
                unit.future.set_exception(value)
                if not conn.in_transaction:  # SQLite gave up the whole transaction (disk full…)
                    self._fail(done, value)
                    done = []
                    conn.execute("BEGIN IMMEDIATE")
            if len(done) >= self.max_batch:
                break
            try:
                waiting = self._queue.get_nowait()
            except queue.Empty:
                break
            if waiting is None:
                self._commit(conn, done)
                return True
            unit = waiting
        self._commit(conn, done)
        return False

    def _run_unit(self, conn: sqlite3.Connection, unit: _Unit) -> tuple[bool, Any]:
        self._local.current = unit
        try:
            with self._savepoint(conn, "unit"):
                return True, unit.work(conn)
        except BaseException as err:  # noqa: BLE001 - handed to the unit's caller
            return False, err
        finally:
            self._local.current = None

    def _commit(self, conn: sqlite3.Connection, done: list[tuple[_Unit, Any]]) -> None:
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as err:
            log.error("database %s: commit failed: %s", self.path, err)
            with contextlib.suppress(sqlite3.Error):
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            self.commits += 1
            self._fail(done, err)
            return
        self.commits += 1
        self.transactions += len(done)
        outcomes: list[tuple[_Unit, bool, Any]] = []
        for unit, value in done:  # the after-commit steps first, in order, then the callers
            for step in unit.steps:
                step()
            try:
                outcomes.append((unit, True, unit.then(value) if unit.then is not None else value))
            except Exception as err:  # the commit stands; the caller hears of it
                log.exception("database %s: after-commit step failed", self.path)
                outcomes.append((unit, False, err))
        for unit, ok, value in outcomes:
            if ok:
                unit.future.set_result(value)
            else:
                unit.future.set_exception(value)

    def _fail(self, done: list[tuple[_Unit, Any]], err: BaseException) -> None:
        failure = sqlite3.OperationalError(f"database {self.path}: commit failed: {err}")
        for unit, _value in done:
            unit.future.set_exception(failure)

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot of what is committed, on this thread's read-only connection;
        inside a unit or `tx()` body, the write connection (it sees its own changes)."""
        if getattr(self._local, "current", None) is not None:
            yield self.conn
            return
        reader = self._reader()
        reader.execute("BEGIN")
        try:
            yield reader
        finally:
            reader.execute("COMMIT")

    def _reader(self) -> sqlite3.Connection:
        reader: sqlite3.Connection | None = getattr(self._local, "reader", None)
        if reader is None:
            self.conn  # noqa: B018 - raises if the store is not open
            if self.storage_problem() is not None:  # connect() would make a new, empty file
                raise self._storage_error()
            reader = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
            reader.row_factory = sqlite3.Row
            reader.execute("PRAGMA query_only=ON")
            with self._readers_lock:
                self._readers.append(reader)
            self._local.reader = reader
        return reader

    def _checkpoint_loop(self) -> None:
        """PASSIVE checkpoints (they never block the writer or readers) after new commits."""
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        try:
            done_at = self.commits
            while not self._stop_checkpoints.wait(self._checkpoint_every_s):
                if self.commits == done_at:
                    continue
                done_at = self.commits
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    self.checkpoints += 1
                except sqlite3.Error as err:  # the writer's safety net takes over meanwhile
                    log.warning("database %s: background checkpoint failed: %s", self.path, err)
        finally:
            conn.close()
