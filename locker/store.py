"""The locker database: SQLite in WAL mode with synchronous=FULL, one writer connection whose
transactions are group-committed (see `Store`), per-thread read-only connections (WAL readers
never wait for a writer's fsync), and WAL checkpoints on a thread and connection of their own.

Schema rules that make the locker's promises hold even against bugs and crashes:
- a partial unique index allows at most one active deposit per compartment;
- deposit ids and dossier codes of active deposits are unique;
- the audit table refuses UPDATE and DELETE (triggers), and each row carries the hash of the
  previous one (see locker.audit);
- the outbox row is written in the same transaction as the state change it announces.

Storage health: the database file and its directory are identified (device, inode) once open
(`common.storage_guard`); every write transaction first checks they are still the same objects.
A deleted or replaced data directory makes every write fail with `StorageFailed` (and health
answer 503) instead of committing into a file nobody will ever read again.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from common.storage_guard import StorageGuard
from locker.domain import ACTIVE
from locker.errors import StorageFailed

log = logging.getLogger(__name__)

ACTIVE_SQL = ", ".join(f"'{s.value}'" for s in sorted(ACTIVE))

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS deposits (
    deposit_id TEXT PRIMARY KEY,
    dossier_code TEXT NOT NULL,
    phone TEXT NOT NULL,
    citizen_name TEXT NOT NULL DEFAULT '',
    id_digest TEXT,
    compartment TEXT NOT NULL,
    size TEXT NOT NULL,
    state TEXT NOT NULL,
    code_digest TEXT UNIQUE,
    expires_at TEXT,
    wrong_tries INTEGER NOT NULL DEFAULT 0,
    locked INTEGER NOT NULL DEFAULT 0,
    reminder_sent INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    collected_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS one_active_per_compartment
    ON deposits(compartment) WHERE state IN ({ACTIVE_SQL});
CREATE UNIQUE INDEX IF NOT EXISTS one_active_per_dossier
    ON deposits(dossier_code) WHERE state IN ({ACTIVE_SQL});
CREATE INDEX IF NOT EXISTS deposits_state ON deposits(state);

CREATE TABLE IF NOT EXISTS unlocks (
    unlock_id INTEGER PRIMARY KEY AUTOINCREMENT,
    compartment TEXT NOT NULL,
    deposit_id TEXT,
    pickup_id TEXT,
    purpose TEXT NOT NULL,
    state TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX IF NOT EXISTS unlocks_state ON unlocks(state);

CREATE TABLE IF NOT EXISTS pickups (
    pickup_id TEXT PRIMARY KEY,
    deposit_id TEXT NOT NULL UNIQUE,
    kiosk TEXT NOT NULL,
    retries_used INTEGER NOT NULL DEFAULT 0,
    door TEXT NOT NULL DEFAULT 'unknown',
    created_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS staff (
    staff_id TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    pin_hash TEXT NOT NULL,
    totp_secret TEXT NOT NULL,
    last_totp_step INTEGER NOT NULL DEFAULT 0,
    failed_signins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS sessions (
    token_digest TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS alarms (
    alarm_id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    compartment TEXT,
    raised_at TEXT NOT NULL,
    message TEXT NOT NULL,
    acked INTEGER NOT NULL DEFAULT 0,
    acked_by TEXT,
    acked_at TEXT
);

CREATE TABLE IF NOT EXISTS kiosk_failures (
    kiosk TEXT PRIMARY KEY,
    consecutive INTEGER NOT NULL,
    last_failure_mono REAL NOT NULL,
    last_failure_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS failures (
    at TEXT NOT NULL,
    kiosk TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS failures_at ON failures(at);

CREATE TABLE IF NOT EXISTS outbox (
    msg_id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    idem_key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(state, next_attempt_at);

CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    deposit_id TEXT,
    compartment TEXT,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_deposit ON audit(deposit_id);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""

CHECKPOINT_EVERY_S = 1.0
"""WAL checkpoints run on their own connection and thread this often (when something was
committed), so a checkpoint's copying and its fsync of the database file never land inside a
COMMIT that a pulse is waiting for."""
WAL_AUTOCHECKPOINT_PAGES = 10000
"""Safety net if the checkpoint thread falls behind: past this many WAL pages (~40 MB) the
writer checkpoints itself, as SQLite does by default at 1000."""

ACTIVE_IN = f"state IN ({ACTIVE_SQL})"
"""SQL condition: the deposit occupies its compartment (constant text, no user input)."""


class Store:
    """Owns the SQLite connections; `tx()` gives one write transaction, `read()` a consistent
    committed view that does not wait for a write in progress.

    Group commit: `tx()` bodies run one at a time on the single writer connection, each inside a
    SAVEPOINT of a shared transaction. The thread that finishes a body while no other thread
    waits for the writer (or once `max_batch` bodies are in) commits the shared transaction:
    one fsync for every body that ran since the previous commit. Each `tx()` returns only after
    the COMMIT that contains its changes is done (synchronous=FULL: on disk), so a caller never
    acts on a change that a crash could still undo. A body that raises rolls back its savepoint
    only; a COMMIT that fails is raised in every transaction of that batch.

    `tx(on_commit=f)`: the committing thread calls `f()` right after the COMMIT that holds the
    body's changes (never if it fails), before any member of the batch is woken. The locker
    queues a door's pulse this way: the frame goes to the bus as soon as its intent is on disk,
    without waiting for the pickup's own thread to be scheduled again. `f` must be quick, must
    not block and must not raise (it is run under the writer lock; an exception is logged).
    """

    def __init__(
        self, path: Path, *, max_batch: int = 32, checkpoint_every_s: float = CHECKPOINT_EVERY_S
    ) -> None:
        self.path = path
        self.max_batch = max_batch
        self._checkpoint_every_s = checkpoint_every_s
        self._checkpoint_stop = threading.Event()
        self._checkpointer: threading.Thread | None = None
        self.checkpoints = 0
        """Background WAL checkpoints done since open."""
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._guard: StorageGuard | None = None
        self._local = threading.local()  # .reader (this thread's read connection), .in_tx
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._count_lock = threading.Lock()
        self._waiting = 0  # threads between "I want the writer" and "I have it" (under _count_lock)
        self._batch_open = False  # the shared transaction (under _lock)
        self._batch_no = 0
        self._batch_size = 0
        self._on_commit: list[Callable[[], None]] = []  # this batch's hooks (under _lock)
        self._done = threading.Condition()  # guards _committed_no and _failed
        self._committed_no = 0
        self._failed: dict[int, BaseException] = {}
        self.commits = 0
        """COMMITs (fsyncs of the WAL) since open; with `transactions`, shows the batching."""
        self.transactions = 0
        """`tx()` bodies that completed since open."""

    def open(self) -> None:
        """Open (creating) the database and apply the schema."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not self.path.exists():
            # staff TOTP secrets and phone numbers live here: owner-only; SQLite gives the -wal
            # and -shm files the database file's permissions
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.executescript(SCHEMA)
        self._conn = conn
        self._guard = StorageGuard(self.path, self.path.parent)
        if self._checkpoint_every_s > 0:
            conn.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
            self._checkpoint_stop.clear()
            self._checkpointer = threading.Thread(
                target=self._checkpoint_loop, name="locker-wal-checkpoint", daemon=True
            )
            self._checkpointer.start()

    def _checkpoint_loop(self) -> None:
        """PASSIVE checkpoints (they never block the writer or readers) after new commits."""
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        try:
            done_at = self.commits
            while not self._checkpoint_stop.wait(self._checkpoint_every_s):
                if self.commits == done_at:
                    continue
                done_at = self.commits
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    self.checkpoints += 1
                except sqlite3.Error as err:  # the writer's safety net takes over meanwhile
                    log.warning("locker database %s: background checkpoint failed: %s", self.path, err)
        finally:
            conn.close()

    def close(self) -> None:
        """Stop the checkpoint thread, commit a batch still open, then close the writer and
        every read connection."""
        self._checkpoint_stop.set()
        if self._checkpointer is not None:
            self._checkpointer.join(timeout=10)
            self._checkpointer = None
        with self._lock:
            if self._batch_open:
                self._commit_batch()
            with self._readers_lock:
                for reader in self._readers:
                    reader.close()
                self._readers.clear()
            self._local = threading.local()
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def storage_problem(self) -> str | None:
        """None while the database file and data directory are the ones opened; else what
        happened to them, naming the path (sticky until restart; logged once at ERROR)."""
        return self._guard.check() if self._guard is not None else None

    @property
    def conn(self) -> sqlite3.Connection:
        """The raw connection (use inside `tx()` or `read()`)."""
        if self._conn is None:
            raise RuntimeError(f"locker database {self.path} is not open")
        return self._conn

    @contextmanager
    def tx(self, on_commit: Callable[[], None] | None = None) -> Iterator[sqlite3.Connection]:
        """One write transaction, rolled back on any exception; returns once it is committed
        (possibly in one COMMIT with other threads' transactions, see the class docstring).
        Nested in this thread's own `tx()`, it is a savepoint of the outer one (its `on_commit`
        runs after the outer one's COMMIT)."""
        if getattr(self._local, "in_tx", False):
            with self._savepoint(self.conn, "nested") as conn:
                yield conn
            if on_commit is not None:
                self._on_commit.append(on_commit)
            return
        if self.storage_problem() is not None:  # two stat() calls; see the module docstring
            raise StorageFailed()
        with self._count_lock:
            self._waiting += 1
        self._lock.acquire()
        with self._count_lock:
            self._waiting -= 1
        try:
            conn = self.conn
            if not self._batch_open:
                conn.execute("BEGIN IMMEDIATE")
                self._batch_open = True
                self._batch_no += 1
                self._batch_size = 0
            batch = self._batch_no
            hooks_before = len(self._on_commit)
            self._local.in_tx = True
            try:
                with self._savepoint(conn, "tx"):
                    yield conn
            except BaseException as err:
                del self._on_commit[hooks_before:]  # nested bodies' hooks were undone with them
                if self._batch_open and not conn.in_transaction:
                    # SQLite gave up the whole transaction (e.g. disk full): the earlier bodies
                    # of this batch are lost too, and their callers must hear it
                    self._end_batch(err)
                raise
            finally:
                self._local.in_tx = False
            if on_commit is not None:
                self._on_commit.append(on_commit)
            self._batch_size += 1
            self.transactions += 1
        finally:
            # whoever leaves the writer with nobody else waiting for it commits the batch
            if self._batch_open and (self._nobody_waiting() or self._batch_size >= self.max_batch):
                self._commit_batch()
            self._lock.release()
        self._wait_committed(batch)

    @contextmanager
    def _savepoint(self, conn: sqlite3.Connection, name: str) -> Iterator[sqlite3.Connection]:
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO {name}")
                conn.execute(f"RELEASE {name}")
            raise
        conn.execute(f"RELEASE {name}")

    def _nobody_waiting(self) -> bool:
        with self._count_lock:
            return self._waiting == 0

    def _commit_batch(self) -> None:
        """COMMIT the shared transaction (caller holds `_lock`) and wake its members."""
        error: BaseException | None = None
        hooks, self._on_commit = self._on_commit, []
        try:
            self.conn.execute("COMMIT")
        except BaseException as err:  # noqa: BLE001 - handed to every member of the batch
            error = err
            log.error("locker database %s: commit failed: %s", self.path, err)
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
        self.commits += 1
        if error is None:
            for hook in hooks:
                try:
                    hook()
                except Exception:  # a hook must not raise; its member still hears of the commit
                    log.exception("locker database %s: after-commit hook failed", self.path)
        self._end_batch(error)

    def _end_batch(self, error: BaseException | None) -> None:
        self._batch_open = False
        self._on_commit = []  # run by _commit_batch already, or never (the batch failed)
        with self._done:
            if error is not None:
                self._failed[self._batch_no] = error
                for old in [n for n in self._failed if n < self._batch_no - 64]:
                    del self._failed[old]
            self._committed_no = self._batch_no
            self._done.notify_all()

    def _wait_committed(self, batch: int) -> None:
        """Block until `batch` is committed; raise its commit error, if any."""
        with self._done:
            while self._committed_no < batch:
                if not self._done.wait(timeout=1.0) and self._committed_no < batch:
                    break
            else:
                error = self._failed.get(batch)
                if error is not None:
                    raise sqlite3.OperationalError(f"locker database {self.path}: commit failed: {error}")
                return
        # safety net (a member always commits; this only guards against a bug leaving it open)
        log.warning("locker database %s: batch %d not committed after 1 s; committing it", self.path, batch)
        with self._lock:
            if self._batch_open and self._batch_no == batch:
                self._commit_batch()
        self._wait_committed(batch)

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """Read access: inside this thread's `tx()` the writer (it sees its own changes); otherwise
        this thread's read-only connection, in one read transaction (a consistent snapshot of
        what was committed) that never waits for a writer's fsync."""
        if getattr(self._local, "in_tx", False):
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
                raise StorageFailed()
            reader = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
            reader.row_factory = sqlite3.Row
            reader.execute("PRAGMA query_only=ON")
            with self._readers_lock:
                self._readers.append(reader)
            self._local.reader = reader
        return reader

    @property
    def lock(self) -> threading.RLock:
        """The lock serializing every use of the connection."""
        return self._lock
