"""SQLite storage of the queue (WAL): tickets, numbering, events, counters, sessions.

One connection guarded by a lock, and every change inside `BEGIN IMMEDIATE ... COMMIT`, so
"take the next number" and "call the next ticket" are single atomic steps, and an event is
written in the same transaction as the change it reports (nothing is announced that did not
happen, nothing happens unannounced).

Waits are bounded: the lock and SQLite's busy handler each wait at most `busy_timeout_s` (kept
below the kiosk's request time-out), then the caller gets `StoreBusy` (a 503 with Retry-After).
Before every write, a `StorageGuard` checks that the database file and data directory are still
the ones opened; if they were deleted or replaced, writes are refused with `StorageFailed`
instead of going into a file nobody will find again.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from common import outbox
from common.migrations import Schema, Step
from common.storage_guard import ADVICE, StorageGuard
from queueing import counter_time
from queueing.appointment_hub import APPOINTMENT_HUB_SCHEMA
from queueing.ratings_schema import RATINGS_SCHEMA

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
-- appointments (queueing/appointments.py): phone and ID number only as keyed hashes
CREATE TABLE IF NOT EXISTS appointments (
    appointment_id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    service TEXT NOT NULL,
    day TEXT NOT NULL,
    slot_start REAL NOT NULL,
    slot_end REAL NOT NULL,
    phone_hash TEXT NOT NULL,
    phone_masked TEXT NOT NULL,
    id_hash TEXT,
    manage_hash TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    created_at REAL NOT NULL,
    cancelled_at REAL,
    checked_in_at REAL,
    checkin_attempts INTEGER NOT NULL DEFAULT 0,
    ticket_id TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS appointments_code ON appointments(code) WHERE state = 'booked';
CREATE INDEX IF NOT EXISTS appointments_slot ON appointments(service, slot_start, state);
CREATE INDEX IF NOT EXISTS appointments_phone ON appointments(phone_hash, state, slot_start);
CREATE INDEX IF NOT EXISTS appointments_id ON appointments(id_hash) WHERE id_hash IS NOT NULL;
CREATE INDEX IF NOT EXISTS appointments_ticket ON appointments(ticket_id) WHERE ticket_id IS NOT NULL;
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

APPOINTMENT_SMS_SCHEMA = """
-- the phone and manage link of a booking, sealed (AES-256-GCM, key outside the database) and
-- erased when the appointment ends; when it was last moved (reminders follow the new time)
ALTER TABLE appointments ADD COLUMN contact_sealed TEXT;
ALTER TABLE appointments ADD COLUMN moved_at REAL;
-- the booking's SMS outbox: the text is rendered at send time (never stored)
CREATE TABLE appointment_sms (
    msg_id INTEGER PRIMARY KEY AUTOINCREMENT,
    appointment_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    idem_key TEXT NOT NULL UNIQUE,
    day TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    created_at REAL NOT NULL,
    sent_at REAL,
    last_error TEXT
);
CREATE INDEX appointment_sms_due ON appointment_sms(state, next_attempt_at);
CREATE INDEX appointment_sms_appt ON appointment_sms(appointment_id, state);
CREATE INDEX appointment_sms_day ON appointment_sms(day, state);
CREATE INDEX appointments_contact ON appointments(slot_start) WHERE contact_sealed IS NOT NULL;
"""

MIGRATIONS = Schema(
    "queue",
    (
        # v1: the baseline, IF NOT EXISTS throughout. On a file from before versioning (release
        # 48f1bf6) it adds what that release lacked: the appointments table and its indexes, and
        # the province outbox (`common.outbox`). The staff tables are created by
        # `queueing.staff_accounts.ensure_schema` at start.
        Step(1, "baseline schema: appointments, province outbox", SCHEMA + outbox.SCHEMA),
        # SCHEMA (and common.outbox.SCHEMA) are v1's text from here on, and each step's text is
        # that version's: never edit them; a schema change is a new step at the end with
        # ALTER TABLE / CREATE TABLE.
        # v2: the booking's SMS (queueing/appointment_sms.py)
        Step(2, "appointment SMS: sealed contact, moves, SMS outbox", APPOINTMENT_SMS_SCHEMA),
        # v3: rating tablets (queueing/tablets.py, queueing/ratings.py)
        Step(3, "rating tablets and ticket ratings", RATINGS_SCHEMA),
        # v4: a paused counter's reason, and the spans of time open, paused and idle while
        # citizens waited (queueing/counter_time.py)
        Step(4, "counter pause reasons and time spans", counter_time.SCHEMA),
        # v5: appointments' no-shows sent to the province hub once (queueing/appointment_hub.py)
        Step(5, "appointment no-shows sent to the hub", APPOINTMENT_HUB_SCHEMA),
    ),
)
"""The queue database's versions (`common.migrations`): a schema change is a new step at the end."""


