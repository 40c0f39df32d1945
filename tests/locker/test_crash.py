"""kill -9 the locker daemon at random points while loads and pickups run, 200+ times.

The simulator (in this test process, on a pty) outlives every daemon, so it keeps the true
count of pulses per lock. After the last kill a cold `python -m locker` reconciles, and then:
no deposit is lost or duplicated, no compartment holds two deposits, no pickup opened a door
twice, every pulse has its intent row, and the audit chain verifies.
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pyotp
import pytest
import requests

from common.clock import SystemClock
from drivers.gateways.sms import read_messages
from drivers.lockboard.sim import start_simulator
from locker import audit
from locker.config import StaffConfig
from locker.staff import Role, StaffDirectory
from locker.store import Store
from tests.harness import LockerProcess, LockerZygote, answers_health, cabinet_site, wait_until

KILLS = 200
LABELS = [str(n) for n in range(1, 13)]


def _site(url: str) -> dict[str, Any]:
    """Twelve compartments on board 0, loads confirmed when their door closes."""
    return cabinet_site(
        url,
        [0],
        [(lab, 0, i + 1, i // 6, i % 6) for i, lab in enumerate(LABELS)],
        bus={"poll_interval_ms": 40, "reply_timeout_ms": 100},
        doors={"auto_confirm_on_close": True},
        outbox={"poll_interval_s": 0.1},
        codes={"burst_failures": 100000},
    )


class Load:
    """Staff loading and citizens picking up, against whatever daemon is alive."""

    def __init__(self, base: str, staff_token: str, sup_token: str, kiosk_token: str, sms_dir: Path) -> None:
        self.base = base
        self.staff = {"Authorization": f"Bearer {staff_token}"}
        self.sup = {"Authorization": f"Bearer {sup_token}"}
        self.kiosk = {"Authorization": f"Bearer {kiosk_token}"}
        self.sms_dir = sms_dir
        self.stop = threading.Event()
        self.acked: dict[str, str] = {}  # dossier -> deposit_id the daemon answered with
        self.loading: set[str] = set()
        self.pickups: dict[str, list[Any]] = {}  # code -> results
        self.errors: list[str] = []
        self.withdrawn = 0
        self.last_try: dict[str, float] = {}
        self.http = requests.Session()

    def _post(self, path: str, headers: dict[str, str], body: Any = None) -> requests.Response | None:
        try:
            return self.http.post(self.base + path, json=body, headers=headers, timeout=3)
        except requests.RequestException:
            return None

    def loader(self) -> None:
        n = 0
        while not self.stop.is_set():
            dossier = f"C{n:05d}"
            r = self._post("/api/v1/deposits", self.staff, {"dossier_code": dossier, "phone": "0900000001"})
            if r is not None and r.status_code == 200:
                self.acked[dossier] = r.json()["deposit_id"]
                self.loading.add(r.json()["deposit_id"])
                n += 1
            elif r is not None and r.status_code == 409 and r.json()["error"] == "dossier_in_locker":
                n += 1  # an attempt cut short by a kill did commit: never loaded twice
            elif r is not None and r.status_code >= 500 and r.status_code != 503:
                self.errors.append(f"deposit {r.status_code} {r.text}")
            self.stop.wait(0.02)

    def janitor(self) -> None:
        """A supervisor finishing what kills interrupted: confirm, reopen, withdraw stuck items."""
        while not self.stop.wait(0.3):
            try:
                r = self.http.get(self.base + "/api/v1/deposits?state=active", headers=self.sup, timeout=3)
            except requests.RequestException:
                continue
            if r.status_code != 200:
                continue
            for d in r.json():
                dep, state = d["deposit_id"], d["state"]
                if state == "loading":
                    self._post(f"/api/v1/deposits/{dep}/confirm", self.sup)
                elif state == "reserved":
                    self._post(f"/api/v1/deposits/{dep}/reopen", self.sup)
                elif state in ("pickup_unknown", "pickup_jammed"):
                    w = self._post(f"/api/v1/deposits/{dep}/withdraw", self.sup)
                    if w is not None and w.status_code == 200:
                        self.withdrawn += 1

    def picker(self) -> None:
        while not self.stop.is_set():
            msgs = read_messages(self.sms_dir) if self.sms_dir.exists() else []
            for m in msgs:
                found = re.search(r"Ma nhan: (\d+)", m["text"])
                if not found:
                    continue
                code = found.group(1)
                tries = self.pickups.setdefault(code, [])
                if any(t not in ("conn", (503, "locker_unavailable")) for t in tries) or len(tries) >= 40:
                    continue
                if time.monotonic() - self.last_try.get(code, 0.0) < 0.25:
                    continue  # the daemon is probably being restarted: come back a little later
                self.last_try[code] = time.monotonic()
                r = self._post("/api/v1/pickups", self.kiosk, {"code": code})
                tries.append(
                    "conn" if r is None else (r.status_code, r.json().get("error") or r.json()["door"])
                )
                if r is not None and r.status_code >= 500 and r.status_code != 503:
                    self.errors.append(f"pickup {r.status_code} {r.text}")
            self.stop.wait(0.05)


@pytest.mark.slow
def test_kill_9_while_loading_and_collecting(tmp_path: Path) -> None:
    sim = start_simulator("kerong-cu16", [0], 16, auto_close_s=0.3)
    data = tmp_path / "data"
    daemon = LockerProcess(tmp_path, _site(sim.url), data_dir=data)
    base = daemon.url
    # staff account and a session made before the first start (sessions survive restarts)
    store = Store(data / "locker.db")
    store.open()
    staff = StaffDirectory(store, SystemClock(), StaffConfig(session_idle_min=30))
    staff.add("loader1", Role.LOADER, "246810")
    token, _ = staff.sign_in("loader1", "246810", pyotp.TOTP(staff.totp_secret("loader1")).now())
    staff.add("sup1", Role.SUPERVISOR, "246810")
    sup, _ = staff.sign_in("sup1", "246810", pyotp.TOTP(staff.totp_secret("sup1")).now())
    store.close()
    zygote = LockerZygote(tmp_path / "daemon.log")

    def spawn() -> int:
        return zygote.spawn(daemon)

    def gone(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False

    rng = random.Random(1234)
    pid = spawn()
    wait_until(lambda: answers_health(base), 30, "first daemon start")
    kiosk_token = (data / "kiosk.token").read_text().strip()
    load = Load(base, token, sup, kiosk_token, data / "sms")  # --data-dir holds the simulated inbox
    threads = [threading.Thread(target=f, daemon=True) for f in (load.loader, load.picker, load.janitor)]
    for t in threads:
        t.start()
    started = time.monotonic()
    kills = 0
    try:
        while kills < KILLS:
            threading.Event().wait(rng.uniform(0.05, 0.9))
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                log = (tmp_path / "daemon.log").read_text()[-2000:]
                raise AssertionError(f"the daemon died on its own after {kills} kills:\n{log}") from None
            kills += 1
            killed = pid
            wait_until(lambda: gone(killed), 10, "killed daemon to vanish")
            pid = spawn()
            assert time.monotonic() - started < 400, f"only {kills} kills in time"
        wait_until(lambda: answers_health(base), 30, "daemon after the kills")
        threading.Event().wait(2)  # let the last loads and pickups finish against a living daemon
    finally:
        load.stop.set()
        for t in threads:
            t.join(timeout=10)
        os.kill(pid, signal.SIGKILL)
        zygote.close()
    # a cold start: boot reconciliation settles whatever the last kill interrupted
    try:
        daemon.start(60)
    finally:
        daemon.stop(20)
    sim_pulses = {lab: sim.cabinet.pulses(0, int(lab)) for lab in LABELS}
    sim.close()

    assert not load.errors, load.errors[:5]
    conn = sqlite3.connect(data / "locker.db")
    conn.row_factory = sqlite3.Row
    deposits = [dict(r) for r in conn.execute("SELECT * FROM deposits")]
    by_id = {d["deposit_id"]: d for d in deposits}
    # nothing lost: every deposit the daemon acknowledged exists; nothing duplicated per dossier
    assert all(dep in by_id for dep in load.acked.values())
    dossiers = [d["dossier_code"] for d in deposits]
    assert len(dossiers) == len(set(dossiers))
    # no compartment holds two deposits
    active = [d["compartment"] for d in deposits if d["state"] not in ("collected", "withdrawn", "cancelled")]
    assert len(active) == len(set(active))
    # no door opened twice for one pickup, and no pulse without a recorded intent
    per_dep = conn.execute(
        "SELECT deposit_id, COUNT(*) FROM unlocks WHERE purpose LIKE 'pickup%' GROUP BY deposit_id"
    )
    assert all(n == 1 for _, n in per_dep)
    for lab in LABELS:
        rows = conn.execute("SELECT state FROM unlocks WHERE compartment=?", (lab,)).fetchall()
        sent = [r for r in rows if r[0] in ("opened", "already_open", "jammed")]
        assert len(sent) <= sim_pulses[lab] <= len(rows), (lab, sim_pulses[lab], len(rows))
    assert not conn.execute("SELECT 1 FROM unlocks WHERE state='intent'").fetchall()
    collected = [d for d in deposits if d["state"] == "collected"]
    for d in collected:
        assert (
            conn.execute("SELECT COUNT(*) FROM pickups WHERE deposit_id=?", (d["deposit_id"],)).fetchone()[0]
            == 1
        )
    # a code that opened a door never opened another one
    opened = [t for tries in load.pickups.values() for t in tries if t != "conn" and t[0] == 200]
    print("pickup outcomes:", sorted({str(t) for tries in load.pickups.values() for t in tries}))
    assert (
        len(opened)
        <= len(collected)
        + conn.execute(
            "SELECT COUNT(*) FROM deposits WHERE state IN ('pickup_jammed','pickup_unknown')"
        ).fetchone()[0]
    )
    assert audit.verify(conn).ok
    conn.close()
    states: dict[str, int] = {}
    for d in deposits:
        states[d["state"]] = states.get(d["state"], 0) + 1
    print(
        f"\n{kills} kills in {time.monotonic() - started:.0f} s: {len(deposits)} deposits {states}, "
        f"{sum(sim_pulses.values())} pulses, {len(load.pickups)} codes tried, {load.withdrawn} withdrawn"
    )
    assert len(collected) >= 20, "the load did not get far enough to mean anything"
