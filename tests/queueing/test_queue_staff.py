"""Counter staff accounts (issue 12): hashed PINs in the database, created by a command; a
lockout that holds under concurrency and across restarts, and that strangers' tries cannot turn
against the browser the person works at; one scrypt per sign-in whoever the id is; supervisors
alone take over a held counter; demo PINs never on a LAN address."""

from __future__ import annotations

import re
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

import common.pins
from common.clock import ManualClock
from common.config import ConfigError
from queueing.config import load_config
from queueing.errors import QueueError
from queueing.staff_accounts import SIGNINS_AT_ONCE, StaffAccounts, demo_refusal, ensure_schema
from queueing.store import Store
from tests.conftest import REPO_ROOT
from tests.harness import MONDAY_9AM, QueueingServer, free_port, queueing_site
from tests.queueing.fixtures import clock_fixture, server_fixture  # noqa: F401 - fixtures
from tests.queueing.helpers import make_config

SESSIONS = "/api/v1/counter/sessions"


def _sign_in(
    url: str, staff_id: str, pin: str, counter: int | None = None, **extra: Any
) -> requests.Response:
    body: dict[str, Any] = {"staff_id": staff_id, "pin": pin, **extra}
    if counter is not None:
        body["counter"] = counter
    return requests.post(url + SESSIONS, json=body, timeout=30)


