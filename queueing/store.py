"""SQLite storage of the queue (WAL): tickets, numbering, events, counters, sessions.

One connection guarded by a lock, and every change inside `BEGIN IMMEDIATE ... COMMIT`, so
"take the next number" and "call the next ticket" are single atomic steps, and an event is
written in the same transaction as the change it reports (nothing is announced that did not
happen, nothing happens unannounced).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id TEXT NOT NULL UNIQUE,
    day TEXT NOT NULL,
    service TEXT NOT NULL,
    prefix TEXT NOT NULL,
    serial INTEGER NOT NULL,
    number TEXT NOT NULL,
    priority TEXT,
    weight REAL NOT NULL DEFAULT 0,
    channel TEXT NOT NULL,
    delivery TEXT,
    id_hash TEXT,
    device TEXT,
    state TEXT NOT NULL,
    issued_at REAL NOT NULL,
    waiting_since REAL NOT NULL,
    rank_key REAL NOT NULL,
    called_at REAL,
    started_at REAL,
    finished_at REAL,
    counter INTEGER,
    staff_id TEXT,
    call_count INTEGER NOT NULL DEFAULT 0,
    est_wait_s REAL,
    transferred_from TEXT,
    transferred_to TEXT,
    rating INTEGER,
    void_reason TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS tickets_number ON tickets(day, prefix, serial)
    WHERE transferred_from IS NULL;
CREATE INDEX IF NOT EXISTS tickets_queue ON tickets(service, state, rank_key);
CREATE INDEX IF NOT EXISTS tickets_day ON tickets(day, service);
CREATE INDEX IF NOT EXISTS tickets_state ON tickets(state, issued_at);
CREATE TABLE IF NOT EXISTS numbering (
    day TEXT NOT NULL, prefix TEXT NOT NULL, last_serial INTEGER NOT NULL,
    PRIMARY KEY (day, prefix)
);
CREATE TABLE IF NOT EXISTS service_state (
    day TEXT NOT NULL, service TEXT NOT NULL, normal_streak INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, service)
);
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY, ticket_id TEXT NOT NULL, service TEXT NOT NULL, created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, kind TEXT NOT NULL, data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
    number INTEGER PRIMARY KEY,
    status TEXT NOT NULL DEFAULT 'closed',
    staff_id TEXT,
    current_ticket TEXT,
    since REAL,
    last_recall REAL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL,
    counter INTEGER,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
"""


class StoreError(Exception):
    """The queue database cannot be used; the message names the file."""


