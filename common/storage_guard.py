"""Notice a database file or data directory that was deleted or replaced while a service runs.

An open SQLite connection keeps writing into a file that was unlinked (or into the old file
after a restore put a new one at the same path): every commit "succeeds" and is lost, and the
next start quietly makes a new, empty database. A service guards against that by recording the
identity (device and inode) of its database file and data directory once the database is open,
and comparing it with `os.stat` on health checks and before each write transaction (two `stat`
calls, a few microseconds).

Usage (the same in both services)::

    store.open()                                   # the database file exists now
    guard = StorageGuard(db_path, data_dir)        # records device + inode of both
    ...
    problem = guard.check()                        # None while both are the same objects
    if problem is not None:
        refuse the write / answer health 503 with `problem` (a sentence naming the path)

`check()` is sticky: once a problem was seen it is returned on every later call, even if the
files come back, because the open connection still points at the old ones; only a restart
(after restoring the data directory) clears it. The first problem is logged once at ERROR.
The class is thread-safe and does no other I/O.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

log = logging.getLogger(__name__)

#: What an operator should do; callers may append it to the problem text.
ADVICE = "Restore the data directory (from a backup if it was lost) and restart the service."


class StorageGuard:
    """Identity check of one database file and its data directory (see the module docstring)."""

    def __init__(self, db_path: Path, data_dir: Path | None = None) -> None:
        """Record the identity of `db_path` and `data_dir` (default: the file's folder) now.

        Raises FileNotFoundError when either is missing: create the guard after opening the
        database.
        """
        self.db_path = Path(db_path)
        self.data_dir = Path(data_dir) if data_dir is not None else self.db_path.parent
        self._db_id = _identity(self.db_path)
        self._dir_id = _identity(self.data_dir)
        self._lock = threading.Lock()
        self._problem: str | None = None

    @property
    def failed(self) -> bool:
        """True once a problem was seen (it stays until restart)."""
        return self._problem is not None

    def check(self) -> str | None:
        """None while the database file and data directory are the ones recorded; else the
        problem as a sentence naming the path (and the same sentence on every later call)."""
        if self._problem is not None:
            return self._problem
        problem = self._look()
        if problem is None:
            return None
        with self._lock:
            if self._problem is None:
                self._problem = problem
                log.error("storage failed: %s. %s", problem, ADVICE)
            return self._problem

    def _look(self) -> str | None:
        watched = (
            ("data directory", self.data_dir, self._dir_id, "another one"),
            ("database file", self.db_path, self._db_id, "another file"),
        )
        for what, path, known, other in watched:
            try:
                now = _identity(path)
            except FileNotFoundError:
                return f"{what} {path} is gone (deleted or moved while the service ran)"
            except OSError as err:
                return f"{what} {path} cannot be read ({err.strerror or err})"
            if now != known:
                return f"{what} {path} was replaced by {other} while the service ran"
        return None


def _identity(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_dev, st.st_ino
