"""Staff TOTP secrets encrypted at rest (AES-GCM under staff.key, staff id as associated data)."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyotp
import pytest

from common.clock import ManualClock
from common.sealed import KeyFileError
from locker import admin_cli, audit
from locker.config import StaffConfig
from locker.staff import Role, StaffDirectory
from locker.store import Store
from tests.harness import free_port
from tests.locker.conftest import PIN, Harness

REPO = Path(__file__).resolve().parents[2]


def _db_bytes(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (db, db.with_name(db.name + "-wal")) if p.exists())


def _sign_in(h: Harness, staff_id: str, secret: str) -> int:
    h.clock.advance(30)
    totp = pyotp.TOTP(secret).at(h.clock.now())
    r = h.req("POST", "/api/v1/staff/sessions", json={"staff_id": staff_id, "pin": PIN, "totp": totp})
    assert r.status_code in (200, 401), r.text
    return r.status_code


def test_secret_not_in_database_and_sign_in_after_restart(h: Harness) -> None:
    secret = h.add_staff("loader1", Role.LOADER)
    key = h.paths.data_dir / "staff.key"
    assert (key.stat().st_mode & 0o777) == 0o600
    assert secret.encode() not in _db_bytes(h.paths.db)
    with h.svc.store.read() as conn:
        stored = conn.execute("SELECT totp_secret FROM staff WHERE staff_id='loader1'").fetchone()[0]
        dump = "\n".join(conn.iterdump())
    assert stored.startswith("aesgcm1:") and secret not in dump
    assert _sign_in(h, "loader1", secret) == 200
    h.restart()
    assert _sign_in(h, "loader1", secret) == 200


def _legacy_db(db: Path, rows: list[tuple[str, str, str]]) -> None:
    """A database as last week's version left it: TOTP secrets in clear, no staff.key."""
    from common.pins import hash_pin

    store = Store(db)
    store.open()
    with store.tx() as conn:
        for staff_id, role, secret in rows:
            conn.execute(
                "INSERT INTO staff(staff_id, role, pin_hash, totp_secret, created_at) VALUES (?,?,?,?,?)",
                (staff_id, role, hash_pin(PIN), secret, 1767225600.0),  # 2026-01-01T00:00:00Z
            )
    store.close()


def test_clear_rows_from_an_old_database_are_migrated(tmp_path: Path, make_harness: Any) -> None:
    legacy = pyotp.random_base32()
    _legacy_db(tmp_path / "h0" / "data" / "locker.db", [("old1", "supervisor", legacy)])
    h = make_harness()  # starts on that data directory (tmp_path/h0)
    assert (h.paths.data_dir / "staff.key").exists()
    assert legacy.encode() not in _db_bytes(h.paths.db)
    with h.svc.store.read() as conn:
        actions = [r["action"] for r in audit.query(conn, None, None, None)]
    assert "staff_secrets_encrypted" in actions
    assert _sign_in(h, "old1", legacy) == 200  # the authenticator app the person has keeps working
    h.restart()  # a second start finds nothing left to migrate
    assert _sign_in(h, "old1", legacy) == 200


def test_swapped_rows_fail(h: Harness) -> None:
    a = h.add_staff("loader1", Role.LOADER)
    b = h.add_staff("sup1", Role.SUPERVISOR)
    with h.svc.store.tx() as conn:
        sa = conn.execute("SELECT totp_secret FROM staff WHERE staff_id='loader1'").fetchone()[0]
        sb = conn.execute("SELECT totp_secret FROM staff WHERE staff_id='sup1'").fetchone()[0]
        conn.execute("UPDATE staff SET totp_secret=? WHERE staff_id='loader1'", (sb,))
        conn.execute("UPDATE staff SET totp_secret=? WHERE staff_id='sup1'", (sa,))
    # neither the owner's nor the other account's authenticator opens a moved secret
    for staff_id, secret in (("loader1", a), ("loader1", b), ("sup1", b), ("sup1", a)):
        assert _sign_in(h, staff_id, secret) == 401
    r = h.req("POST", "/api/v1/staff/sessions", json={"staff_id": "sup1", "pin": PIN, "totp": "000000"})
    assert r.status_code == 401 and r.json()["error"] == "bad_credentials"


def _store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "locker.db")
    store.open()
    return store


def test_missing_or_wrong_key_is_a_clear_start_up_error(tmp_path: Path) -> None:
    store = _store(tmp_path)
    clock = ManualClock()
    try:
        StaffDirectory(store, clock, StaffConfig()).add("sup1", Role.SUPERVISOR, PIN)
        key = tmp_path / "staff.key"
        original = key.read_text()
        key.unlink()
        with pytest.raises(KeyFileError) as err:
            StaffDirectory(store, clock, StaffConfig())
        text = str(err.value)
        assert "staff.key" in text and "is missing" in text and "restore" in text.lower()
        assert "lockerctl staff reset-key" in text and "reenrol" in text
        assert not key.exists()  # never silently replaced: the sealed secrets need the old one
        key.write_text("ab" * 32 + "\n")
        with pytest.raises(KeyFileError) as err:
            StaffDirectory(store, clock, StaffConfig())
        assert "does not open" in str(err.value)
        key.write_text("not hex\n")
        with pytest.raises(KeyFileError) as err:
            StaffDirectory(store, clock, StaffConfig())
        assert "damaged" in str(err.value)
        key.write_text(original)
        StaffDirectory(store, clock, StaffConfig())  # the right key again: fine
    finally:
        store.close()


