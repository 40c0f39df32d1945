"""Versioned schema migrations of the services' SQLite databases, run when a store opens.

Each database has a `Schema`: an ordered tuple of `Step`s, step N bringing the file from
version N-1 to N. The version a file is at is SQLite's `PRAGMA user_version` (0 in a new file
and in files written before versioning, such as release 48f1bf6). At open, `Schema.apply`:

- refuses a file whose version is newer than the code knows (`SchemaTooNew`, one line saying
  what to do: install the newer release again, or restore the backup taken before it);
- before the first step on a file that already holds tables, copies it with SQLite's online
  backup API to `NAME.pre-vN-STAMP.bak` beside it (same folder, owner-only): a failed or
  regretted upgrade is undone by stopping the service and putting that file back;
- runs each missing step in its own transaction (`BEGIN IMMEDIATE` … `PRAGMA user_version=N`
  … `COMMIT`): a step that fails is rolled back whole and the file stays at the version before.

Step 1 of each database is its baseline schema written with `CREATE … IF NOT EXISTS`, so on a
file from before versioning it adds only what that release lacked. Later steps are plain SQL
(`ALTER TABLE … ADD COLUMN`, `CREATE TABLE`, data copies) and are never edited once released:
a change is a new step at the end.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from common.sqlite_copy import online_copy

log = logging.getLogger(__name__)

STAMP = "%Y%m%dT%H%M%SZ"


class MigrationError(Exception):
    """The database cannot be brought to the code's schema; the message says what to do."""


class SchemaTooNew(MigrationError):
    """The file was written by a newer release than the one starting."""


@dataclass(frozen=True)
class Step:
    """One migration: `sql` (a script) takes the file from version `version - 1` to `version`."""

    version: int
    summary: str
    sql: str


@dataclass(frozen=True)
class Schema:
    """A database's migration steps, in order (`steps[i].version == i + 1`)."""

    label: str  # e.g. "locker", "queue": named in logs and errors
    steps: tuple[Step, ...]

    def __post_init__(self) -> None:
        for i, step in enumerate(self.steps, start=1):
            if step.version != i:
                raise ValueError(f"{self.label} schema: step {i} is numbered {step.version}")

    @property
    def version(self) -> int:
        """The version this code writes (its last step)."""
        return len(self.steps)

    def apply(
        self, conn: sqlite3.Connection, path: Path, now: Callable[[], datetime] | None = None
    ) -> list[int]:
        """Bring the open database at `path` to `version` (module docstring); the steps run.

        `conn` must be in autocommit mode (`isolation_level=None`) with no transaction open.
        """
        current = user_version(conn)
        if current > self.version:
            raise SchemaTooNew(
                f"{self.label} database {path} is at schema version {current}, newer than this release "
                f"knows ({self.version}): install the release that wrote it, or stop the service and "
                f"restore the backup taken before that upgrade (a {path.name}.pre-v*.bak file beside it, "
                "or `lockerctl restore`)"
            )
        if current == self.version:
            return []
        if _has_tables(conn):
            taken = backup_beside(conn, path, current, (now or _utcnow)())
            log.info("%s database v%d -> v%d: backup first: %s", self.label, current, self.version, taken)
        done = []
        for step in self.steps[current:]:
            try:
                conn.executescript(
                    f"BEGIN IMMEDIATE;\n{step.sql}\n;PRAGMA user_version = {step.version};\nCOMMIT;"
                )
            except sqlite3.Error as err:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise MigrationError(
                    f"{self.label} database {path}: migration to schema v{step.version} ({step.summary}) "
                    f"failed and was rolled back ({err}); the file is still at v{step.version - 1}. "
                    "Report this with the log; meanwhile run the previous release"
                ) from err
            log.info("%s database %s: now schema v%d (%s)", self.label, path, step.version, step.summary)
            done.append(step.version)
        return done


def user_version(conn: sqlite3.Connection) -> int:
    """The schema version recorded in the file (0: new, or from before versioning)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _has_tables(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' LIMIT 1").fetchone()
    return row is not None


def _utcnow() -> datetime:
    return datetime.now(UTC)


def backup_beside(conn: sqlite3.Connection, path: Path, version: int, now: datetime) -> Path:
    """Copy the open database (online backup API: one consistent snapshot) to
    `NAME.pre-vVERSION-STAMP.bak` in its folder, owner-only; returns the copy's path."""
    target = path.with_name(f"{path.name}.pre-v{version}-{now.astimezone(UTC).strftime(STAMP)}.bak")
    if target.exists():
        raise MigrationError(f"{target} already exists; move it away and start the service again")
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        problem = online_copy(conn, target)
    except sqlite3.Error as err:
        raise MigrationError(
            f"cannot back up {path} to {target} before upgrading it ({err}); free disk space and start again"
        ) from err
    if problem != "ok":
        raise MigrationError(
            f"{path} fails its integrity check ({problem}); nothing was migrated: restore a backup "
            "(`lockerctl restore`) before upgrading"
        )
    return target
