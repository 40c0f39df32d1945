"""Who may take which ticket (issue 12): the kiosk channel and kiosk-only fields need the kiosk
token (or a signed-in counter), phones get only remote tickets without priority and within their
limits, and the limiter itself stays bounded."""

from __future__ import annotations

import itertools
import re
import stat
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import requests

from common.clock import ManualClock
from common.rate_limit import RateLimiter
from tests.conftest import REPO_ROOT
from tests.harness import QueueingServer, free_port
from tests.queueing.fixtures import clock_fixture, server_fixture  # noqa: F401 - fixtures
from tests.queueing.helpers import make_config

_keys = itertools.count()


def _post(
    url: str,
    body: Mapping[str, object],
    headers: dict[str, str] | None = None,
    http: requests.Session | None = None,
) -> requests.Response:
    h = {"Idempotency-Key": f"auth-{next(_keys)}", **(headers or {})}
    return (http or requests).post(f"{url}/api/v1/tickets", json=body, headers=h, timeout=10)


def test_token_file_is_private_and_the_kiosk_channel_needs_it(server: QueueingServer) -> None:
    url = server.url
    token_file = server.data_dir / "kiosk.token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    for headers in ({}, {"Authorization": "Bearer not-the-token"}, {"Authorization": "Basic eA=="}):
        r = _post(url, {"service": "ho_tich", "channel": "kiosk", "priority": "disabled"}, headers)
        assert r.status_code == 401 and r.json()["error"] == "not_kiosk", r.text
        assert "remote" in r.json()["message"]
    t = _post(url, {"service": "ho_tich", "priority": "disabled"}, server.kiosk_headers)
    assert t.status_code == 201 and t.json()["priority"] == "disabled"
    tid = t.json()["ticket_id"]
    for path, body in (("confirm", {"delivery": "printed"}), ("void", {})):
        r = requests.post(f"{url}/api/v1/tickets/{tid}/{path}", json=body, timeout=10)
        assert r.status_code == 401 and r.json()["error"] == "not_kiosk"
    assert requests.get(f"{url}/api/v1/tickets/{tid}", timeout=10).json()["state"] == "pending"
    ok = requests.post(
        f"{url}/api/v1/tickets/{tid}/confirm", json={"delivery": "printed"}, headers=server.kiosk_headers
    )
    assert ok.json()["state"] == "waiting"


def test_counter_staff_issue_on_a_citizens_behalf(server: QueueingServer) -> None:
    url = server.url
    desk = requests.Session()
    assert desk.post(f"{url}/api/v1/counter/sessions", json={"staff_id": "cb01", "pin": "1111"}).ok
    r = desk.post(
        f"{url}/api/v1/tickets",
        json={"service": "tu_phap", "priority": "pregnant", "birth_date": "1990-04-01"},
        headers={"Idempotency-Key": "desk-1"},
    )
    assert r.status_code == 201 and r.json()["priority"] == "pregnant", r.text
    tid = r.json()["ticket_id"]
    assert desk.post(f"{url}/api/v1/tickets/{tid}/confirm", json={"delivery": "printed"}).ok
    with server.app.state.queue.store.read() as conn:
        assert (
            conn.execute("SELECT device FROM tickets WHERE ticket_id = ?", (tid,)).fetchone()[0]
            == "staff:cb01"
        )


def test_a_ticket_flood_is_refused(tmp_path: Path, clock: ManualClock) -> None:
    """The attack of issue 12: 200 kiosk tickets without a credential closed a capped service for
    the day; 200 remote tickets from one address (a new device id each) are throttled."""
    with QueueingServer(make_config(), tmp_path, free_port(), clock) as srv, requests.Session() as http:
        url = srv.url
        kiosk = [_post(url, {"service": "dat_dai", "channel": "kiosk"}, http=http) for _ in range(200)]
        assert {r.status_code for r in kiosk} == {401}
        remote = [
            _post(url, {"service": "dat_dai", "channel": "remote"}, {"X-Device-Id": f"phone{i:011d}"}, http)
            for i in range(200)
        ]
        ok = [r for r in remote if r.status_code == 201]
        assert len(ok) == 3  # remote_max_per_window per address
        assert {r.json()["error"] for r in remote if r.status_code != 201} == {"throttled"}
        assert all(r.headers["Retry-After"] for r in remote if r.status_code == 429)
        svc = next(s for s in requests.get(f"{url}/api/v1/services").json() if s["code"] == "dat_dai")
        assert svc["open"] and svc["waiting"] == 3  # the daily cap (150) is far away


