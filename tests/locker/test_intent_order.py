"""Intent before pulse, under concurrency: the board never sees an unlock frame for a pickup
whose intent row is not committed, even with 8 kiosks at once (their intents share group
commits), and a kill -9 at the very moment a frame arrives leaves that intent on disk.

The simulator runs in this test process and looks into the daemon's database (a separate,
read-only connection: it sees only what is committed) each time an unlock frame reaches it,
before applying the pulse. At the k-th frame of a round it kills the daemon with SIGKILL. After
each kill the database must hold a committed `intent` for every pulse the board received; after
the restarts, boot reconciliation settles them (door seen open -> collected), nothing is pulsed
twice, and the audit chain verifies.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from common.sealed import read_or_create_secret
from drivers.lockboard.codec import RequestKind
from drivers.lockboard.sim import start_simulator
from locker import audit
from locker.codes import CodeBook
from locker.store import Store
from tests.harness import LockerProcess, cabinet_site, free_port, kiosk_headers

BOARDS = [0, 1]
ROUNDS = [(0, range(1, 9), 1), (0, range(9, 17), 5), (1, range(1, 9), 8)]  # board, locks, kill at k-th frame


def _label(board: int, lock: int) -> str:
    return f"{board}-{lock}"


def _site(url: str) -> dict[str, Any]:
    """Both boards' 16 locks as compartments; a load waits for staff to confirm it."""
    return cabinet_site(
        url,
        BOARDS,
        [(_label(b, lk), b, lk, b * 2 + (lk - 1) // 8, (lk - 1) % 8) for b in BOARDS for lk in range(1, 17)],
        bus={"poll_interval_ms": 200},
        doors={"auto_confirm_on_close": False},
    )


def _seed(data: Path, board: int, locks: range) -> dict[str, str]:
    """Loaded deposits with known codes (written while the daemon is down)."""
    codes = CodeBook(read_or_create_secret(data / "code.key"), 6)
    store = Store(data / "locker.db")
    store.open()
    now = datetime.now(UTC).timestamp()
    out: dict[str, str] = {}
    with store.tx() as conn:
        for lock in locks:
            label = _label(board, lock)
            code = f"{board}{lock:02d}" + "135"
            out[label] = code
            conn.execute(
                "INSERT INTO deposits(deposit_id, dossier_code, phone, compartment, size, state, code_digest,"
                " expires_at, created_by, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    f"d{label}",
                    f"HS-{label}",
                    "+84900000001",
                    label,
                    "small",
                    "code_sent",
                    codes.digest(code),
                    datetime(2999, 1, 1, tzinfo=UTC).timestamp(),
                    "test",
                    now,
                    now,
                ),
            )
    store.close()
    return out


def _daemon(tmp: Path, site: dict[str, Any], data: Path, port: int) -> LockerProcess:
    """`python -m locker` as a child process (killed with SIGKILL by the simulator), started."""
    base = f"http://127.0.0.1:{port}"
    # ours, not another suite's server that took the free port first: it takes our kiosk token
    # (health shows the bus URL to staff only)
    daemon = LockerProcess(tmp, site, data_dir=data, port=port, ready=lambda: _health(base, data))
    daemon.start()
    return daemon


def _health(base: str, data: Path) -> bool:
    try:
        r = requests.get(base + "/api/v1/kiosk/config", headers=kiosk_headers(data), timeout=1)
        return r.status_code == 200 and requests.get(base + "/api/v1/health", timeout=1).status_code == 200
    except (OSError, requests.RequestException):
        return False


@pytest.mark.slow
def test_no_pulse_leaves_before_its_intent_is_committed_even_killed_at_that_frame(tmp_path: Path) -> None:
    # doors stay open after the pulse, so boot reconciliation sees them open
    sim = start_simulator("kerong-cu16", BOARDS, 16, auto_close_s=None)
    data = tmp_path / "data"
    db = data / "locker.db"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    site = _site(sim.url)
    frames: list[str] = []
    violations: list[Any] = []
    kill_at = {"n": 0}
    daemon: dict[str, LockerProcess] = {}
    orig_handle = sim.cabinet.handle

    def handle(kind: RequestKind, board: int, lock: int | None, value: int | None = None) -> Any:
        if kind is RequestKind.UNLOCK and lock is not None:
            label = _label(board, lock)
            ro = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
            try:
                row = ro.execute(
                    "SELECT u.state, d.state FROM unlocks u JOIN deposits d ON d.deposit_id = u.deposit_id"
                    " WHERE u.compartment=? AND u.purpose='pickup' ORDER BY u.unlock_id DESC LIMIT 1",
                    (label,),
                ).fetchone()
            finally:
                ro.close()
            if row is None or tuple(row) != ("intent", "pickup_opening"):
                violations.append((label, row))
            frames.append(label)
            if len(frames) == kill_at["n"]:
                daemon["now"].kill()  # the frame is on the wire; the daemon dies right here
        return orig_handle(kind, board, lock, value)

    sim.cabinet.handle = handle  # type: ignore[method-assign]
    pulsed_per_round: list[set[str]] = []
    try:
        data.mkdir(parents=True)
        for board, locks, k in ROUNDS:
            codes = _seed(data, board, locks)
            daemon["now"] = _daemon(tmp_path, site, data, port)
            kiosk = kiosk_headers(data)
            before = len(frames)
            kill_at["n"] = before + k
            start = threading.Barrier(len(codes))

            def pickup(code: str, start: threading.Barrier = start, kiosk: dict[str, str] = kiosk) -> None:
                start.wait(10)
                try:
                    requests.post(base + "/api/v1/pickups", json={"code": code}, headers=kiosk, timeout=10)
                except requests.RequestException:
                    pass  # the daemon was killed under it

            threads = [threading.Thread(target=pickup, args=(c,)) for c in codes.values()]
            for t in threads:
                t.start()
            for t in threads:
                t.join(20)
            daemon["now"].kill()  # if the k-th frame never came (it always should), kill here
            assert len(frames) >= before + k, f"only {len(frames) - before} frames in round {board}/{k}"
            pulsed = set(frames[before:])
            pulsed_per_round.append(pulsed)
            # after the crash: every pulse the board received has its intent on disk
            conn = sqlite3.connect(db)
            intents = {r[0] for r in conn.execute("SELECT compartment FROM unlocks WHERE purpose='pickup'")}
            conn.close()
            assert pulsed <= intents, pulsed - intents
        daemon["now"] = _daemon(tmp_path, site, data, port)  # boot reconciliation settles the last round
        daemon["now"].kill()
    finally:
        if "now" in daemon:
            daemon["now"].kill()
        sim.close()
    assert not violations, violations
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    for pulsed in pulsed_per_round:
        for label in pulsed:
            state = conn.execute("SELECT state FROM deposits WHERE compartment=?", (label,)).fetchone()[0]
            assert state == "collected", (label, state)  # the door was seen open at reconciliation
    assert sorted(frames) == sorted(set(frames)), "a door was pulsed twice"
    per_dep = conn.execute("SELECT deposit_id, COUNT(*) FROM unlocks GROUP BY deposit_id").fetchall()
    assert all(n == 1 for _dep, n in per_dep)
    assert not conn.execute("SELECT 1 FROM unlocks WHERE state='intent'").fetchall()
    assert audit.verify(conn).ok
    conn.close()
