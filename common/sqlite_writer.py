"""The writer thread of a `common.sqlite_store.SqliteStore`: its loop, batches and commits.

Units (`Unit`) wait in `_queue`; the writer takes the first, begins a transaction, runs every
unit waiting meanwhile (up to `max_batch`, each after the first in a savepoint), COMMITs once,
runs the units' after-commit steps in order, then resolves their futures. See the store's
module docstring for the promises this keeps.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

Work = Callable[[sqlite3.Connection], Any]


def connect_existing(path: Path, timeout: float) -> sqlite3.Connection:
    """A connection to the database file `path`, which must exist: SQLite never creates it, so
    a connection opened after the data directory was deleted fails instead of making an empty
    database behind the operator's back (`common.storage_guard`)."""
    conn = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=rw",
        uri=True,
        check_same_thread=False,
        isolation_level=None,
        timeout=timeout,
    )
    conn.row_factory = sqlite3.Row
    return conn


@dataclass
class Unit:
    work: Work
    then: Callable[[Any], Any] | None
    future: Future[Any] = field(default_factory=Future)
    started: threading.Event = field(default_factory=threading.Event)  # the writer took it up
    steps: list[Callable[[], None]] = field(default_factory=list)  # nested units' `then`s


CLOSING = Unit(lambda _conn: None, None)  # what `_next_waiting` gives when `close()` was asked


class BatchWriter:
    """The writer thread's side of the store (the store sets these attributes up)."""

    path: Path
    max_batch: int
    commits: int
    transactions: int
    _conn: sqlite3.Connection | None
    _queue: queue.SimpleQueue[Unit | None]
    _local: threading.local

    @property
    def conn(self) -> sqlite3.Connection:
        """The write connection (only for the writer and the body of a unit or `tx()`)."""
        if self._conn is None:
            raise RuntimeError(f"database {self.path} is not open")
        return self._conn

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
            if not self._take(first):
                continue
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

    @staticmethod
    def _take(unit: Unit) -> bool:
        """Mark `unit` begun; False if its caller withdrew it (bounded wait over)."""
        if not unit.future.set_running_or_notify_cancel():
            return False
        unit.started.set()
        return True

    def _run_batch(self, unit: Unit) -> bool:
        """One transaction: `unit` and every unit that is waiting meanwhile (up to `max_batch`),
        one COMMIT; True when the store is closing. The first unit needs no savepoint: if it fails,
        the transaction (only its changes) is rolled back and the next unit begins another."""
        conn = self.conn
        done: list[tuple[Unit, Any]] = []
        while True:
            if not conn.in_transaction:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                except sqlite3.Error as err:
                    unit.future.set_exception(err)
                    return False
                ok, value = self._run_unit(conn, unit, savepoint=False)
            else:
                ok, value = self._run_unit(conn, unit, savepoint=True)
            if ok:
                done.append((unit, value))
            else:
                unit.future.set_exception(value)
                if not done and conn.in_transaction:
                    conn.execute("ROLLBACK")
                elif not conn.in_transaction:  # SQLite gave up the whole transaction (disk full…)
                    self._fail(done, value)
                    done = []
            if len(done) >= self.max_batch:
                break
            waiting = self._next_waiting()
            if waiting is None:
                break
            if waiting is CLOSING:
                self._commit(conn, done)
                return True
            unit = waiting
        self._commit(conn, done)
        return False

    def _next_waiting(self) -> Unit | None:
        """The next unit still wanted (or `CLOSING`), None when none waits."""
        while True:
            try:
                waiting = self._queue.get_nowait()
            except queue.Empty:
                return None
            if waiting is None:
                return CLOSING
            if self._take(waiting):
                return waiting

    def _run_unit(self, conn: sqlite3.Connection, unit: Unit, savepoint: bool) -> tuple[bool, Any]:
        self._local.current = unit
        try:
            if not savepoint:
                return True, unit.work(conn)
            with self._savepoint(conn, "unit"):
                return True, unit.work(conn)
        except BaseException as err:  # noqa: BLE001 - handed to the unit's caller
            return False, err
        finally:
            self._local.current = None

    def _commit(self, conn: sqlite3.Connection, done: list[tuple[Unit, Any]]) -> None:
        if not conn.in_transaction:  # every unit failed and was rolled back
            return
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
        outcomes: list[tuple[Unit, bool, Any]] = []
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

    def _fail(self, done: list[tuple[Unit, Any]], err: BaseException) -> None:
        failure = sqlite3.OperationalError(f"database {self.path}: commit failed: {err}")
        for unit, _value in done:
            unit.future.set_exception(failure)
