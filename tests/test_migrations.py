"""Schema migrations (common/migrations.py): a database made by the previous release (48f1bf6,
fixtures in tests/fixtures/) opens with today's code with every row kept, the schema of a new
database and a backup taken first; a database newer than the code is refused."""

from __future__ import annotations

import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from common.migrations import MigrationError, Schema, SchemaTooNew, Step, user_version
from locker.store import MIGRATIONS as LOCKER_MIGRATIONS
from locker.store import Store as LockerStore
from queueing.schema import MIGRATIONS as QUEUE_MIGRATIONS
from queueing.store import Store as QueueStore

FIXTURES = Path(__file__).parent / "fixtures"
PREVIOUS_RELEASE = "48f1bf6"


def _load(path: Path, fixture: str) -> None:
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / fixture).read_text(encoding="utf-8"))
    conn.close()


def _rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table (sqlite_sequence included), in rowid order."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}
    finally:
        conn.close()


def _shape(path: Path) -> dict[str, object]:
    """Each table's columns (name, type, not-null, default, pk) and each index/trigger name."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        shape: dict[str, object] = {}
        for kind, name in conn.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"):
            columns = conn.execute(f"PRAGMA table_info({name})") if kind == "table" else []
            shape[f"{kind} {name}"] = [tuple(r[1:]) for r in columns]
        return shape
    finally:
        conn.close()


def _version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return user_version(conn)
    finally:
        conn.close()


def _open_close(kind: str, path: Path) -> None:
    if kind == "locker":
        store = LockerStore(path, checkpoint_every_s=0)
        store.open()
        store.close()
    else:
        with QueueStore(path, checkpoint_every_s=0):
            pass


@pytest.mark.parametrize(
    ("kind", "db_name", "schema"),
    [("locker", "locker.db", LOCKER_MIGRATIONS), ("queue", "queue.sqlite3", QUEUE_MIGRATIONS)],
)
def test_previous_release_database_keeps_every_row(
    tmp_path: Path, kind: str, db_name: str, schema: Schema
) -> None:
    old = tmp_path / "site" / db_name
    old.parent.mkdir()
    _load(old, f"{kind}-{PREVIOUS_RELEASE}.sql")
    before = _rows(old)
    assert _version(old) == 0 and all(before[t] for t in before if t != "sqlite_sequence")

    _open_close(kind, old)

    after = _rows(old)
    for table, rows in before.items():
        # a later step may add columns (ALTER TABLE ... ADD COLUMN: at the end); the old ones keep
        # every value
        width = len(rows[0]) if rows else 0
        assert [r[:width] for r in after[table]] == rows, f"{kind} table {table} changed in the migration"
    fresh = tmp_path / "fresh" / db_name
    _open_close(kind, fresh)
    assert _shape(old) == _shape(fresh)  # every table, column, index and trigger of today's schema
    assert _version(old) == _version(fresh) == schema.version

    backups = sorted(old.parent.glob(f"{db_name}.pre-v0-*.bak"))
    assert len(backups) == 1  # taken before the first step, and only for the file with data
    assert _rows(backups[0]) == before and _version(backups[0]) == 0
    assert stat.S_IMODE(backups[0].stat().st_mode) == 0o600
    assert not list(fresh.parent.glob("*.bak"))

    _open_close(kind, old)  # up to date: nothing runs, no second backup
    assert len(list(old.parent.glob("*.bak"))) == 1


def _db_with(path: Path, version: int, rows: int = 2) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
        + "".join(f"INSERT INTO item(name) VALUES ('item {i}');" for i in range(rows))
        + f"PRAGMA user_version = {version};"
    )
    conn.close()


def _apply(schema: Schema, path: Path, now: datetime) -> list[int]:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        return schema.apply(conn, path, now=lambda: now)
    finally:
        conn.close()


BASE = Step(1, "items", "CREATE TABLE IF NOT EXISTS item (id INTEGER PRIMARY KEY, name TEXT NOT NULL);")
ADD_SHELF = Step(2, "item shelf", "ALTER TABLE item ADD COLUMN shelf TEXT NOT NULL DEFAULT 'A';")
NOW = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)


def test_each_missing_step_runs_once_after_a_backup(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    _db_with(db, version=1)
    schema = Schema("test", (BASE, ADD_SHELF))
    assert _apply(schema, db, NOW) == [2]
    assert _apply(schema, db, NOW) == []
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT name, shelf FROM item ORDER BY id").fetchall()
    assert rows == [("item 0", "A"), ("item 1", "A")]
    conn.close()
    assert _version(db) == 2
    assert [p.name for p in tmp_path.glob("*.bak")] == ["t.db.pre-v1-20261206T200000Z.bak"]


def test_a_new_file_gets_every_step_without_a_backup(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    assert _apply(Schema("test", (BASE, ADD_SHELF)), db, NOW) == [1, 2]
    assert _version(db) == 2 and not list(tmp_path.glob("*.bak"))


def test_a_failing_step_is_rolled_back_whole(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    _db_with(db, version=1)
    half = "ALTER TABLE item ADD COLUMN shelf TEXT; INSERT INTO nowhere VALUES (1)"
    broken = Step(2, "half a change", half)
    with pytest.raises(MigrationError, match=r"v2 \(half a change\) failed and was rolled back.*still at v1"):
        _apply(Schema("test", (BASE, broken)), db, NOW)
    assert _version(db) == 1
    conn = sqlite3.connect(db)
    assert [r[1] for r in conn.execute("PRAGMA table_info(item)")] == ["id", "name"]  # no shelf
    conn.close()


def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "locker.db"
    _db_with(db, version=LOCKER_MIGRATIONS.version + 1)
    before = _rows(db)
    store = LockerStore(db, checkpoint_every_s=0)
    refusal = "newer than this release knows.*install the release.*restore"
    with pytest.raises(SchemaTooNew, match=refusal) as err:
        store.open()
    assert "\n" not in str(err.value)
    assert _rows(db) == before and _version(db) == LOCKER_MIGRATIONS.version + 1
    assert not list(tmp_path.glob("*.bak"))


def test_the_queueing_service_refuses_a_newer_database_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from queueing.__main__ import main

    _db_with(tmp_path / "queue.sqlite3", version=QUEUE_MIGRATIONS.version + 1)
    assert (
        main(  # refused before anything listens: the port is never bound
            ["--data-dir", str(tmp_path), "--port", "18999"]
        )
        == 2
    )
    err = capsys.readouterr().err.strip()
    assert err.startswith("queueing: queue database") and "newer than this release" in err and "\n" not in err


def test_steps_must_be_numbered_in_order() -> None:
    with pytest.raises(ValueError, match="step 2 is numbered 3"):
        Schema("test", (BASE, Step(3, "gap", "")))


def test_the_locker_daemon_and_lockerctl_refuse_a_newer_database_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from locker.admin_cli import main as lockerctl
    from locker.daemon import main as daemon

    _db_with(tmp_path / "locker.db", version=LOCKER_MIGRATIONS.version + 1)
    # refused before anything listens (the simulated buses it opened are closed again)
    assert daemon(["--data-dir", str(tmp_path), "--start-fresh"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("locker: locker database") and "newer than this release" in err and "\n" not in err
    with pytest.raises(SystemExit) as code:
        lockerctl(["--data-dir", str(tmp_path), "audit", "verify"])
    assert code.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("lockerctl: locker database") and "\n" not in err
