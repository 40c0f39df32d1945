"""common.storage_guard: a deleted or replaced database file or data directory is noticed."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path

import pytest

from common.storage_guard import StorageGuard


def _db(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "data"
    data.mkdir()
    db = data / "x.sqlite3"
    sqlite3.connect(db).close()
    return db, data


def test_unchanged_files_pass(tmp_path: Path) -> None:
    db, data = _db(tmp_path)
    guard = StorageGuard(db, data)
    assert guard.check() is None
    assert not guard.failed


def test_missing_at_start_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        StorageGuard(tmp_path / "none.sqlite3")


def test_deleted_data_dir_is_noticed_and_sticks(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db, data = _db(tmp_path)
    guard = StorageGuard(db)  # data dir defaults to the file's folder
    shutil.rmtree(data)
    with caplog.at_level(logging.ERROR, logger="common.storage_guard"):
        problem = guard.check()
        assert problem is not None and "gone" in problem and str(data) in problem
        # put back an identical-looking dir and file: still failed (the connection holds the old ones)
        _db(tmp_path)
        assert guard.check() == problem
    assert guard.failed
    assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 1  # logged once


def test_replaced_database_file_is_noticed(tmp_path: Path) -> None:
    db, data = _db(tmp_path)
    guard = StorageGuard(db, data)
    other = data / "restored.sqlite3"
    sqlite3.connect(other).close()
    other.replace(db)  # same path, another inode
    problem = guard.check()
    assert problem is not None and "replaced" in problem and str(db) in problem


def test_deleted_database_file_is_noticed(tmp_path: Path) -> None:
    db, data = _db(tmp_path)
    guard = StorageGuard(db, data)
    db.unlink()
    problem = guard.check()
    assert problem is not None and "database file" in problem and "gone" in problem


def test_replaced_data_dir_is_noticed(tmp_path: Path) -> None:
    db, data = _db(tmp_path)
    guard = StorageGuard(db, data)
    data.rename(tmp_path / "old")
    _db(tmp_path)  # a fresh dir and file at the same paths
    problem = guard.check()
    assert problem is not None and "data directory" in problem and "replaced" in problem
