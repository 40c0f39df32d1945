"""A lost or replaced data directory is loud: health 503, writes refused, no door opens; at the
next start a half-lost data directory stops the daemon with what to do (issue 12)."""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.harness import LockerProcess, free_port
from tests.locker.conftest import Harness


def _loaded(h: Harness) -> tuple[str, dict[str, str], str]:
    token = h.sign_in("loader1")
    dep, code = h.load(token, "HS-1")
    return token, dep, code


def test_deleted_data_dir_fails_loudly_and_refuses_writes(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    token, dep, code = _loaded(h)
    assert h.req("GET", "/api/v1/health").json()["status"] == "ok"
    caplog.set_level(logging.ERROR)
    shutil.rmtree(h.paths.data_dir)
    r = h.req("GET", "/api/v1/health")
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "failed" and body["error"] == "storage_failed" and body["storage"] == "failed"
    assert "restore the data directory" in body["message"] and str(h.tmp) not in r.text
    staff_view = h.req("GET", "/api/v1/health", token).json()
    assert staff_view["storage"] != "failed" and str(h.paths.data_dir) in staff_view["storage"]
    # the alarm: one ERROR line naming the path and what to do
    lines = [rec.getMessage() for rec in caplog.records if "storage failed" in rec.getMessage()]
    assert len(lines) == 1 and str(h.paths.data_dir) in lines[0] and "Restore" in lines[0]
    # nothing is "created" into a file nobody will read again, and no door opens
    r = h.req("POST", "/api/v1/deposits", token, json={"dossier_code": "HS-2", "phone": "0900000002"})
    assert r.status_code == 503 and r.json()["error"] == "storage_failed"
    r = h.pickup(code)
    assert r.status_code == 503 and r.json()["error"] == "storage_failed"
    assert h.pulses(dep["compartment"]) == 1  # the loading pulse only
    assert not h.paths.data_dir.exists()  # and no reader made a new, empty database there


def test_replaced_database_fails_loudly(h: Harness) -> None:
    token, _, code = _loaded(h)
    db = h.paths.db
    shutil.copy(db, db.with_name("copy.db"))
    db.unlink()
    db.with_name("copy.db").rename(db)  # same path, another file (a restore behind the daemon's back)
    r = h.req("GET", "/api/v1/health")
    assert r.status_code == 503 and r.json()["error"] == "storage_failed"
    assert h.pickup(code).json()["error"] == "storage_failed"
    assert "replaced" in h.req("GET", "/api/v1/health", token).json()["storage"]


def _run_daemon(data: Path, *extra: str) -> subprocess.CompletedProcess[str] | int:
    """Start `python -m locker` on `data`: its exit (if it stops at start) or the port it serves."""
    port = free_port()
    daemon = LockerProcess(
        data.parent, data_dir=data, port=port, extra_args=list(extra),
        log_path=data.parent / f"daemon-{port}.log", split_stderr=True,
    )  # fmt: skip
    code = daemon.start_or_exit()
    if code is not None:
        return subprocess.CompletedProcess(daemon.argv, code, daemon.log(), daemon.errors())
    daemon.stop()
    return port


def _message(r: subprocess.CompletedProcess[str] | int) -> str:
    assert not isinstance(r, int), "the daemon started"
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    lines = [line for line in r.stderr.splitlines() if line.startswith("locker: ")]
    assert len(lines) == 1, r.stderr  # one line saying what to do
    return lines[0]


def test_database_without_its_code_key_stops_at_start(make_harness) -> None:  # type: ignore[no-untyped-def]
    h = make_harness()
    _loaded(h)
    data = h.paths.data_dir
    h.close()
    key = (data / "code.key").read_text()
    (data / "code.key").unlink()
    line = _message(_run_daemon(data))
    assert "code key" in line and "missing" in line and "backup" in line and "--start-fresh" in line
    assert not (data / "code.key").exists()  # no new key made behind anyone's back
    (data / "code.key").write_text(key)  # restored from the backup: starts
    assert isinstance(_run_daemon(data), int)
    (data / "code.key").unlink()
    assert isinstance(_run_daemon(data, "--start-fresh"), int)  # explicit: a new key
    assert (data / "code.key").exists() and (data / "code.key").read_text() != key


def test_key_files_without_their_database_stop_at_start(make_harness) -> None:  # type: ignore[no-untyped-def]
    h = make_harness()
    _loaded(h)
    data = h.paths.data_dir
    h.close()
    for name in ("locker.db", "locker.db-wal", "locker.db-shm"):
        (data / name).unlink(missing_ok=True)
    line = _message(_run_daemon(data))
    assert "database" in line and "missing" in line and "backup" in line and "--start-fresh" in line
    assert not (data / "locker.db").exists()
    assert isinstance(_run_daemon(data, "--start-fresh"), int)
    assert (data / "locker.db").exists()


def test_first_start_and_lockerctl_on_a_lost_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from locker import admin_cli

    data = tmp_path / "data"
    assert isinstance(_run_daemon(data), int)  # nothing there yet: a first start
    for name in ("locker.db", "locker.db-wal", "locker.db-shm"):
        (data / name).unlink(missing_ok=True)
    with pytest.raises(SystemExit) as stop:
        admin_cli.main(["--data-dir", str(data), "staff", "list"])
    assert stop.value.code == 2 and "--start-fresh" in capsys.readouterr().err
    assert not (data / "locker.db").exists()
