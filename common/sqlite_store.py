"""One SQLite database, one writer thread: the store design of the services.

A `SqliteStore` owns one write connection and the thread that uses it. Callers hand the writer
a unit of work and get a future: `store.submit(work, then=step)` (`work(conn)` runs on the
writer; `.result()` returns once its changes are on disk), or `store.write(...)` to wait.

The writer takes the first waiting unit, `BEGIN IMMEDIATE`, runs it, runs every unit that
arrived meanwhile in the same transaction, each in a savepoint (up to `max_batch`), and COMMITs
once: one fsync (WAL, synchronous=FULL by default) per batch (`common.sqlite_writer`). Group
commit comes from the queue, not from locks or a leader. After the COMMIT it runs each unit's
`then(value)` in order on the writer thread, and only then resolves the futures: a step that
must follow a committed change (the locker queues a door's pulse after its unlock intent) runs
as soon as the change is on disk, never for a change that is not. `then` must be quick and must
not wait for the store.

Errors stay with their unit: its savepoint (the whole transaction, for the batch's first unit,
which has no savepoint) is rolled back, its future gets the exception, the others commit. A
failed COMMIT is given to every unit of the batch. A `then` that raises gives its exception to
its own caller; the commit stands.

`tx()` is the same unit written as a `with` block: the writer lends its connection to the
caller's thread for the body (in its batch transaction and a savepoint) and waits for it, so
there is still one writer at a time. Inside a unit or a `tx()` body, `submit`, `write` and `tx`
run at once as savepoints of it. `read()` gives a snapshot on the calling thread's read-only
connection (WAL readers never wait for the writer's fsync). WAL checkpoints run PASSIVE on their
own thread and connection, never inside a COMMIT (`common.wal_checkpoints`). A deleted or replaced
data directory (`common.storage_guard`) makes every write fail with the service's storage error.

Waits can be bounded (`busy_timeout_s`): a `write` or `tx()` the writer has not taken up within
it is withdrawn and fails with the service's busy error, and SQLite's own lock waits (another
program holding the file) end after it too; a unit the writer has begun always runs to its end.
"""

from __future__ import annotations

import logging
import os
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from common.migrations import Schema
from common.sqlite_writer import BatchWriter, Unit, Work, connect_existing
from common.storage_guard import StorageGuard
from common.wal_checkpoints import CHECKPOINT_EVERY_S, WAL_AUTOCHECKPOINT_PAGES, WalCheckpointer

log = logging.getLogger(__name__)

T = TypeVar("T")


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