class Tx:
    """One open transaction: small helpers over the connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.last_seq = 0

    def one(self, sql: str, *args: Any) -> sqlite3.Row | None:
        """First row or None."""
        row: sqlite3.Row | None = self.conn.execute(sql, args).fetchone()
        return row

    def all(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        """All rows."""
        return list(self.conn.execute(sql, args).fetchall())

    def scalar(self, sql: str, *args: Any) -> Any:
        """First column of the first row, or None."""
        row = self.conn.execute(sql, args).fetchone()
        return None if row is None else row[0]

    def run(self, sql: str, *args: Any) -> sqlite3.Cursor:
        """Execute one statement."""
        return self.conn.execute(sql, args)

    def event(self, at: float, kind: str, data: dict[str, Any]) -> int:
        """Append an event (same transaction as the change it reports); returns its seq."""
        cur = self.conn.execute(
            "INSERT INTO events(at, kind, data) VALUES (?, ?, ?)",
            (at, kind, json.dumps(data, ensure_ascii=False)),
        )
        self.last_seq = int(cur.lastrowid or 0)
        return self.last_seq


class _Batch:
    """State of an open group commit: savepoint names and the newest event written."""

    def __init__(self) -> None:
        self.savepoints = 0
        self.last_seq = 0


#: WAL checkpoints run on their own connection and thread every this many seconds, so the fsync
#: of a checkpoint never lands inside a request's COMMIT (measured: 100 of 4000 commits took
#: 2-30 ms, 90 % of all commit time, when SQLite checkpointed inside them).
CHECKPOINT_EVERY_S = 1.0
#: Safety net if the checkpoint thread falls behind: the writer checkpoints itself past this
#: many WAL pages (4 KiB each), as SQLite does by default at 1000.
WAL_AUTOCHECKPOINT_PAGES = 10000


class Store:
    """The queue database file, opened once per process."""

    def __init__(
        self, path: Path, synchronous: str = "NORMAL", checkpoint_every_s: float = CHECKPOINT_EVERY_S
    ) -> None:
        self.path = path
        self._synchronous = synchronous
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self.on_commit_events: list[Any] = []  # callbacks(seq) run after a commit that added events
        self._checkpoint_every_s = checkpoint_every_s
        self._checkpoint_stop = threading.Event()
        self._checkpointer: threading.Thread | None = None
        self.checkpoints = 0  # background checkpoints done (health and tests)
        self._batch: _Batch | None = None  # the open group-commit batch (under the lock)
        self.batches = 0  # group commits done (tests and bench)

    def open(self) -> None:
        """Open (creating if needed) the database in WAL mode."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={self._synchronous}")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.executescript(SCHEMA)
            if self._checkpoint_every_s > 0:
                conn.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        except (sqlite3.Error, OSError) as err:
            raise StoreError(f"cannot open queue database {self.path}: {err}") from err
        self._conn = conn
        if self._checkpoint_every_s > 0:
            self._checkpoint_stop.clear()
            self._checkpointer = threading.Thread(
                target=self._checkpoint_loop, name="queue-wal-checkpoint", daemon=True
            )
            self._checkpointer.start()
        log.info("queue database %s open (WAL, synchronous=%s)", self.path, self._synchronous)

    def close(self) -> None:
        """Stop the checkpoint thread and close the database."""
        self._checkpoint_stop.set()
        if self._checkpointer is not None:
            self._checkpointer.join(timeout=10)
            self._checkpointer = None
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Store:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def tx(self) -> Iterator[Tx]:
        """A write transaction (BEGIN IMMEDIATE): all or nothing, one at a time.

        Inside `batch()` it is a savepoint of the batch's transaction instead: its changes are
        undone alone if it fails, and made durable by the batch's single COMMIT.
        """
        with self._lock:
            conn = self._require()
            if self._batch is not None:
                yield from self._savepoint(conn, self._batch)
                return
            tx = Tx(conn)
            with self._write(conn):
                yield tx
        if tx.last_seq:
            self._notify(tx.last_seq)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group commit: every `tx()` inside is a savepoint of one transaction, committed once.

        For a burst of kiosk requests handled together: one BEGIN/COMMIT (and one write of the
        shared pages to the WAL) instead of one per request. Nothing inside is durable before the
        batch's COMMIT, so callers answer only after the `with` block ends. A database error
        rolls the whole batch back (StoreError); a failing `tx()` undoes only its own savepoint.
        """
        with self._lock:
            conn = self._require()
            if self._batch is not None:
                raise RuntimeError("queue store: batches do not nest")
            state = _Batch()
            try:
                with self._write(conn):
                    self._batch = state
                    yield
            finally:
                self._batch = None
        self.batches += 1
        if state.last_seq:
            self._notify(state.last_seq)

    @contextmanager
    def _write(self, conn: sqlite3.Connection) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT (the store lock is held by the caller); any failure rolls
        back, and database errors come out as StoreError naming the file."""
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as err:
            raise StoreError(f"queue database {self.path}: cannot start a write ({err})") from err
        try:
            yield
            conn.execute("COMMIT")
        except sqlite3.Error as err:
            self._rollback(conn)
            raise StoreError(f"queue database {self.path}: {err}") from err
        except BaseException:
            self._rollback(conn)
            raise

    def _savepoint(self, conn: sqlite3.Connection, batch: _Batch) -> Iterator[Tx]:
        """One `tx()` inside a batch (the store lock is held by the caller)."""
        batch.savepoints += 1
        name = f"q{batch.savepoints}"
        try:
            conn.execute(f"SAVEPOINT {name}")
        except sqlite3.Error as err:
            raise StoreError(f"queue database {self.path}: cannot start a write ({err})") from err
        tx = Tx(conn)
        try:
            yield tx
            conn.execute(f"RELEASE {name}")
        except sqlite3.Error as err:
            raise StoreError(f"queue database {self.path}: {err}") from err  # the batch rolls back
        except BaseException:
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO {name}")
                conn.execute(f"RELEASE {name}")
            raise
        batch.last_seq = max(batch.last_seq, tx.last_seq)

    def _notify(self, seq: int) -> None:
        for callback in list(self.on_commit_events):
            callback(seq)

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A consistent read (the same lock, no write lock on the file).

        Inside `batch()` it reads the batch's own transaction (what the batch wrote so far).
        """
        with self._lock:
            conn = self._require()
            if self._batch is not None:
                try:
                    yield Tx(conn)
                except sqlite3.Error as err:
                    raise StoreError(f"queue database {self.path}: {err}") from err
                return
            try:
                conn.execute("BEGIN")
            except sqlite3.Error as err:
                raise StoreError(f"queue database {self.path}: cannot read ({err})") from err
            try:
                yield Tx(conn)
            except sqlite3.Error as err:
                raise StoreError(f"queue database {self.path}: {err}") from err
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")

    def events_since(self, seq: int, limit: int = 500) -> list[dict[str, Any]]:
        """Events after `seq`, oldest first."""
        with self.read() as tx:
            rows = tx.all(
                "SELECT seq, at, kind, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?", seq, limit
            )
        return [
            {"seq": r["seq"], "at": r["at"], "kind": r["kind"], "data": json.loads(r["data"])} for r in rows
        ]

    def last_event_seq(self) -> int:
        """The newest event's seq (0 when none)."""
        with self._lock:
            return self._last_event(self._require())

    def _checkpoint_loop(self) -> None:
        """Copy the WAL into the database (PASSIVE: never waits for, nor blocks, the writer)."""
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=1)
        except sqlite3.Error as err:
            log.error(
                "queue database %s: no checkpoint connection (%s); SQLite checkpoints itself", self.path, err
            )
            return
        try:
            while not self._checkpoint_stop.wait(self._checkpoint_every_s):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.checkpoints += 1
                except sqlite3.Error as err:  # busy or disk trouble: the next round tries again
                    log.warning("queue database %s: checkpoint failed: %s", self.path, err)
        finally:
            conn.close()

    @staticmethod
    def _rollback(conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            conn.execute("ROLLBACK")

    @staticmethod
    def _last_event(conn: sqlite3.Connection) -> int:
        row = conn.execute("SELECT MAX(seq) FROM events").fetchone()
        return int(row[0] or 0)

    def _require(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"queue database {self.path} is not open")
        return self._conn
