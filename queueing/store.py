"""The queue database on the services' one store design (`common.sqlite_store`).

Every change is a `with store.tx() as conn:` block: the store's writer thread lends its
connection (the plain `sqlite3.Connection`, rows as `sqlite3.Row`, as the locker's store does)
for the body and commits it, possibly in one COMMIT with other requests' blocks (group commit
from the writer's queue), so "take the next number" and "call the next ticket" are single atomic
steps. An event is written in the same transaction as the change it reports
(`queueing.events_repo.append`, which notes its seq for the block); `before_commit` callbacks run
at the end of a block that wrote events, in its transaction (`queueing.counter_time`); after the
COMMIT the writer runs the block's after-commit step, which tells `on_commit_events` (the boards'
streams, the booked load) the newest event's seq: nothing is announced that did not happen,
nothing happens unannounced. Reads (`read()`) use per-thread read-only connections and never
wait for the writer.

Waits are bounded: a block the writer has not taken up within `busy_timeout_s` (kept below the
kiosk's request time-out), or whose write lock another program keeps that long, fails with
`StoreBusy` (a 503 with Retry-After). A deleted or replaced database file or data directory
(`common.storage_guard`) makes every write fail with `StorageFailed` instead of going into a file
nobody will find again. The schema and its versions are in `queueing.schema`.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from common.sqlite_store import SqliteStore
from common.sqlite_writer import connect_existing
from common.storage_guard import ADVICE
from common.wal_checkpoints import CHECKPOINT_EVERY_S
from queueing import events_repo
from queueing.schema import MIGRATIONS

log = logging.getLogger(__name__)

#: Default of `[queueing] sqlite_busy_timeout_s`.
BUSY_TIMEOUT_S = 2.0


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


class Store:
    """The queue database file, opened once per process (its `db` is the `SqliteStore`)."""

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
        self.db = SqliteStore(
            path,
            MIGRATIONS,
            storage_error=self._storage_failed,
            busy_error=self._busy,
            checkpoint_every_s=checkpoint_every_s,
            checkpoint_idle=True,
            name="queue-db",
            synchronous=synchronous,
            # erased values (a booking's sealed phone) are overwritten with zeros, not left in
            # free space; Debian's SQLite does this by default, other builds may not
            secure_delete=True,
            busy_timeout_s=busy_timeout_s,
        )
        self.on_commit_events: list[Callable[[int], object]] = []  # run with the newest seq after a commit
        #: callbacks(conn) run inside a write that added events, at the end of its block (in its
        #: transaction): bookkeeping that follows every change the board hears of
        #: (queueing.counter_time)
        self.before_commit: list[Callable[[sqlite3.Connection], None]] = []

    def open(self) -> None:
        """Open (creating if needed) the database in WAL mode and migrate it to `MIGRATIONS`."""
        try:
            self.db.open()  # backup first if the schema changes (common/migrations.py)
        except (sqlite3.Error, OSError) as err:
            raise StoreError(f"cannot open queue database {self.path}: {err}") from err
        log.info("queue database %s open (WAL, synchronous=%s)", self.path, self._synchronous)

    def close(self) -> None:
        """Finish the writes already asked for, stop the threads and close the database."""
        self.db.close()

    def __enter__(self) -> Store:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def checkpoints(self) -> int:
        """Background WAL checkpoints done (health and tests)."""
        return self.db.checkpoints

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction on the writer (see the module docstring): all or nothing. Inside
        another `tx()` body it is a savepoint of that one (undone alone if it fails)."""
        appended: list[int] = []  # the seqs of the events this block appended (events_repo.append)

        def announce() -> None:  # on the writer, right after the COMMIT
            if appended:
                for callback in list(self.on_commit_events):
                    callback(appended[-1])

        self._require_open()
        try:
            with self.db.tx(on_commit=announce) as conn, events_repo.appended_in_block() as appended:
                yield conn
                if appended:
                    for callback in self.before_commit:
                        callback(conn)
        except sqlite3.Error as err:
            raise self._error(err) from err

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot of what is committed (inside a `tx()` body: that transaction)."""
        self._require_open()
        try:
            with self.db.read() as conn:
                yield conn
        except sqlite3.Error as err:
            raise self._error(err) from err

    def events_since(self, seq: int, limit: int = 500) -> list[dict[str, Any]]:
        """Events after `seq`, oldest first."""
        with self.read() as conn:
            rows = events_repo.since(conn, seq, limit)
        return [
            {"seq": r["seq"], "at": r["at"], "kind": r["kind"], "data": json.loads(r["data"])} for r in rows
        ]

    def last_event_seq(self) -> int:
        """The newest event's seq (0 when none)."""
        with self.read() as conn:
            return events_repo.last_seq(conn)

    # ------------------------------------------------------------------ health

    def storage_problem(self) -> str | None:
        """Why the database file or data directory cannot be trusted any more, or None (cheap)."""
        return self.db.storage_problem()

    def write_problem(self, wait_s: float = 0.5) -> str | None:
        """None when a write could start now; else why not (for health, waits at most `wait_s`).

        Takes the database write lock on a connection of its own and gives it back at once
        (BEGIN IMMEDIATE, ROLLBACK: no disk write); the writer's own commits take milliseconds.
        """
        problem = self.storage_problem()
        if problem is not None:
            return f"queue {problem}"
        try:
            probe = connect_existing(self.path, wait_s)
        except sqlite3.Error as err:
            return f"queue database {self.path}: {err}"
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
        except sqlite3.Error as err:
            if _is_busy(err):
                return (
                    f"queue database {self.path} is locked by another program: "
                    f"writes wait {self._busy_timeout_s:g} s and are refused (503)"
                )
            return f"queue database {self.path}: {err}"
        finally:
            probe.close()
        return None

    def _require_open(self) -> None:
        if not self.db.is_open:
            raise StoreError(f"queue database {self.path} is not open")

    def _storage_failed(self) -> StorageFailed:
        return StorageFailed(f"queue {self.storage_problem()}; writes refused. {ADVICE}")

    def _busy(self, waited_s: float) -> StoreBusy:
        return StoreBusy(
            f"queue database {self.path}: busy, the writer did not take the write up within "
            f"{waited_s:g} s (a write is waiting on the database lock)"
        )

    def _error(self, err: sqlite3.Error) -> StoreError:
        """A database error as StoreError (StoreBusy when the database stayed locked)."""
        where = f"queue database {self.path}: "
        if _is_busy(err):
            return StoreBusy(f"{where}({err}; waited {self._busy_timeout_s:g} s)")
        return StoreError(f"{where}{err}")