class StoreError(Exception):
    """The queue database cannot be used; the message names the file (for the log).

    `code`, `public_message` and `retry_after_s` make the 503 answer (see
    `queueing.api_models.storage_error_response`).
    """

    code = "storage_unavailable"
    public_message = (
        "The queue database cannot be used right now; "
        "try again in a moment and tell the center's IT staff if it keeps happening."
    )
    retry_after_s: int | None = None


class StoreBusy(StoreError):
    """The database stayed locked (by another program, or a long write) past the busy time-out."""

    code = "database_busy"
    public_message = (
        "Hệ thống đang bận, xin thử lại sau giây lát. / "
        "The queue database is busy (locked by another program); try again in a few seconds."
    )
    retry_after_s = 2


class StorageFailed(StoreError):
    """The database file or data directory was deleted or replaced while the service ran."""

    code = "storage_failed"
    public_message = (
        "Dữ liệu hàng đợi bị mất hoặc bị thay thế khi dịch vụ đang chạy; không lưu được gì nữa. "
        "Báo ngay cho cán bộ kỹ thuật. / "
        "The queue's data directory was deleted or replaced while the service ran, so nothing more "
        "can be saved. IT staff: restore the data directory (from a backup if it was lost) and "
        "restart the queueing service."
    )


def _is_busy(err: sqlite3.Error) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED (extended codes included): someone else holds the lock."""
    code = getattr(err, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(err) or "busy" in str(err)


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
#: Default of `[queueing] sqlite_busy_timeout_s`.
BUSY_TIMEOUT_S = 2.0


class Store:
    """The queue database file, opened once per process."""

    def __init__(
        self,
        path: Path,
        synchronous: str = "NORMAL",
        checkpoint_every_s: float = CHECKPOINT_EVERY_S,
        busy_timeout_s: float = BUSY_TIMEOUT_S,
    ) -> None:
        self.path = path
        self._synchronous = synchronous
        self._busy_timeout_s = busy_timeout_s
        self.guard: StorageGuard | None = None  # set by open()
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self.on_commit_events: list[Any] = []  # callbacks(seq) run after a commit that added events
        #: callbacks(tx) run inside a write that added events, just before it commits (or its
        #: savepoint in a batch is released): bookkeeping that follows every change the board
        #: hears of, in the same transaction (queueing.counter_time)
        self.before_commit: list[Callable[[Tx], None]] = []
        self._checkpoint_every_s = checkpoint_every_s
        self._checkpoint_stop = threading.Event()
        self._checkpointer: threading.Thread | None = None
        self.checkpoints = 0  # background checkpoints done (health and tests)
        self._batch: _Batch | None = None  # the open group-commit batch (under the lock)
        self.batches = 0  # group commits done (tests and bench)

    def open(self) -> None:
        """Open (creating if needed) the database in WAL mode and migrate it to `MIGRATIONS`."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=self._busy_timeout_s
            )
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={self._synchronous}")
            conn.execute("PRAGMA foreign_keys=ON")
            # erased values (a booking's sealed phone) are overwritten with zeros, not left in free
            # space; Debian's SQLite does this by default, other builds may not
            conn.execute("PRAGMA secure_delete=ON")
            try:
                MIGRATIONS.apply(conn, self.path)  # backup first if anything changes (common/migrations.py)
            except BaseException:
                conn.close()
                raise
            if self._checkpoint_every_s > 0:
                conn.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
            self.guard = StorageGuard(self.path, self.path.parent)
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
        with self._locked():
            conn = self._require()
            if self._batch is not None:
                yield from self._savepoint(conn, self._batch)
                return
            self._check_storage()
            tx = Tx(conn)
            with self._write(conn):
                yield tx
                self._before_commit(tx)
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
        with self._locked():
            conn = self._require()
            if self._batch is not None:
                raise RuntimeError("queue store: batches do not nest")
            self._check_storage()
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
            raise self._error(err, "cannot start a write") from err
        try:
            yield
            conn.execute("COMMIT")
        except sqlite3.Error as err:
            self._rollback(conn)
            raise self._error(err) from err
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
            raise self._error(err, "cannot start a write") from err
        tx = Tx(conn)
        try:
            yield tx
            self._before_commit(tx)
            conn.execute(f"RELEASE {name}")
        except sqlite3.Error as err:
            raise self._error(err) from err  # the batch rolls back
        except BaseException:
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO {name}")
                conn.execute(f"RELEASE {name}")
            raise
        batch.last_seq = max(batch.last_seq, tx.last_seq)

    def _before_commit(self, tx: Tx) -> None:
        if tx.last_seq:
            for callback in self.before_commit:
                callback(tx)

    def _notify(self, seq: int) -> None:
        for callback in list(self.on_commit_events):
            callback(seq)

    @contextmanager
    def read(self, wait_s: float | None = None) -> Iterator[Tx]:
        """A consistent read (the same lock, no write lock on the file).

        Inside `batch()` it reads the batch's own transaction (what the batch wrote so far).
        `wait_s` bounds the wait for the lock (default: the busy time-out), then StoreBusy.
        """
        with self._locked(wait_s):
            conn = self._require()
            if self._batch is not None:
                try:
                    yield Tx(conn)
                except sqlite3.Error as err:
                    raise self._error(err) from err
                return
            try:
                conn.execute("BEGIN")
            except sqlite3.Error as err:
                raise self._error(err, "cannot read") from err
            try:
                yield Tx(conn)
            except sqlite3.Error as err:
                raise self._error(err) from err
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
        with self._locked():
            try:
                return self._last_event(self._require())
            except sqlite3.Error as err:
                raise self._error(err) from err

    # ------------------------------------------------------------------ health

    def storage_problem(self) -> str | None:
        """Why the database file or data directory cannot be trusted any more, or None (cheap)."""
        return self.guard.check() if self.guard is not None else None

    def write_problem(self, wait_s: float = 0.5) -> str | None:
        """None when a write could start now; else why not (for health, never waits long).

        Waits at most `wait_s` for the store's own lock, then tries the database write lock
        without waiting (BEGIN IMMEDIATE at once rolled back: no disk write).
        """
        if not self._lock.acquire(timeout=wait_s):
            return f"queue database busy: a write has held it over {wait_s:g} s (waiting for a lock)"
        try:
            conn = self._require()
            conn.execute("PRAGMA busy_timeout = 0")
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
            except sqlite3.Error as err:
                if _is_busy(err):
                    return (
                        f"queue database {self.path} is locked by another program: "
                        f"writes wait {self._busy_timeout_s:g} s and are refused (503)"
                    )
                return f"queue database {self.path}: {err}"
            finally:
                conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_s * 1000)}")
            return None
        except (sqlite3.Error, StoreError) as err:
            return f"queue database: {err}"
        finally:
            self._lock.release()

    @contextmanager
    def _locked(self, wait_s: float | None = None) -> Iterator[None]:
        """The store lock, waited for at most `wait_s` (default the busy time-out), then StoreBusy."""
        wait = self._busy_timeout_s if wait_s is None else wait_s
        if not self._lock.acquire(timeout=wait):
            raise StoreBusy(
                f"queue database {self.path}: busy, the store lock was not free within "
                f"{wait:g} s (a write is waiting on the database lock)"
            )
        try:
            yield
        finally:
            self._lock.release()

    def _check_storage(self) -> None:
        problem = self.storage_problem()
        if problem is not None:
            raise StorageFailed(f"queue {problem}; writes refused. {ADVICE}")

    def _error(self, err: sqlite3.Error, doing: str = "") -> StoreError:
        """A database error as StoreError (StoreBusy when the database stayed locked)."""
        where = f"queue database {self.path}: " + (f"{doing} " if doing else "")
        if _is_busy(err):
            return StoreBusy(f"{where}({err}; waited {self._busy_timeout_s:g} s)")
        return StoreError(f"{where}({err})" if doing else f"{where}{err}")

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
                if self.storage_problem() is not None:
                    continue  # the files are gone or replaced: nothing to copy into
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
