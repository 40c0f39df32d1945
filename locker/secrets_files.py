"""The locker's data-directory check (a database without its keys, or keys without their
database); the key files and the sealed box themselves are `common.sealed`."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from common.sealed import KeyFileError, read_secret

log = logging.getLogger(__name__)


START_FRESH_FLAG = "--start-fresh"


def check_data_dir(
    db: Path, code_key: Path, staff_key: Path, *, start_fresh: bool, need_code_key: bool = True
) -> None:
    """Refuse to start on a half-lost data directory rather than silently making new files.

    A database without its code key (every pickup code and receipt in it would be refused), or
    key files without their database (the data directory was deleted or moved), raise
    KeyFileError with what to do: restore from the backup, or start once with `--start-fresh`
    (`start_fresh`), which accepts the new files. Nothing at all is a first start (logged).
    `need_code_key=False` (lockerctl, which never uses codes) checks only for a lost database.
    """
    keys = [p for p in (code_key, staff_key) if p.exists()]
    if not db.exists():
        if keys and not start_fresh:
            names = " and ".join(str(p) for p in keys)
            raise KeyFileError(
                f"the database {db} is missing but {names} exist (was the data directory deleted or "
                "moved?). Restore the data directory from your backup and start again, or start the "
                f"locker once with `python -m locker {START_FRESH_FLAG}` to begin with an empty "
                "database (items still in the cabinet must then be withdrawn by staff and loaded again)."
            )
        log.warning(
            "no locker database at %s: starting a new, empty one%s. If this locker ran before, stop "
            "it and restore the data directory from your backup.",
            db,
            " (--start-fresh)" if keys else " (first start)",
        )
        return
    if not need_code_key or read_secret(code_key) is not None:
        return
    deposits = _count_deposits(db)
    if deposits and not start_fresh:
        raise KeyFileError(
            f"the database {db} holds {deposits} deposit(s) but the code key {code_key} is missing: "
            "every pickup code and receipt made with it would be refused. Restore the key file from "
            f"your backup and start again, or start once with `python -m locker {START_FRESH_FLAG}` "
            "to make a new key (then re-issue the codes of the items still in the cabinet from the "
            "staff screen)."
        )
    if deposits:
        log.warning(
            "--start-fresh: a new code key %s for a database with %d deposit(s); codes sent before "
            "no longer work: re-issue them from the staff screen",
            code_key,
            deposits,
        )


def _count_deposits(db: Path) -> int:
    """Deposits in an existing database (0 when it has no deposits table yet), read only."""
    conn = sqlite3.connect(db.resolve().as_uri() + "?mode=ro", uri=True, timeout=10)
    try:
        row = conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name='deposits'").fetchone()
        if row is None:
            return 0
        return int(conn.execute("SELECT COUNT(*) FROM deposits").fetchone()[0])
    except sqlite3.Error as err:
        raise KeyFileError(f"cannot read the database {db}: {err}; restore it from your backup") from err
    finally:
        conn.close()
