"""The central catalogue on the hub (real PostgreSQL, real HTTP): supervisors with PIN + TOTP and
lockout, versions and ETags per center, overrides, audit; center and reader tokens edit nothing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pyotp
import pytest
import requests

from common.clock import ManualClock
from common.config import load_raw, section
from hub.supervisors import add_supervisor, open_box, revoke_supervisor
from tests.conftest import REPO_ROOT
from tests.harness import HubServer
from tests.hub.conftest import bearer, tokens

PIN = "246810"


def catalogue(**changes: Any) -> dict[str, Any]:
    """The shipped services and hours as a catalogue, with changes."""
    q = section(load_raw(), "queueing")
    doc = {"services": [dict(s) for s in q["services"]], "hours": dict(q["hours"]), "holidays": []}
    doc.update(changes)
    return doc


def key_file(tmp: Path) -> Path:
    """The test's key file sealing supervisors' TOTP secrets (never the working tree's var/hub)."""
    return tmp / "supervisor.key"


@pytest.fixture
def hub(database_url: str, clock: ManualClock, tmp_path: Path) -> Iterator[HubServer]:
    """A hub on a fresh database, in a thread, its supervisor key in the test's tmp dir."""
    with HubServer(database_url, clock, catalogue={"key_file": str(key_file(tmp_path))}) as h:
        yield h


def supervisor(database_url: str, tmp: Path, name: str = "sv01") -> str:
    """Create a supervisor; returns its TOTP secret."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        uri = add_supervisor(conn, open_box(key_file(tmp)), name, PIN)
    return str(pyotp.parse_uri(uri).secret)


def sign_in(
    hub: HubServer, clock: ManualClock, secret: str, name: str = "sv01", **body: Any
) -> requests.Response:
    code = pyotp.TOTP(secret).at(clock.now())
    return requests.post(
        f"{hub.url}/api/v1/supervisor/sign-in",
        json={"name": name, "pin": PIN, "totp": code, **body},
        timeout=10,
    )


def session(hub: HubServer, clock: ManualClock, secret: str) -> dict[str, str]:
    r = sign_in(hub, clock, secret)
    assert r.status_code == 200, r.text
    return bearer(r.json()["token"])


def pull(hub: HubServer, token: str, etag: str | None = None) -> requests.Response:
    headers = {**bearer(token), **({"If-None-Match": etag} if etag else {})}
    return requests.get(f"{hub.url}/api/v1/catalogue", headers=headers, timeout=10)


def test_edit_version_etag_and_overrides(
    hub: HubServer, database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    t = tokens(database_url, "C1", "C2")
    sv = session(hub, clock, supervisor(database_url, tmp_path))
    assert pull(hub, t["C1"]).status_code == 404  # nothing published: the center keeps its own
    assert requests.get(f"{hub.url}/api/v1/catalogue/all", headers=sv).json()["version"] == 0
    saved = requests.put(
        f"{hub.url}/api/v1/catalogue/all", json={"document": catalogue(), "base_version": 0}, headers=sv
    )
    assert saved.status_code == 200, saved.text
    v1 = saved.json()["version"]
    first = pull(hub, t["C1"])
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert first.json()["etag"] == etag.strip('"') and first.json()["version"] == v1
    assert pull(hub, t["C1"], etag).status_code == 304
    c2_etag = pull(hub, t["C2"]).headers["ETag"]
    assert c2_etag == etag  # the same catalogue for both
    # C1 gets its own holidays; C2's catalogue (and ETag) does not change
    over = requests.put(
        f"{hub.url}/api/v1/catalogue/centers/C1",
        json={"document": {"holidays": ["2026-04-30", "2026-05-01"]}, "base_version": 0},
        headers=sv,
    )
    assert over.status_code == 200, over.text
    c1 = pull(hub, t["C1"], etag)
    assert c1.status_code == 200 and c1.json()["catalogue"]["holidays"] == ["2026-04-30", "2026-05-01"]
    assert c1.json()["catalogue"]["services"] == pull(hub, t["C2"]).json()["catalogue"]["services"]
    assert pull(hub, t["C2"], c2_etag).status_code == 304
    # an editor who read version v1 cannot overwrite a newer change unseen
    stale = requests.put(
        f"{hub.url}/api/v1/catalogue/all", json={"document": catalogue(), "base_version": 0}, headers=sv
    )
    assert stale.status_code == 409 and "reload" in stale.json()["message"]
    # removing the override: C1 serves the province's again (the first ETag)
    removed = requests.post(
        f"{hub.url}/api/v1/catalogue/centers/C1/remove",
        json={"base_version": over.json()["version"]},
        headers=sv,
    )
    assert removed.status_code == 200, removed.text
    assert pull(hub, t["C1"], etag).status_code == 304
    trail = requests.get(f"{hub.url}/api/v1/catalogue/audit", headers=sv).json()
    assert [(a["action"], a["actor"], a["scope"]) for a in trail[:3]] == [
        ("clear_center", "sv01", "C1"),
        ("set_center", "sv01", "C1"),
        ("set_all", "sv01", "*"),
    ]
    assert (
        trail[1]["after"] == {"holidays": ["2026-04-30", "2026-05-01"]}
        and trail[1]["detail"] == "changed: holidays"
    )


def test_a_bad_catalogue_is_not_saved_and_says_why(
    hub: HubServer, database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    tokens(database_url, "C1")
    sv = session(hub, clock, supervisor(database_url, tmp_path))
    bad = catalogue()
    bad["services"][1]["prefix"] = "A"  # the first service's prefix
    r = requests.put(f"{hub.url}/api/v1/catalogue/all", json={"document": bad}, headers=sv)
    assert r.status_code == 422 and "share a prefix" in r.json()["message"]
    partial = catalogue()
    del partial["hours"]
    r = requests.put(f"{hub.url}/api/v1/catalogue/all", json={"document": partial}, headers=sv)
    assert r.status_code == 422 and "hours: Field required" in r.json()["message"]
    wrong = catalogue()
    wrong["services"][0]["prefix"] = "a1"
    r = requests.put(f"{hub.url}/api/v1/catalogue/all", json={"document": wrong}, headers=sv)
    assert r.status_code == 422 and "services.0.prefix" in r.json()["message"]
    r = requests.put(
        f"{hub.url}/api/v1/catalogue/centers/NOPE", json={"document": {"holidays": []}}, headers=sv
    )
    assert r.status_code == 422 and "no center 'NOPE'" in r.json()["message"]
    r = requests.put(f"{hub.url}/api/v1/catalogue/centers/C1", json={"document": {}}, headers=sv)
    assert r.status_code == 422 and "at least one of" in r.json()["message"]
    # values no center could run on (a cut-off past any day, a blank name, a holiday of year 1)
    for field, value, where in (
        ("last_ticket_before_close_min", 10**12, "services.0.last_ticket_before_close_min"),
        ("daily_cap_tickets", 10**30, "services.0.daily_cap_tickets"),
        ("name_vi", "   ", "services.0.name_vi"),
        ("name_vi", "Hộ\u0000tịch", "services.0.name_vi"),
    ):
        odd = catalogue()
        odd["services"][0][field] = value
        r = requests.put(f"{hub.url}/api/v1/catalogue/all", json={"document": odd}, headers=sv)
        assert r.status_code == 422 and where in r.json()["message"], (field, r.text)
    for days in (["0001-01-01"], ["9999-12-31"]):
        r = requests.put(
            f"{hub.url}/api/v1/catalogue/all", json={"document": catalogue(holidays=days)}, headers=sv
        )
        assert r.status_code == 422 and "holidays.0" in r.json()["message"], r.text
    assert requests.get(f"{hub.url}/api/v1/catalogue/all", headers=sv).json()["version"] == 0


def test_center_and_reader_tokens_cannot_edit(
    hub: HubServer, database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    t = tokens(database_url, "C1")
    body = {"document": catalogue()}
    for token in (t["C1"], t["reader"]):
        r = requests.put(f"{hub.url}/api/v1/catalogue/all", json=body, headers=bearer(token))
        assert r.status_code == 403, r.text
        assert requests.get(f"{hub.url}/api/v1/catalogue/audit", headers=bearer(token)).status_code == 403
    assert requests.put(f"{hub.url}/api/v1/catalogue/all", json=body).status_code == 401
    # a reader cannot pull a center's catalogue nor report for one
    assert pull(hub, t["reader"]).status_code == 403
    status = {"etag": "x", "version": 1, "outcome": "applied"}
    assert (
        requests.post(
            f"{hub.url}/api/v1/catalogue/status", json=status, headers=bearer(t["reader"])
        ).status_code
        == 403
    )
    # a supervisor's session is not a center token either
    sv = session(hub, clock, supervisor(database_url, tmp_path))
    assert requests.get(f"{hub.url}/api/v1/catalogue", headers=sv).status_code == 401
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM catalogue").fetchone() == (0,)


def test_wrong_totp_locks_out_and_a_code_signs_in_once(
    hub: HubServer, database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    secret = supervisor(database_url, tmp_path)
    for _ in range(4):
        assert sign_in(hub, clock, secret, totp="000000").status_code == 401
    assert sign_in(hub, clock, secret).status_code == 200  # the 5th try is right: the count resets
    clock.advance(30)
    for _ in range(5):
        r = sign_in(hub, clock, secret, totp="000000")
        assert r.status_code == 401 and r.json()["error"] == "bad_credentials"
    clock.advance(30)
    locked = sign_in(hub, clock, secret)  # right PIN and code, but locked
    assert locked.status_code == 401 and "locked" in locked.json()["message"]
    clock.advance(15 * 60)
    ok = sign_in(hub, clock, secret)
    assert ok.status_code == 200
    assert sign_in(hub, clock, secret).status_code == 401  # the same code twice: refused
    # wrong PIN counts too; an unknown name gets the same answer
    r = requests.post(
        f"{hub.url}/api/v1/supervisor/sign-in", json={"name": "nobody", "pin": PIN, "totp": "123456"}
    )
    assert r.status_code == 401 and r.json()["message"] == locked.json()["message"]
    # the session ends after session_min (30) and at sign-out
    token = ok.json()["token"]
    assert requests.get(f"{hub.url}/api/v1/catalogue/all", headers=bearer(token)).status_code == 200
    assert requests.post(f"{hub.url}/api/v1/supervisor/sign-out", headers=bearer(token)).status_code == 204
    assert requests.get(f"{hub.url}/api/v1/catalogue/all", headers=bearer(token)).status_code == 401
    clock.advance(30)
    later = sign_in(hub, clock, secret).json()["token"]
    clock.advance(31 * 60)
    assert requests.get(f"{hub.url}/api/v1/catalogue/all", headers=bearer(later)).status_code == 401
    with psycopg.connect(database_url) as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM catalogue_audit ORDER BY id")]
    assert actions.count("locked_out") == 1 and actions.count("signed_in") == 3


def test_strangers_failures_do_not_lock_a_supervisor_out_of_the_browsers_they_use(
    hub: HubServer, database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    """Wrong codes from an unknown browser lock only unknown browsers out of the account; a browser
    where the supervisor signed in before (its `hubdevice` cookie) still signs in, and its own
    failures lock that browser alone."""
    secret = supervisor(database_url, tmp_path)
    office, laptop = requests.Session(), requests.Session()

    def attempt(browser: Any, totp: str | None = None) -> int:
        code = totp or pyotp.TOTP(secret).at(clock.now())
        body = {"name": "sv01", "pin": PIN, "totp": code}
        status = int(browser.post(f"{hub.url}/api/v1/supervisor/sign-in", json=body, timeout=10).status_code)
        clock.advance(30)  # a code signs in once: the next try gets the next one
        return status

    assert attempt(office) == 200 and attempt(laptop) == 200
    cookie = next(c for c in office.cookies if c.name == "hubdevice")
    assert cookie.path == "/api/v1/supervisor/sign-in" and cookie.has_nonstandard_attr("HttpOnly")
    assert [attempt(requests, "000000") for _ in range(5)] == [401] * 5  # a stranger
    assert attempt(requests) == 401  # unknown browsers: locked, even with the right code
    assert attempt(office) == 200  # the office PC is not
    assert [attempt(laptop, "000000") for _ in range(5)] == [401] * 5
    assert attempt(laptop) == 401  # the laptop locked itself out...
    assert attempt(office) == 200  # ...and only itself
    with psycopg.connect(database_url) as conn:
        details = [
            r[0] for r in conn.execute("SELECT detail FROM catalogue_audit WHERE action = 'locked_out'")
        ]
        assert [d.split(" until ")[0] for d in details] == ["unknown browsers", "this browser"]
        assert conn.execute("SELECT count(*) FROM supervisor_devices").fetchone() == (2,)
        revoke_supervisor(conn, "sv01")
        assert conn.execute("SELECT count(*) FROM supervisor_devices").fetchone() == (0,)


def test_cli_supervisor_add_reset_revoke(database_url: str, clock: ManualClock, tmp_path: Path) -> None:
    def run(*args: str, pin: str | None = "135791") -> subprocess.CompletedProcess[str]:
        cmd = [
            sys.executable,
            "-m",
            "hub",
            "--database",
            database_url,
            "--data-dir",
            str(tmp_path),
            "supervisor",
        ]
        cmd += list(args) + (["--pin-stdin"] if pin is not None else [])
        return subprocess.run(
            cmd, input=f"{pin}\n", capture_output=True, text=True, cwd=REPO_ROOT, timeout=60
        )

    out = run("add", "tinh.sv")
    assert out.returncode == 0, out.stderr
    uri = out.stdout.strip()
    assert uri.startswith("otpauth://totp/") and "tinh.sv" in uri and len(out.stdout.splitlines()) == 1
    secret = str(pyotp.parse_uri(uri).secret)
    again = run("add", "tinh.sv")
    assert again.returncode == 2 and "exists already" in again.stderr
    short = run("add", "x", pin="12")
    assert short.returncode == 2 and "6-12 digits" in short.stderr
    no_stdin = run("add", "y", pin=None)
    assert no_stdin.returncode == 2 and "--pin-stdin" in no_stdin.stderr
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT pin_hash, totp_secret FROM supervisors WHERE name = 'tinh.sv'").fetchone()
    assert row is not None and row[0].startswith("scrypt$") and "135791" not in row[0]
    assert row[1].startswith("aesgcm1:") and secret not in row[1]  # sealed under the key file
    assert (tmp_path / "supervisor.key").stat().st_mode & 0o777 == 0o600
    # the hub serving from that data dir signs the account in
    with HubServer(database_url, clock, data_dir=str(tmp_path)) as hub:
        code = pyotp.TOTP(secret).at(clock.now())
        body = {"name": "tinh.sv", "pin": "135791", "totp": code}
        signed = requests.post(f"{hub.url}/api/v1/supervisor/sign-in", json=body, timeout=10)
        assert signed.status_code == 200, signed.text
        token = bearer(signed.json()["token"])
        # revoked: its session ends and it signs in no more; reset: a new PIN and secret
        assert run("revoke", "tinh.sv", pin=None).returncode == 0
        assert requests.get(f"{hub.url}/api/v1/catalogue/all", headers=token, timeout=10).status_code == 401
        clock.advance(30)
        body["totp"] = pyotp.TOTP(secret).at(clock.now())
        assert requests.post(f"{hub.url}/api/v1/supervisor/sign-in", json=body, timeout=10).status_code == 401
        reset = run("reset", "tinh.sv", pin="975310")
        assert reset.returncode == 0, reset.stderr
        clock.advance(30)
        new_secret = str(pyotp.parse_uri(reset.stdout.strip()).secret)
        body = {"name": "tinh.sv", "pin": "975310", "totp": pyotp.TOTP(new_secret).at(clock.now())}
        assert requests.post(f"{hub.url}/api/v1/supervisor/sign-in", json=body, timeout=10).status_code == 200
    with psycopg.connect(database_url) as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM catalogue_audit ORDER BY id")]
    want = ["supervisor_added", "signed_in", "supervisor_revoked", "signin_failed", "supervisor_reset"]
    assert actions == [*want, "signed_in"]
