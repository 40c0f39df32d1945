"""WAL checkpoints off the request path: one thread and connection per database (`SqliteStore`).

The writer's COMMIT never carries a checkpoint's fsync: SQLite's own auto-checkpoint runs inside
a COMMIT, so the store raises its threshold to `WAL_AUTOCHECKPOINT_PAGES` (a safety net if this
thread falls behind) and this thread copies the WAL into the database every `every_s` seconds,
PASSIVE (it never waits for, nor blocks, the writer or the readers), never into files the
storage guard says were deleted or replaced, and only after new commits unless `idle` (then every
round: the queueing service's choice, so frames a reader's snapshot held back are copied soon).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from common.sqlite_writer import connect_existing

log = logging.getLogger(__name__)

CHECKPOINT_EVERY_S = 1.0  # background PASSIVE checkpoints this often (when something was committed)
#: If the checkpoint thread falls behind, the writer checkpoints past this many WAL pages (~40 MB).
WAL_AUTOCHECKPOINT_PAGES = 10000


class WalCheckpointer(threading.Thread):
    """The checkpoint thread of one database: `start()`, `stop()`; `done` counts checkpoints."""

    def __init__(
        self,
        path: Path,
        every_s: float,
        commits: Callable[[], int],
        storage_problem: Callable[[], str | None],
        name: str,
        idle: bool = False,
    ) -> None:
        super().__init__(name=f"{name}-checkpoint", daemon=True)
        self.path = path
        self.every_s = every_s
        self.done = 0  # checkpoints made since start (health, tests)
        self._commits = commits
        self._storage_problem = storage_problem
        self._idle = idle
        self._stop_event = threading.Event()

    def stop(self) -> None:
        """End the thread (after the checkpoint in progress, if any) and wait for it."""
        self._stop_event.set()
        if self.is_alive():
            self.join(timeout=10)

    def run(self) -> None:
        """Checkpoint after new commits until stopped."""
        try:
            conn = connect_existing(self.path, timeout=1)
        except sqlite3.Error as err:
            log.error("database %s: no checkpoint connection (%s); SQLite checkpoints itself", self.path, err)
            return
        try:
            done_at = self._commits()
            while not self._stop_event.wait(self.every_s):
                if (self._commits() == done_at and not self._idle) or self._storage_problem() is not None:
                    continue  # nothing new, or the files are gone: nothing to copy into
                done_at = self._commits()
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.done += 1
                except sqlite3.Error as err:  # busy or disk trouble: the writer's safety net meanwhile
                    log.warning("database %s: background checkpoint failed: %s", self.path, err)
        finally:
            conn.close()