def _lockerctl(data: Path, *args: str, stdin: str = "", monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return admin_cli.main(["--data-dir", str(data), *args])


def test_daemon_and_lockerctl_refuse_to_start_without_the_key_then_recover(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    assert _lockerctl(data, "staff", "add", "sup1", "--role", "supervisor", "--pin-stdin",
                      stdin=PIN + "\n", monkeypatch=monkeypatch) == 0  # fmt: skip
    first_uri = capsys.readouterr().out.strip()
    assert first_uri.startswith("otpauth://totp/")  # still printed once, in clear, at enrolment
    (data / "staff.key").unlink()
    r = subprocess.run(
        [sys.executable, "-m", "locker", "--data-dir", str(data), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert r.returncode == 2, r.stderr
    assert "staff key file" in r.stderr and "reset-key" in r.stderr and "Traceback" not in r.stderr
    assert _lockerctl(data, "staff", "list", monkeypatch=monkeypatch) == 2
    assert "staff key file" in capsys.readouterr().err
    # recovery when the key is really lost: a new key, then each account re-enrols
    assert _lockerctl(data, "staff", "reset-key", monkeypatch=monkeypatch) == 2  # needs --yes
    assert _lockerctl(data, "staff", "reset-key", "--yes", monkeypatch=monkeypatch) == 0
    assert "1 account" in capsys.readouterr().out
    assert _lockerctl(data, "staff", "reenrol", "sup1", monkeypatch=monkeypatch) == 0
    uri = capsys.readouterr().out.strip()
    assert uri.startswith("otpauth://totp/") and uri != first_uri
    new_secret = uri.split("secret=")[1].split("&")[0]
    store = Store(data / "locker.db")
    store.open()
    try:
        clock = ManualClock()
        staff = StaffDirectory(store, clock, StaffConfig(), data / "staff.key")
        old_secret = first_uri.split("secret=")[1].split("&")[0]
        with pytest.raises(Exception, match="wrong"):
            staff.sign_in("sup1", PIN, pyotp.TOTP(old_secret).at(clock.now()))
        token, sess = staff.sign_in("sup1", PIN, pyotp.TOTP(new_secret).at(clock.now()))
        assert token and sess.role is Role.SUPERVISOR
    finally:
        store.close()


def test_key_is_not_in_the_database(tmp_path: Path) -> None:
    store = _store(tmp_path)
    try:
        StaffDirectory(store, ManualClock(), StaffConfig()).add("sup1", Role.SUPERVISOR, PIN)
        key = (tmp_path / "staff.key").read_text().strip()
    finally:
        store.close()
    conn = sqlite3.connect(tmp_path / "locker.db")
    try:
        assert key not in "\n".join(conn.iterdump())
    finally:
        conn.close()


def test_staff_key_path_follows_the_code_key_unless_configured(tmp_path: Path) -> None:
    from locker.config import LockerConfig
    from locker.daemon import data_paths

    cfg = LockerConfig(code_key_file=str(tmp_path / "keys" / "code.key"))
    assert cfg.staff_key_path() == tmp_path / "keys" / "staff.key"
    assert data_paths(cfg, None).staff_key == tmp_path / "keys" / "staff.key"
    assert data_paths(cfg, str(tmp_path / "d")).staff_key == tmp_path / "d" / "staff.key"
    own = LockerConfig(staff_key_file=str(tmp_path / "elsewhere.key"))
    assert own.staff_key_path() == tmp_path / "elsewhere.key"


def test_supervisor_reenrols_a_lost_authenticator_over_the_api(h: Harness) -> None:
    old = h.add_staff("loader1", Role.LOADER)
    loader = h.sign_in("loader1")
    sup = h.sign_in("sup1", Role.SUPERVISOR)
    assert h.req("POST", "/api/v1/staff/loader1/reenrol", loader).status_code == 403
    r = h.req("POST", "/api/v1/staff/nobody/reenrol", sup)
    assert r.status_code == 404 and r.json()["error"] == "unknown_staff"
    r = h.req("POST", "/api/v1/staff/loader1/reenrol", sup)
    assert r.status_code == 200 and r.json()["otpauth_uri"].startswith("otpauth://totp/")
    new = r.json()["otpauth_uri"].split("secret=")[1].split("&")[0]
    assert h.req("GET", "/api/v1/staff/whoami", loader).status_code == 401  # its sessions ended
    assert _sign_in(h, "loader1", old) == 401
    assert _sign_in(h, "loader1", new) == 200
    assert new.encode() not in _db_bytes(h.paths.db)