def test_a_remote_ticket_takes_no_priority(server: QueueingServer) -> None:
    url = server.url
    remote = {"service": "ho_tich", "channel": "remote"}
    for extra, field in (
        ({"priority": "disabled"}, "priority"),
        ({"birth_date": "1940-01-01"}, "birth_date"),
        ({"id_hash": "ab" * 16}, "id_hash"),
    ):
        for headers in ({}, server.kiosk_headers):  # not even with the kiosk token
            r = _post(url, {**remote, **extra}, headers)
            assert r.status_code == 422 and r.json()["field"] == field, r.text
    r = _post(url, {**remote, "priority": "elderly"})
    assert r.json()["error"] == "remote_priority_refused"
    assert "quầy" in r.json()["message"] and "counter" in r.json()["message"]
    assert _post(url, remote).status_code == 201  # the limits were not spent on refusals


def test_a_birth_date_over_120_years_ago_is_refused(server: QueueingServer) -> None:
    url = server.url
    r = _post(url, {"service": "ho_tich", "birth_date": "1900-01-01"}, server.kiosk_headers)
    assert r.status_code == 422 and r.json()["field"] == "birth_date" and "120" in r.json()["message"]
    # 09:00 on 5 January 2026: born 6 January 1905 is 120 years old, still accepted (elderly)
    ok = _post(url, {"service": "ho_tich", "birth_date": "1905-01-06"}, server.kiosk_headers)
    assert ok.status_code == 201 and ok.json()["priority"] == "elderly"


