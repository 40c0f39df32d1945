"""The heartbeat's device states: read by the uplink from the real services' health answers (the
queueing service; the locker on its simulated boards, with a kiosk's printer out of paper, a
kiosk's screen out of service and back) and kept by the hub as the latest per center, with since
when."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests

from common.clock import ManualClock
from tests.harness import MONDAY_9AM, HubServer, QueueingServer, free_port
from tests.hub.conftest import bearer, site_file, tokens
from tests.locker.conftest import Harness
from tests.locker.conftest import make_config as locker_config
from tests.queueing.helpers import make_config
from tests.queueing.test_queue_api import issue
from uplink.config import load_setup
from uplink.devices import from_health, waiting_from_health
from uplink.sender import Uplink

LOCKER_HEALTH: dict[str, Any] = {
    "status": "degraded",
    "buses": [
        {"bus": "main", "connected": True, "state": "connected", "boards": {"1": "ok", "2": "unreachable"}},
        {"bus": "annex", "connected": False, "state": "reconnecting", "boards": {}},
    ],
    "alarms_open": 2,
    "kiosk_devices": {"k1": {"printer": "paper_out"}, "k2": {"screen": "out_of_service"}},
}


def test_device_states_from_a_health_answer() -> None:
    assert from_health("locker", LOCKER_HEALTH) == {
        "locker": "degraded",
        "bus main": "ok",
        "board main/1": "ok",
        "board main/2": "unreachable",
        "bus annex": "reconnecting",
        "kiosk k1 printer": "paper_out",
        "kiosk k2 screen": "out_of_service",
    }
    assert from_health("queueing", None) == {"queueing": "unreachable"}
    assert from_health("queueing", {"status": "failed", "problem": "x"}) == {"queueing": "failed"}
    assert waiting_from_health({"status": "ok", "waiting": 3}) == 3
    assert waiting_from_health({"waiting": True}) is None and waiting_from_health(None) is None


def test_heartbeat_carries_the_services_devices(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    t = tokens(database_url, "C1")
    queue_dir = tmp_path / "queue"
    locker = Harness(tmp_path / "locker", locker_config())
    try:
        with (
            HubServer(database_url, clock) as hub,
            QueueingServer(make_config(), queue_dir, free_port(), ManualClock(MONDAY_9AM)) as center,
        ):
            for _ in range(3):
                issue(center.url, "ho_tich")
            reported = locker.kiosk(
                "POST", "/api/v1/kiosk/devices", json={"device": "printer", "state": "paper_out"}
            )
            assert reported.status_code == 200, reported.text
            site = site_file(tmp_path, hub.url, t["C1"], "C1", queue_dir, locker.paths.data_dir)
            with site.open("a", encoding="utf-8") as f:
                f.write(f'\n[kiosk]\nqueueing_url = "{center.url}"\nlocker_url = "{locker.base}"\n')
            uplink = Uplink(load_setup(site))
            # the hub's token goes to the hub only, never to the center's services
            assert "Authorization" in uplink.http.headers
            assert "Authorization" not in uplink.devices.http.headers
            try:
                uplink.heartbeat()
            finally:
                uplink.close()
            got = requests.get(f"{hub.url}/api/v1/centers", headers=bearer(t["reader"]), timeout=10).json()
    finally:
        locker.close()
    devices = got[0]["devices"]
    assert got[0]["waiting_now"] == 3
    assert devices["queueing"] == "ok" and devices["locker"] == "ok"
    boards = {k: v for k, v in devices.items() if k.startswith("board ")}
    assert boards and set(boards.values()) <= {"ok", "unknown"}, devices
    kiosk = [k for k in devices if k.startswith("kiosk ")]
    assert len(kiosk) == 1 and kiosk[0].endswith(" printer") and devices[kiosk[0]] == "paper_out"
    assert got[0]["devices_since"][kiosk[0]] == "2026-01-05T02:00:00Z"


def test_a_kiosk_out_of_service_reaches_the_hub_and_clears_when_back(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    t = tokens(database_url, "C2")
    locker = Harness(tmp_path / "locker", locker_config())
    screen = {"device": "screen", "state": "out_of_service", "detail": "queueing"}

    def beat() -> dict[str, Any]:
        uplink = Uplink(load_setup(site))
        try:
            uplink.heartbeat()
        finally:
            uplink.close()
        got = requests.get(
            f"{hub.url}/api/v1/devices", params={"not_ok": "true"}, headers=bearer(t["reader"]), timeout=10
        )
        assert got.status_code == 200, got.text
        return {d["device"]: d for d in got.json() if d["device"].startswith("kiosk ")}

    try:
        with HubServer(database_url, clock) as hub:
            site = site_file(tmp_path, hub.url, t["C2"], "C2", tmp_path / "no-queue", locker.paths.data_dir)
            with site.open("a", encoding="utf-8") as f:
                f.write(f'\n[kiosk]\nlocker_url = "{locker.base}"\n')
            # only the screen takes in/out of service, and the screen takes nothing else
            for wrong in ({"device": "screen", "state": "ok"}, {"device": "printer", "state": "in_service"}):
                refused = locker.kiosk("POST", "/api/v1/kiosk/devices", json=wrong)
                assert refused.status_code == 422, refused.text
            reported = locker.kiosk("POST", "/api/v1/kiosk/devices", json=screen)
            assert reported.status_code == 200, reported.text
            health = locker.req("GET", "/api/v1/health").json()
            assert list(health["kiosk_devices"].values()) == [{"screen": "out_of_service"}]
            out = beat()
            assert len(out) == 1, out
            [(name, row)] = out.items()
            assert name.endswith(" screen") and row["state"] == "out_of_service"
            assert row["since"].startswith("2026-01-05T02:00:00")
            back = locker.kiosk("POST", "/api/v1/kiosk/devices", json={**screen, "state": "in_service"})
            assert back.status_code == 200, back.text
            assert beat() == {}
    finally:
        locker.close()
