"""`lockerctl backup` while the locker runs, `lockerctl restore` onto a fresh data directory.

A code issued before the backup opens its door on the restored locker, the audit chain verifies,
and the restored locker reconciled its doors (an audit record) before it served the pickup.
"""

from __future__ import annotations

import os
import socket
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from locker import backup
from locker.cli import main
from queueing.store import Store as QueueStore
from tests.harness import free_port
from tests.locker.conftest import Harness, make_config


class RestoredHarness(Harness):
    """A harness whose simulated cabinet has the item in place before the service starts."""

    items: list[tuple[int, int]] = []

    def _before_start(self) -> None:
        for board, lock in self.items:
            self.sim.cabinet.set_item(board, lock, True)


def site(tmp: Path, name: str, locker_port: int = 0) -> Path:
    """A site file; the services' ports are free ones (restore refuses while something answers there)."""
    path = tmp / f"{name}.toml"
    path.write_text(
        f'[queueing]\ndata_dir = "{tmp / name / "queueing"}"\nport = {free_port()}\n'
        f"[locker]\nport = {locker_port or free_port()}\n"
        f'[camera]\nhash_key_file = "{tmp / name / "camera" / "id-hash.key"}"\n'
        f'[backup]\ndir = "{tmp / "backups"}"\nkeep_days = 7\n',
        encoding="utf-8",
    )
    return path


def test_backup_while_running_then_restore_on_a_fresh_data_dir(
    make_harness: Callable[..., Harness], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    h = make_harness()
    token = h.sign_in("loader1")
    dep, code = h.load(token, "HS-1")
    queue_db = tmp_path / "old" / "queueing" / "queue.sqlite3"
    q = QueueStore(queue_db)
    q.open()
    q.close()
    (tmp_path / "backups").mkdir()

    # backup while the daemon runs and holds its database open
    old_site = site(tmp_path, "old")
    assert main(["--config", str(old_site), "--data-dir", str(h.paths.data_dir), "backup"]) == 0
    [folder] = [f for f in (tmp_path / "backups").iterdir() if f.name.startswith("backup-")]
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert {"locker.db", "queue.sqlite3", "keys/code.key", "keys/staff.key", "manifest.json"} <= names
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert all(oct((folder / n).stat().st_mode & 0o777) == "0o600" for n in names)

    # restore onto a fresh machine's data directory
    fresh = tmp_path / "fresh"
    new_site = site(tmp_path, "new")
    args = ["--config", str(new_site), "--data-dir", str(fresh / "data")]
    args += ["restore", str(tmp_path / "backups")]
    capsys.readouterr()
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "locker.db: integrity ok" in out and "queue.sqlite3: integrity ok" in out
    assert "audit chain:" in out and "records verify" in out
    assert (tmp_path / "new" / "queueing" / "queue.sqlite3").exists()
    assert (fresh / "data" / "code.key").read_bytes() == h.paths.code_key.read_bytes()

    # the restored locker: same cabinet state, reconciles first, the old code opens the door
    RestoredHarness.items = [h.where(dep["compartment"])]
    h2 = RestoredHarness(fresh, make_config())
    try:
        r = h2.pickup(code)
        assert r.status_code == 200 and r.json()["door"] == "opened", r.text
        assert r.json()["compartment"] == dep["compartment"]
    finally:
        h2.close()
    conn = sqlite3.connect(fresh / "data" / "locker.db")
    actions = [a for (a,) in conn.execute("SELECT action FROM audit ORDER BY seq")]
    conn.close()
    reconciled = len(actions) - 1 - actions[::-1].index("reconciled")
    assert any("pickup" in a for a in actions[reconciled:]), actions
    assert main(["--data-dir", str(fresh / "data"), "audit", "verify"]) == 0

    # restoring again over live data needs --yes and keeps the old files aside
    assert main(args) == 2
    assert "--yes" in capsys.readouterr().err
    assert main([*args, "--yes"]) == 0
    assert list((fresh / "data").glob("locker.db.before-restore-*"))

    # never under a running service: it would refuse every write until restarted
    with socket.create_server(("127.0.0.1", 0)) as running:
        port = running.getsockname()[1]
        busy = ["--config", str(site(tmp_path, "new", locker_port=port)), "--data-dir", str(fresh / "data")]
        before = sorted(p.name for p in (fresh / "data").iterdir())
        assert main([*busy, "restore", str(tmp_path / "backups"), "--yes"]) == 2
    err = capsys.readouterr().err
    assert f"the locker is running (127.0.0.1:{port})" in err and "stop the services first" in err
    assert sorted(p.name for p in (fresh / "data").iterdir()) == before  # nothing touched


def test_a_damaged_backup_is_refused_before_anything_is_touched(tmp_path: Path) -> None:
    db = tmp_path / "live" / "locker.db"
    db.parent.mkdir()
    sqlite3.connect(db).execute("CREATE TABLE t(x)").connection.commit()
    entries = [backup.Entry("locker.db", db, database=True, required=True)]
    now = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)
    folder = backup.take(tmp_path, entries, now, keep_days=7)
    with (folder / "locker.db").open("r+b") as fh:
        fh.seek(200)
        fh.write(b"\xff")
    target = [backup.Entry("locker.db", tmp_path / "new" / "locker.db", database=True, required=True)]
    with pytest.raises(backup.BackupError, match="missing or damaged"):
        backup.restore(folder, target, now)
    assert not (tmp_path / "new").exists()


def test_old_backups_are_pruned_but_the_newest_stays(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    sqlite3.connect(db).execute("CREATE TABLE t(x)").connection.commit()
    entries = [backup.Entry("locker.db", db, database=True, required=True)]
    dest = tmp_path / "backups"
    dest.mkdir()
    start = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)
    for day in range(10):
        backup.take(dest, entries, start + timedelta(days=day), keep_days=3)
    kept = sorted(f.name for f in dest.iterdir())
    assert kept == [f"backup-2026050{d}T020000Z" for d in (7, 8, 9)] + ["backup-20260510T020000Z"]
    assert backup.prune(dest, start + timedelta(days=100), keep_days=3) == [
        dest / f"backup-2026050{d}T020000Z" for d in (7, 8, 9)
    ]
    assert os.listdir(dest) == ["backup-20260510T020000Z"]


def test_a_missing_destination_is_named(tmp_path: Path) -> None:
    with pytest.raises(backup.BackupError, match="create or mount it"):
        backup.take(tmp_path / "usb-disk", [], datetime.now(UTC), keep_days=3)
