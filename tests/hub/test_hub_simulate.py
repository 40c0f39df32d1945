"""`python -m hub.simulate` fills a running hub with simulated centers through its API."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import requests

from tests.conftest import REPO_ROOT
from tests.harness import HubProcess
from tests.hub.conftest import bearer


def test_simulated_province(database_url: str, tmp_path: Path) -> None:
    with HubProcess(database_url, tmp_path) as hub:
        run = subprocess.run(
            [sys.executable, "-m", "hub.simulate", "--url", hub.url, "--centers", "3",
             "--database", database_url, "--day", "2026-01-05", "--days", "3"],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        reader = run.stdout.strip()
        got = requests.get(f"{hub.url}/api/v1/overview", params={"day": "2026-01-05"}, headers=bearer(reader))
        centers = got.json()["centers"]
        trend = requests.get(
            f"{hub.url}/api/v1/centers/SIM-0001/trends", params={"from": "2026-01-03", "to": "2026-01-05"},
            headers=bearer(reader),
        ).json()["rows"]  # fmt: skip
        devices = requests.get(f"{hub.url}/api/v1/devices", headers=bearer(reader)).json()
        lockers = {
            c["center_id"]: requests.get(
                f"{hub.url}/api/v1/centers/{c['center_id']}/trends",
                params={"from": "2026-01-03", "to": "2026-01-05"}, headers=bearer(reader),
            ).json()["rows"]
            for c in centers
        }  # fmt: skip
    # Saturday, Sunday (closed), Monday
    assert [r["tickets_issued"] > 0 for r in trend] == [True, False, True]
    assert all(r["deposits_loaded"] >= 1 for r in (trend[0], trend[2]))
    assert {d["device"] for d in devices} >= {"queueing", "locker", "board main/1", "kiosk k1 printer"}
    assert [c["center_id"] for c in centers] == ["SIM-0001", "SIM-0002", "SIM-0003"]
    for c in centers:
        assert c["status"] == "online" and c["tickets_issued"] >= 70
        assert 0.85 * c["tickets_issued"] <= c["tickets_served"] < c["tickets_issued"]
        assert 60 < c["mean_wait_s"] < 3600 and 1 <= c["mean_rating"] <= 5
        # the heartbeat's compartment count gives each locker a share, kept full but never over
        assert 24 <= c["lockers_total"] <= 60 and 0 <= c["lockers_out_of_service"] <= 2
        assert 0 < c["locker_occupancy"] <= 1, c
        # results leave as they come: collected on the days shown at least half of those loaded
        loaded = sum(r["deposits_loaded"] for r in lockers[c["center_id"]])
        assert 0.5 * loaded <= sum(r["deposits_collected"] for r in lockers[c["center_id"]]) <= 1.5 * loaded
