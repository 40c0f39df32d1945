"""One online copy of a SQLite database, for backups and the copy taken before a migration."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def online_copy(source: sqlite3.Connection, target: Path) -> str:
    """Copy the open database `source` to `target` with SQLite's online backup API (all pages in
    one step: one read transaction, one consistent snapshot) and return the copy's
    `PRAGMA integrity_check` answer ("ok" when it is sound). sqlite3.Error when the copy fails."""
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        return str(copy.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        copy.close()