def _run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "queueing", *args],
        cwd=REPO_ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_demo_pins_on_a_lan_address_refuse_to_start(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    # a LAN bind needs public_base_url too (its own one-line refusal): set, so the demo check speaks
    site.write_text(queueing_site(make_config(public_base_url="http://192.168.1.10:8720")), encoding="utf-8")
    t0 = time.monotonic()
    done = _run(
        "--config", str(site), "--host", "0.0.0.0", "--port", str(free_port()), "--data-dir", str(tmp_path)
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "cb01" in lines[0] and "demo_staff = []" in lines[0]
    assert "python -m queueing staff add" in lines[0]
    assert time.monotonic() - t0 < 30 and not (tmp_path / "queue.sqlite3").exists()  # never served


def test_the_shipped_site_example_has_no_demo_account() -> None:
    example = load_config(REPO_ROOT / "config" / "site.example.toml")
    assert example.host == "0.0.0.0" and example.demo_staff == [] and demo_refusal(example) is None
    simulated = load_config(None)
    assert simulated.demo_staff and demo_refusal(simulated) is None  # loopback: fine
    assert demo_refusal(simulated.model_copy(update={"host": "192.168.1.10"}))


def test_pins_in_a_config_file_are_refused_with_the_command_to_use(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text('[[queueing.staff]]\nstaff_id = "a"\nname = "A"\npin = "4821"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="python -m queueing staff add"):
        load_config(site)


def test_accounts_are_made_by_the_command_and_stored_hashed(tmp_path: Path, clock: ManualClock) -> None:
    data = tmp_path / "data"
    site = tmp_path / "site.toml"
    site.write_text(queueing_site(make_config(demo_staff=[])), encoding="utf-8")
    common = ("--config", str(site), "--data-dir", str(data))
    demo_pin = _run(*common, "staff", "add", "nv07", "--name", "Phạm Thu", "--pin-stdin", stdin="1111\n")
    assert demo_pin.returncode == 1 and "demo PIN" in demo_pin.stderr
    assert _run(*common, "staff", "add", "nv07", "--name", "Phạm Thu").returncode == 2  # PIN never on argv
    added = _run(
        *common, "staff", "add", "nv07", "--name", "Phạm Thu", "--supervisor", "--pin-stdin", stdin="4821\n"
    )
    assert added.returncode == 0, added.stderr
    other = _run(*common, "staff", "add", "nv08", "--name", "Hà", "--pin-stdin", stdin="5930\n")
    assert other.returncode == 0, other.stderr
    listed = _run(*common, "staff", "list").stdout
    assert "nv07" in listed and "supervisor" in listed and "nv08" in listed
    raw = b"".join(p.read_bytes() for p in data.glob("queue.sqlite3*"))
    assert b"scrypt$" in raw
    # the hashes' hex digits may spell a PIN by chance (~1 run in 100): look outside them
    outside = re.sub(rb"scrypt\$[0-9a-f]+\$[0-9a-f]+", b"", raw)
    assert b"4821" not in outside and b"5930" not in outside
    cfg = make_config(demo_staff=[])
    with QueueingServer(cfg, data, free_port(), clock) as srv:
        assert _sign_in(srv.url, "cb01", "1111").status_code == 401  # no demo account here
        assert _sign_in(srv.url, "nv07", "4821", 1).json()["supervisor"] is True
        assert _run(*common, "staff", "disable", "nv07").returncode == 0
        assert requests.get(srv.url + "/api/v1/counter", timeout=10).status_code == 401
        assert _sign_in(srv.url, "nv07", "4821").status_code == 401
        assert _run(*common, "staff", "enable", "nv07").returncode == 0
        assert _run(*common, "staff", "reset-pin", "nv08", "--pin-stdin", stdin="6042\n").returncode == 0
        assert _sign_in(srv.url, "nv08", "5930").status_code == 401
        assert _sign_in(srv.url, "nv08", "6042").status_code == 200


def _tried(answers: list[requests.Response]) -> list[int]:
    """The statuses of the sign-ins that were tried: past `SIGNINS_AT_ONCE` in flight a sign-in is
    answered 429 `throttled` at once, counted nowhere."""
    throttled = [a for a in answers if a.status_code == 429 and a.json()["error"] == "throttled"]
    assert all(int(a.headers["Retry-After"]) > 0 for a in throttled)
    return [a.status_code for a in answers if a not in throttled]


def _until_locked(tried: list[int], attempt: Callable[[], requests.Response]) -> None:
    """Finish a burst of wrong PINs that the throttle thinned (only so many are in progress at
    once): one by one until the fifth judged one locks. Of the burst, only 401s came before the
    lock and only 429s after it."""
    judged = tried.count(401)
    assert judged <= 5 and tried == [401] * judged + [429] * (len(tried) - judged)
    assert judged == 5 or judged == len(tried)  # a 429 only once five were judged
    for _ in range(5 - judged):
        assert attempt().status_code == 401
    locked = attempt()
    assert locked.status_code == 429 and locked.json()["error"] == "too_many_attempts", locked.text


def test_concurrent_wrong_pins_lock_the_account_and_a_restart_keeps_it(tmp_path: Path) -> None:
    """32 wrong PINs at once: 5 are judged (check and record in one transaction), the rest refused
    as locked; the lock is in the database, so a restart does not lift it."""
    clock = ManualClock(MONDAY_9AM)
    with QueueingServer(make_config(), tmp_path, free_port(), clock) as srv:
        with ThreadPoolExecutor(32) as pool:
            tried = _tried(list(pool.map(lambda _: _sign_in(srv.url, "cb02", "9999"), range(32))))
        _until_locked(sorted(tried), lambda: _sign_in(srv.url, "cb02", "9999"))
        locked = _sign_in(srv.url, "cb02", "2222")
        assert locked.status_code == 429 and locked.json()["error"] == "too_many_attempts"
        assert int(locked.headers["Retry-After"]) > 0
    with sqlite3.connect(tmp_path / "queue.sqlite3") as db:
        failed = db.execute("SELECT failed_signins FROM staff WHERE staff_id = 'cb02'").fetchone()[0]
        assert failed == 5  # tries refused as locked are not guesses: not counted
    with QueueingServer(make_config(), tmp_path, free_port(), clock) as srv:
        assert _sign_in(srv.url, "cb02", "2222").status_code == 429
        assert _sign_in(srv.url, "cb01", "1111").status_code == 200  # only that account
        clock.advance(301)  # signin_lockout_s
        assert _sign_in(srv.url, "cb02", "2222").status_code == 200
        assert _sign_in(srv.url, "cb02", "9999").status_code == 401  # a fresh count


def test_each_lockout_without_a_sign_in_between_is_twice_as_long(tmp_path: Path) -> None:
    """A guesser waiting out each lockout gets 5 tries per lockout, the lockouts doubling (300 s,
    600 s, 1,200 s, ... up to a day): not 1,440 tries a day. A sign-in starts the count again."""
    clock = ManualClock(MONDAY_9AM)
    with QueueingServer(make_config(), tmp_path, free_port(), clock) as srv:
        for lockout in (300, 600, 1200, 2400):
            answers = [_sign_in(srv.url, "cb02", "9999").status_code for _ in range(6)]
            assert answers == [401] * 5 + [429], lockout
            clock.advance(lockout - 5)
            assert _sign_in(srv.url, "cb02", "2222").status_code == 429  # still locked
            clock.advance(10)
        assert _sign_in(srv.url, "cb02", "2222").status_code == 200
        assert [_sign_in(srv.url, "cb02", "9999").status_code for _ in range(6)] == [401] * 5 + [429]
        clock.advance(301)  # the first lockout's length again
        assert _sign_in(srv.url, "cb02", "2222").status_code == 200


def test_a_flood_of_sign_ins_is_turned_away_instead_of_holding_the_workers(tmp_path: Path) -> None:
    """Past `SIGNINS_AT_ONCE` sign-ins in progress, one more is answered 429 `throttled` at once
    (nothing counted), so waiting sign-ins never hold the threads the kiosk's tickets need; a
    browser the account signed in from before has slots of its own, so strangers keeping the
    others busy never turn the counter PC away."""
    clock = ManualClock(MONDAY_9AM)
    with QueueingServer(make_config(), tmp_path, free_port(), clock) as srv:
        counter_pc = requests.Session()
        body = {"staff_id": "cb01", "pin": "1111"}
        assert counter_pc.post(srv.url + SESSIONS, json=body, timeout=30).status_code == 200
        slots = srv.app.state.desk.staff.accounts._signins
        for _ in range(SIGNINS_AT_ONCE):  # as if that many strangers were hashing or waiting now
            assert slots.acquire(blocking=False)
        try:
            busy = _sign_in(srv.url, "cb01", "1111")
            assert busy.status_code == 429 and busy.json()["error"] == "throttled", busy.text
            assert "thử lại sau vài giây" in busy.json()["message"]
            assert counter_pc.post(srv.url + SESSIONS, json=body, timeout=30).status_code == 200
        finally:
            for _ in range(SIGNINS_AT_ONCE):
                slots.release()
        assert _sign_in(srv.url, "cb01", "1111").status_code == 200
    with sqlite3.connect(tmp_path / "queue.sqlite3") as db:
        assert db.execute("SELECT failed_signins FROM staff WHERE staff_id = 'cb01'").fetchone()[0] == 0


def test_strangers_wrong_pins_do_not_lock_out_the_browser_the_person_works_at(tmp_path: Path) -> None:
    """A phone on the LAN that sends wrong PINs for an account locks only unknown browsers out of
    it; the counter PC where the person signed in before (its `qstaffdevice` cookie) still signs
    in, and its own wrong PINs lock that browser alone (32 at once count 32 there too)."""
    clock = ManualClock(MONDAY_9AM)
    with QueueingServer(make_config(), tmp_path, free_port(), clock) as srv:
        counter_pc, other_pc = requests.Session(), requests.Session()
        for browser in (counter_pc, other_pc):
            first = browser.post(srv.url + SESSIONS, json={"staff_id": "cb02", "pin": "2222"}, timeout=30)
            assert first.status_code == 200
        cookie = next(c for c in counter_pc.cookies if c.name == "qstaffdevice")
        assert cookie.path == SESSIONS and cookie.has_nonstandard_attr("HttpOnly")
        assert re.search(
            r"qstaffdevice=[^;]+;.*Max-Age=7776000.*SameSite=strict", first.headers["set-cookie"]
        )

        with ThreadPoolExecutor(32) as pool:  # the stranger: no cookie
            stranger = _tried(list(pool.map(lambda _: _sign_in(srv.url, "cb02", "9999"), range(32))))
        _until_locked(sorted(stranger), lambda: _sign_in(srv.url, "cb02", "9999"))
        assert _sign_in(srv.url, "cb02", "2222").status_code == 429  # unknown browsers: locked
        forged = requests.post(
            srv.url + SESSIONS,
            json={"staff_id": "cb02", "pin": "2222"},
            cookies={"qstaffdevice": "A" * 43},  # well-formed, never issued
            timeout=30,
        )
        assert forged.status_code == 429
        again = counter_pc.post(srv.url + SESSIONS, json={"staff_id": "cb02", "pin": "2222"}, timeout=30)
        assert again.status_code == 200  # the counter PC is not locked out

        def wrong_at_counter_pc(_: int) -> requests.Response:
            body = {"staff_id": "cb02", "pin": "9999"}
            return counter_pc.post(srv.url + SESSIONS, json=body, timeout=30)

        with ThreadPoolExecutor(32) as pool:  # its own wrong PINs lock that browser
            own = _tried(list(pool.map(wrong_at_counter_pc, range(32))))
        _until_locked(sorted(own), lambda: wrong_at_counter_pc(0))
        right = {"staff_id": "cb02", "pin": "2222"}
        assert counter_pc.post(srv.url + SESSIONS, json=right, timeout=30).status_code == 429
        assert other_pc.post(srv.url + SESSIONS, json=right, timeout=30).status_code == 200
        # the cookie is trusted for the accounts that signed in with it, not for cb01
        assert (
            counter_pc.post(
                srv.url + SESSIONS, json={"staff_id": "cb01", "pin": "1111"}, timeout=30
            ).status_code
            == 200
        )
    with sqlite3.connect(tmp_path / "queue.sqlite3") as db:
        rows = db.execute(
            "SELECT staff_id, failed_signins, locked_until IS NOT NULL FROM staff_devices ORDER BY 1, 2"
        ).fetchall()
        assert rows == [("cb01", 0, 0), ("cb02", 0, 0), ("cb02", 5, 1)]
        assert db.execute("SELECT failed_signins FROM staff WHERE staff_id = 'cb02'").fetchone()[0] == 5
        audit = db.execute("SELECT data FROM staff_audit WHERE action = 'signin_locked'").fetchall()
        assert sorted('"device": true' in data for (data,) in audit) == [False, True]
    with QueueingServer(make_config(), tmp_path, free_port(), clock) as srv:  # a restart keeps both
        assert _sign_in(srv.url, "cb02", "2222").status_code == 429
        assert other_pc.post(srv.url + SESSIONS, json=right, timeout=30).status_code == 200
        clock.advance(91 * 86_400)  # signin_device_trust_days: the browser is unknown again
        assert _sign_in(srv.url, "cb02", "9999").status_code == 401
        assert other_pc.post(srv.url + SESSIONS, json=right, timeout=30).status_code == 200


def test_with_device_trust_off_every_wrong_pin_counts_against_the_account(tmp_path: Path) -> None:
    clock = ManualClock(MONDAY_9AM)
    with QueueingServer(make_config(signin_device_trust_days=0), tmp_path, free_port(), clock) as srv:
        counter_pc = requests.Session()
        right = {"staff_id": "cb02", "pin": "2222"}
        answer = counter_pc.post(srv.url + SESSIONS, json=right, timeout=30)
        assert answer.status_code == 200 and "qstaffdevice" not in answer.headers["set-cookie"]
        for _ in range(5):
            assert _sign_in(srv.url, "cb02", "9999").status_code == 401
        assert counter_pc.post(srv.url + SESSIONS, json=right, timeout=30).status_code == 429


def test_a_pin_reset_forgets_the_trusted_browsers(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.sqlite3", checkpoint_every_s=0)
    store.open()
    try:
        ensure_schema(store)
        cfg = make_config()
        accounts = StaffAccounts(store, ManualClock(MONDAY_9AM), cfg)
        accounts.sync_demo(cfg.demo_staff)
        accounts.add("an01", "Nguyễn Văn An", "482915", supervisor=False)

        def trusted() -> int:
            with store.read() as conn:
                return int(
                    conn.execute("SELECT count(*) FROM staff_devices WHERE staff_id = 'an01'").fetchone()[0]
                )

        with store.tx() as conn:
            device = accounts.signed_in(conn, "an01", None)
        assert device is not None and trusted() == 1
        accounts.reset_pin("an01", "739164")
        assert trusted() == 0
    finally:
        store.close()


def test_every_sign_in_costs_one_scrypt_whoever_the_id_is(tmp_path: Path, monkeypatch: Any) -> None:
    store = Store(tmp_path / "q.sqlite3", checkpoint_every_s=0)
    store.open()
    try:
        ensure_schema(store)
        cfg = make_config(signin_max_failures=100)  # the repeated tries below lock nobody else
        accounts = StaffAccounts(store, ManualClock(MONDAY_9AM), cfg)
        accounts.sync_demo(cfg.demo_staff)
        with store.tx() as conn:  # cb02 locked out
            conn.execute("UPDATE staff SET failed_signins = 100, locked_until = 9e18 WHERE staff_id = 'cb02'")
        accounts.set_active("cb03", False)
        calls: list[int] = []
        real = common.pins._scrypt

        def counting(pin: str, salt: bytes) -> bytes:
            calls.append(1)
            return real(pin, salt)

        monkeypatch.setattr(common.pins, "_scrypt", counting)
        cases = {
            "unknown": ("nobody", "1111"),
            "known, wrong PIN": ("cb01", "0000"),
            "known, right PIN": ("cb01", "1111"),
            "locked": ("cb02", "2222"),
            "disabled": ("cb03", "3333"),
            "malformed id": ("'; DROP TABLE staff; --", "1"),
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(5):
            for name, (staff_id, pin) in cases.items():
                calls.clear()
                t0 = time.perf_counter()
                try:
                    accounts.verify(staff_id, pin)
                except QueueError:
                    pass
                times[name].append(time.perf_counter() - t0)
                assert len(calls) == 1, (name, len(calls))
        medians = {name: statistics.median(t) for name, t in times.items()}
        # before issue 12: unknown ~62 ms, known ~33 ms, locked ~3 ms; now one scrypt each
        assert max(medians.values()) < 2.5 * min(medians.values()), medians
    finally:
        store.close()


def test_only_a_supervisor_takes_over_a_held_counter(server: QueueingServer, clock: ManualClock) -> None:
    url = server.url
    holder = requests.Session()
    assert holder.post(url + SESSIONS, json={"staff_id": "cb01", "pin": "1111", "counter": 1}).ok
    for extra in ({}, {"take_over": True}):  # cb02 is no supervisor: asking changes nothing
        r = _sign_in(url, "cb02", "2222", 1, **extra)
        assert r.status_code == 409 and r.json()["error"] == "counter_taken", r.text
        assert r.json()["held_by"] == "cb01" and r.json()["can_take_over"] is False
        assert r.json()["message"].startswith("Quầy 1")
    assert holder.get(url + "/api/v1/counter").json()["staff_id"] == "cb01"
    asked = _sign_in(url, "cb03", "3333", 1)
    assert asked.status_code == 409 and asked.json()["can_take_over"] is True
    taken = _sign_in(url, "cb03", "3333", 1, take_over=True)
    assert taken.status_code == 200, taken.text
    assert holder.get(url + "/api/v1/counter").status_code == 401  # the holder's session ended
    with server.app.state.queue.store.read() as conn:
        row = conn.execute(
            "SELECT actor, data FROM staff_audit WHERE action = 'counter_taken_over'"
        ).fetchone()
    assert row is not None and row["actor"] == "cb03" and '"from_staff": "cb01"' in row["data"]
    # a holder whose session ran out holds nothing
    clock.advance(11 * 3600)  # session_hours = 10
    assert _sign_in(url, "cb02", "2222", 1).status_code == 200


def test_demo_accounts_left_in_the_database_go_when_the_config_drops_them(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.sqlite3", checkpoint_every_s=0)
    store.open()
    try:
        ensure_schema(store)
        accounts = StaffAccounts(store, ManualClock(MONDAY_9AM), make_config())
        accounts.sync_demo(make_config().demo_staff)
        accounts.add("nv01", "Real Person", "4821", supervisor=False)
        assert {r.staff_id for r in accounts.listing()} == {"cb01", "cb02", "cb03", "nv01"}
        accounts.sync_demo([])
        assert [r.staff_id for r in accounts.listing()] == ["nv01"]
    finally:
        store.close()