def test_rotating_the_token_takes_effect_at_once(server: QueueingServer) -> None:
    old = server.kiosk_headers
    done = subprocess.run(
        [sys.executable, "-m", "queueing", "kiosk-token", "rotate", "--data-dir", str(server.data_dir)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    new = server.kiosk_headers
    assert new != old and stat.S_IMODE((server.data_dir / "kiosk.token").stat().st_mode) == 0o600
    assert _post(server.url, {"service": "ho_tich"}, old).status_code == 401
    assert _post(server.url, {"service": "ho_tich"}, new).status_code == 201


def test_the_rate_limiter_forgets_idle_keys_and_stays_bounded() -> None:
    now = [0.0]
    limiter = RateLimiter(limit=2, window_s=60, max_keys=100, clock=lambda: now[0])
    for i in range(10_000):  # a client inventing a new device id for every request
        assert limiter.hit(f"device-{i}") is None
    assert len(limiter) == 100
    assert limiter.hit("d-a", "ip:one") is None and limiter.hit("d-b", "ip:one") is None
    assert limiter.hit("d-c", "ip:one") is not None  # the address is over its limit
    assert limiter.hit("d-c") is None and limiter.hit("d-c") is None  # the refusal recorded nothing
    now[0] += 61
    assert limiter.hit("device-y") is None
    assert len(limiter) == 1  # everything idle for a whole window was forgotten


def _kiosk_token(data_dir: Path, *words: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "queueing", "kiosk-token", *words, "--data-dir", str(data_dir)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_kiosk_with_its_own_token_is_named_and_shut_out_alone(
    server: QueueingServer, tmp_path: Path
) -> None:
    printed = _kiosk_token(server.data_dir, "add", "sanh-1")
    assert printed.returncode == 0, printed.stderr
    one = printed.stdout.strip()
    assert len(one) == 64 and printed.stdout.count("\n") == 1
    to_file = tmp_path / "pc2" / "kiosk.token"
    written = _kiosk_token(server.data_dir, "add", "sanh-2", "--to", str(to_file))
    assert written.returncode == 0 and str(to_file) in written.stdout, written.stderr
    two = to_file.read_text().strip()
    assert stat.S_IMODE(to_file.stat().st_mode) == 0o600 and len(two) == 64 and two != one
    registry = server.data_dir / "kiosk-tokens"
    assert stat.S_IMODE(registry.stat().st_mode) == 0o600
    assert one not in registry.read_text() and two not in registry.read_text()  # hashes only

    r = _post(server.url, {"service": "ho_tich", "priority": "disabled"}, {"Authorization": f"Bearer {one}"})
    assert r.status_code == 201 and r.json()["priority"] == "disabled", r.text
    with server.app.state.queue.store.read() as conn:
        device = conn.execute("SELECT device FROM tickets WHERE ticket_id = ?", (r.json()["ticket_id"],))
        assert device.fetchone()[0] == "kiosk:sanh-1"
    # a named kiosk's "Call staff" banner shows its own name, whatever it claims
    helped = requests.post(
        f"{server.url}/api/v1/kiosk/help",
        json={"screen": "home", "state": "requested"},
        headers={"Authorization": f"Bearer {one}", "X-Kiosk-Id": "sanh-2"},
        timeout=10,
    )
    assert helped.status_code == 200 and helped.json()["kiosk"] == "sanh-1", helped.text

    revoked = _kiosk_token(server.data_dir, "revoke", "sanh-1")
    assert revoked.returncode == 0, revoked.stderr
    refused = _post(server.url, {"service": "ho_tich"}, {"Authorization": f"Bearer {one}"})
    assert refused.status_code == 401 and refused.json()["error"] == "not_kiosk"
    for others in ({"Authorization": f"Bearer {two}"}, server.kiosk_headers):
        assert _post(server.url, {"service": "ho_tich"}, others).status_code == 201
    listed = _kiosk_token(server.data_dir, "list")
    assert "sanh-2: own token since" in listed.stdout and "sanh-1" not in listed.stdout
    assert f"shared token: {server.data_dir / 'kiosk.token'}" in listed.stdout
    # refusals: one line on stderr, exit 1, nothing changed
    before = registry.read_text()
    for words, reason in (
        (("add", "sanh-2"), "has a token already"),
        (("add", "../pc"), "is not a kiosk name"),
        (("add", "kiosk"), "shared token's name"),
        (("add", "sanh-3", "--to", str(to_file)), "exists already"),
        (("revoke", "sanh-9"), "named kiosks: sanh-2"),
    ):
        done = _kiosk_token(server.data_dir, *words)
        assert done.returncode == 1 and done.stdout == "" and reason in done.stderr, (words, done.stderr)
        assert done.stderr.count("\n") == 1
    assert registry.read_text() == before


def test_a_damaged_line_refuses_only_its_kiosk(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from queueing.kiosk_token import KioskToken, add_named

    token = KioskToken(tmp_path / "kiosk.token", tmp_path / "kiosk-tokens")
    token.load()
    good = add_named(token.named_path, "sanh-1", datetime(2026, 12, 7, tzinfo=UTC))
    bad = add_named(token.named_path, "sanh-2", datetime(2026, 12, 7, tzinfo=UTC))
    assert token.caller(good) == "kiosk:sanh-1" and token.caller(bad) == "kiosk:sanh-2"
    comment, first, second = token.named_path.read_text().splitlines()
    token.named_path.write_text(
        f"{comment}\n{first}\n{second.rsplit(' ', 1)[0]}\n"
    )  # read again when changed
    assert token.caller(good) == "kiosk:sanh-1" and token.caller(bad) is None
    token.named_path.unlink()  # no file: no named kiosk (deleting it never undoes a revocation)
    assert token.caller(good) is None and token.caller("") is None
    shared = (tmp_path / "kiosk.token").read_text().strip()
    assert token.caller(shared) == "kiosk"


def test_a_phones_device_id_is_the_pages_own_shape_and_an_address_is_never_kept(
    server: QueueingServer,
) -> None:
    sent = {
        "page": "AbCdEfGh12345678",  # what GET /remote sets (secrets.token_urlsafe(12))
        "huge": "x" * 60_000,
        "attributed": "staff:cb01",
    }  # three tickets: remote_max_per_window from one address
    stored = {}
    for name, device in sent.items():
        headers = {"X-Device-Id": device} if device else {}
        r = _post(server.url, {"service": "ho_tich", "channel": "remote"}, headers)
        assert r.status_code == 201, (name, r.text)
        with server.app.state.queue.store.read() as conn:
            row = conn.execute("SELECT device FROM tickets WHERE ticket_id = ?", (r.json()["ticket_id"],))
            stored[name] = row.fetchone()[0]
    assert stored["page"] == "AbCdEfGh12345678"
    # anything else counts by the address, kept only as a keyed hash (one key per run)
    assert stored["huge"] == stored["attributed"]
    assert re.fullmatch(r"addr:[0-9a-f]{24}", stored["huge"])  # not the address itself