class SqliteStore(BatchWriter):
    """One database file: a writer thread for all writes, per-thread readers (module docstring);
    `schema` (a script, or a versioned `common.migrations.Schema`) is applied at open;
    `storage_error()` is raised once the storage guard saw the files go; `busy_error(seconds)`
    when a bounded wait (`busy_timeout_s`, None: unbounded) ran out."""

    def __init__(
        self,
        path: Path,
        schema: str | Schema = "",
        *,
        storage_error: Callable[[], Exception] | None = None,
        max_batch: int = 64,
        checkpoint_every_s: float = CHECKPOINT_EVERY_S,
        checkpoint_idle: bool = False,
        name: str = "store",
        synchronous: str = "FULL",
        secure_delete: bool = False,
        busy_timeout_s: float | None = None,
        busy_error: Callable[[float], Exception] | None = None,
    ) -> None:
        self.path = path
        self.max_batch = max_batch
        self.busy_timeout_s = busy_timeout_s
        self._schema = schema
        self._storage_error = storage_error or (lambda: RuntimeError(f"database {path} was replaced"))
        self._busy_error = busy_error or (
            lambda s: TimeoutError(f"database {path}: writer busy over {s:g} s")
        )
        self._pragmas = f"PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous}; PRAGMA foreign_keys=ON;"
        if secure_delete:  # erased values are overwritten with zeros, not left in free pages
            self._pragmas += " PRAGMA secure_delete=ON;"
        self._name = name
        self._checkpoint_every_s = checkpoint_every_s
        self._checkpoint_idle = checkpoint_idle
        self.checkpointer: WalCheckpointer | None = None
        self._writer: threading.Thread | None = None
        self._queue: queue.SimpleQueue[Unit | None] = queue.SimpleQueue()
        self._conn: sqlite3.Connection | None = None
        self._guard: StorageGuard | None = None
        self._local = threading.local()  # .reader, .current (the unit running on this thread)
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._writer_ident: int | None = None
        self.commits = 0  # COMMITs (one WAL fsync each) since open; with `transactions`, the batching
        self.transactions = 0  # units committed since open

    @property
    def checkpoints(self) -> int:
        """Background WAL checkpoints since open."""
        return self.checkpointer.done if self.checkpointer is not None else 0

    def _connect(self) -> sqlite3.Connection:
        return connect_existing(self.path, 10.0 if self.busy_timeout_s is None else self.busy_timeout_s)

    def open(self) -> None:
        """Open (creating, owner-only) the database, apply the schema (migrations), start the writer."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not self.path.exists():
            # SQLite gives the -wal and -shm files the database file's permissions
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        conn = self._connect()
        try:
            conn.executescript(self._pragmas)
            if isinstance(self._schema, Schema):
                self._schema.apply(conn, self.path)
            elif self._schema:
                conn.executescript(self._schema)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self._guard = StorageGuard(self.path, self.path.parent)
        self._writer = threading.Thread(target=self._writer_loop, name=f"{self._name}-writer", daemon=True)
        self._writer.start()
        self._writer_ident = self._writer.ident  # a `then` step on it must not wait for the store
        if self._checkpoint_every_s > 0:
            conn.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
            self.checkpointer = WalCheckpointer(
                self.path,
                self._checkpoint_every_s,
                lambda: self.commits,
                self.storage_problem,
                self._name,
                idle=self._checkpoint_idle,
            )
            self.checkpointer.start()

    def close(self) -> None:
        """Finish the units already submitted, stop the threads, close every connection."""
        if self._conn is None:
            return
        if self.checkpointer is not None:
            self.checkpointer.stop()
        self._queue.put(None)
        if self._writer is not None:
            self._writer.join(timeout=10)
        with self._readers_lock:
            for reader in self._readers:
                reader.close()
            self._readers.clear()
        self._local = threading.local()
        conn, self._conn = self._conn, None
        while not self._queue.empty():  # submitted while the writer stopped: never run
            if (left := self._queue.get_nowait()) is not None and left.future.set_running_or_notify_cancel():
                left.future.set_exception(RuntimeError(f"database {self.path} is closed"))
        conn.close()

    @property
    def is_open(self) -> bool:
        """True between `open()` and `close()`."""
        return self._conn is not None

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
        outer: Unit | None = getattr(self._local, "current", None)
        if outer is not None:
            return self._nested(outer, work, then)
        return self._enqueue(Unit(work, then))

    def _enqueue(self, unit: Unit) -> Future[Any]:
        self.conn  # noqa: B018 - raises if the store is not open
        if threading.get_ident() == self._writer_ident:
            raise RuntimeError(f"database {self.path}: an after-commit step must not wait for the store")
        if self.storage_problem() is not None:
            raise self._storage_error()
        self._queue.put(unit)
        return unit.future

    def write(self, work: Callable[[sqlite3.Connection], T], then: Callable[[T], Any] | None = None) -> Any:
        """`submit(...).result()`: run `work` on the writer and wait until it is committed (a
        bounded wait for the writer to take it up: see the module docstring)."""
        outer: Unit | None = getattr(self._local, "current", None)
        if outer is not None:
            return self._nested(outer, work, then).result()
        unit = Unit(work, then)
        self._enqueue(unit)
        self._await_start(unit)
        return unit.future.result()

    def _await_start(self, unit: Unit) -> None:
        """Wait at most `busy_timeout_s` for the writer to take `unit` up, else withdraw it."""
        if self.busy_timeout_s is None or unit.started.wait(self.busy_timeout_s):
            return
        if unit.future.cancel():  # not begun: it never will be
            raise self._busy_error(self.busy_timeout_s)

    @contextmanager
    def tx(self, on_commit: Callable[[], None] | None = None) -> Iterator[sqlite3.Connection]:
        """A write transaction as a `with` block (see the module docstring); `on_commit()` runs on the
        writer right after the COMMIT that holds the body's changes."""
        after = None if on_commit is None else (lambda _value: on_commit())
        outer: Unit | None = getattr(self._local, "current", None)
        if outer is not None:  # nested: a savepoint of the unit already running
            with self._savepoint(self.conn, "nested"):
                yield self.conn
            if after is not None:
                outer.steps.append(lambda: after(None))
            return
        loan = _Loan()
        unit = Unit(loan, after)
        future = self._enqueue(unit)
        future.add_done_callback(lambda _f: loan.granted.set())  # refused before the body ran
        self._await_start(unit)
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

    def _nested(self, outer: Unit, work: Work, then: Callable[[Any], Any] | None) -> Future[Any]:
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
            reader = self._connect()
            reader.execute("PRAGMA query_only=ON")
            with self._readers_lock:
                self._readers.append(reader)
            self._local.reader = reader
        return reader
