"""Locker occupancy as a share: the locker's health says how many compartments it has (and how
many are out of service), the uplink's heartbeat carries it, the hub keeps it per center and shows
"in use / in service" in the overview, the centers API and the CSV file; a center without a
locker has no share (not 0 %)."""

from __future__ import annotations

from pathlib import Path

import requests

from common.clock import ManualClock
from tests.hub.conftest import DAY, HubServer, bearer, site_file, tokens
from tests.hub.test_hub_api import ev, post
from tests.hub.test_hub_fleet import beat, read_csv
from tests.locker.conftest import Harness
from tests.locker.conftest import make_config as locker_config
from uplink.config import load_setup
from uplink.devices import compartments_from_health
from uplink.sender import Uplink


def overview(hub: HubServer, reader: str) -> dict[str, dict[str, object]]:
    got = requests.get(f"{hub.url}/api/v1/overview", params={"day": DAY}, headers=bearer(reader), timeout=10)
    assert got.status_code == 200, got.text
    return {c["center_id"]: c for c in got.json()["centers"]}


def test_occupancy_share_in_overview_centers_and_csv(hub: HubServer, database_url: str) -> None:
    t = tokens(database_url, "C1", "C2")
    post(hub, t["C1"], [ev(i, "deposit.loaded", size="M") for i in (1, 2, 3)], stream="locker")
    beat(hub, t["C1"], locker_compartments={"total": 40, "out_of_service": 2})
    beat(hub, t["C2"])  # no locker at C2
    rows = overview(hub, t["reader"])
    assert {k: rows["C1"][k] for k in ("lockers_in_use", "lockers_total", "lockers_out_of_service")} == {
        "lockers_in_use": 3,
        "lockers_total": 40,
        "lockers_out_of_service": 2,
    }
    assert rows["C1"]["locker_occupancy"] == round(3 / 38, 3)
    assert rows["C2"]["lockers_total"] is None and rows["C2"]["locker_occupancy"] is None
    # a heartbeat that does not say (the locker did not answer) keeps the last size heard
    beat(hub, t["C1"])
    assert overview(hub, t["reader"])["C1"]["lockers_total"] == 40
    centers = requests.get(f"{hub.url}/api/v1/centers", headers=bearer(t["reader"]), timeout=10).json()
    c1 = next(c for c in centers if c["center_id"] == "C1")
    assert (c1["lockers_in_use"], c1["lockers_total"], c1["locker_occupancy"]) == (3, 40, round(3 / 38, 3))
    assert next(c for c in centers if c["center_id"] == "C2")["locker_occupancy"] is None
    table = read_csv(
        requests.get(f"{hub.url}/api/v1/overview.csv", params={"day": DAY}, headers=bearer(t["reader"]))
    )
    assert table[0][-3:] == ["Tổng số ngăn tủ / Locker compartments",
                             "Ngăn tủ ngừng dùng / Compartments out of service",
                             "Tỷ lệ ngăn tủ đang dùng (%) / Locker occupancy (%)"]  # fmt: skip
    assert table[1][-4:] == ["3", "40", "2", "7.9"]
    assert table[2][-4:] == ["0", "", "", ""]  # no locker: empty, not 0 %


def test_a_bad_compartment_count_is_refused(hub: HubServer, database_url: str) -> None:
    t = tokens(database_url, "C1")
    for bad in ({"total": 4, "out_of_service": 5}, {"total": -1}, {"out_of_service": 1}):
        r = requests.post(
            f"{hub.url}/api/v1/heartbeat",
            json={"locker_compartments": bad},
            headers=bearer(t["C1"]),
            timeout=10,
        )
        assert r.status_code == 422, r.text
    assert compartments_from_health({"compartments": {"total": True}}) is None
    assert compartments_from_health({"status": "ok"}) is None  # an older locker: nothing said
    assert compartments_from_health(None) is None


def test_the_real_lockers_size_reaches_the_hub(database_url: str, tmp_path: Path, clock: ManualClock) -> None:
    t = tokens(database_url, "C1")
    comps = [{**c.model_dump(), "disabled": c.label == "8"} for c in locker_config().compartments]
    locker = Harness(tmp_path / "locker", locker_config(compartments=comps))
    try:
        health = locker.req("GET", "/api/v1/health").json()
        assert health["compartments"] == {"total": 8, "out_of_service": 1}
        with HubServer(database_url, clock) as hub:
            site = site_file(tmp_path, hub.url, t["C1"], "C1", tmp_path / "no-queue", locker.paths.data_dir)
            with site.open("a", encoding="utf-8") as f:
                f.write(f'\n[kiosk]\nlocker_url = "{locker.base}"\n')
            uplink = Uplink(load_setup(site))
            try:
                uplink.heartbeat()
            finally:
                uplink.close()
            row = overview(hub, t["reader"])["C1"]
    finally:
        locker.close()
    assert (row["lockers_total"], row["lockers_out_of_service"], row["locker_occupancy"]) == (8, 1, 0.0)
