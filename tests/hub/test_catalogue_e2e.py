"""The central catalogue end to end: a supervisor edits it on the hub (real PostgreSQL), the real
`python -m uplink` pulls it (ETag), the queueing service applies it to the next ticket; a
catalogue that does not fit the center is refused there, reported to the hub, and the center
keeps serving with the last good one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyotp
import pytest
import requests

from common.clock import ManualClock, SystemClock
from queueing.catalogue import AUDIT_FILE, read_good
from queueing.config import load_config
from tests.harness import (
    MONDAY_9AM,
    HubServer,
    QueueingProcess,
    QueueingServer,
    UplinkProcess,
    free_port,
    wait_until,
)
from tests.hub.conftest import bearer, site_file, tokens
from tests.hub.test_catalogue_api import PIN, catalogue, key_file, session, supervisor
from tests.queueing.helpers import make_config
from tests.queueing.test_catalogue_apply import catalogue_of
from tests.queueing.test_queue_api import issue

CENTER = "HN-TEST"


def center_status(hub: HubServer, sv: dict[str, str]) -> dict[str, Any]:
    rows = requests.get(f"{hub.url}/api/v1/catalogue/centers", headers=sv, timeout=10).json()
    return dict(next(r for r in rows if r["center_id"] == CENTER))


def put_all(hub: HubServer, sv: dict[str, str], document: dict[str, Any]) -> None:
    r = requests.put(f"{hub.url}/api/v1/catalogue/all", json={"document": document}, headers=sv, timeout=10)
    assert r.status_code == 200, r.text


@pytest.mark.slow
def test_an_edit_reaches_the_next_ticket_and_a_bad_one_is_refused(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    t = tokens(database_url, CENTER)
    secret = supervisor(database_url, tmp_path)
    queue_dir = tmp_path / "queue"
    with HubServer(database_url, clock, catalogue={"key_file": str(key_file(tmp_path))}) as hub:
        sv = session(hub, clock, secret)
        site = site_file(tmp_path, hub.url, t[CENTER], CENTER, queue_dir, catalogue_interval_s=0.2)
        with (
            QueueingServer(load_config(site), queue_dir, free_port(), ManualClock(MONDAY_9AM)) as center,
            UplinkProcess(site, tmp_path) as uplink,
        ):
            assert issue(center.url, "ho_tich")["number"] == "A001"
            good = catalogue()
            good["services"][0].update(
                prefix="H", name_vi="Hộ tịch – Khai sinh", name_en="Civil status – Births"
            )
            put_all(hub, sv, good)

            def stored() -> str | None:
                held = read_good(queue_dir)
                return str(held["etag"]) if held else None

            def reported(outcome: str) -> bool:
                return center_status(hub, sv)["outcome"] == outcome

            try:
                wait_until(
                    lambda: stored() == center_status(hub, sv)["serves_etag"], 30, "catalogue at the center"
                )
                wait_until(lambda: reported("applied"), 30, "applied reported to the hub")
            except AssertionError:
                raise AssertionError(uplink.log_path.read_text()[-3000:]) from None
            good_etag = stored()
            center.app.state.catalogue.poll()  # what the service's sweeper does every 5 s
            assert issue(center.url, "ho_tich")["number"] == "H001"

            # counter 1 serves ho_tich: a catalogue without it is valid on the hub, not at this center
            bad = catalogue()
            bad["services"] = [s for s in bad["services"] if s["code"] != "ho_tich"]
            put_all(hub, sv, bad)
            try:
                wait_until(lambda: reported("refused"), 30, "refusal reported to the hub")
            except AssertionError:
                raise AssertionError(uplink.log_path.read_text()[-3000:]) from None
            status = center_status(hub, sv)
            assert "counter 1 serves unknown service 'ho_tich'" in status["reason"]
            assert status["etag"] == status["serves_etag"] != good_etag
            assert stored() == good_etag  # the last good one stays
            assert center.app.state.catalogue.poll() is False
            assert issue(center.url, "ho_tich")["number"] == "H002"
            assert "refused, keeping the last good one" in uplink.log_path.read_text()
        trail = requests.get(f"{hub.url}/api/v1/catalogue/audit", headers=sv, timeout=10).json()
    actions = [(a["actor"], a["action"]) for a in trail]
    assert (f"center:{CENTER}", "center_refused") in actions and (
        f"center:{CENTER}",
        "center_applied",
    ) in actions
    center_audit = [json.loads(x) for x in (queue_dir / AUDIT_FILE).read_text().splitlines()]
    assert [(a["actor"], a["action"]) for a in center_audit] == [
        ("uplink", "accepted"),
        ("queueing", "applied"),
        ("uplink", "refused"),
    ]


@pytest.mark.slow
def test_real_processes_apply_without_restart_and_keep_the_last_good_one_across_one(
    database_url: str, tmp_path: Path
) -> None:
    """`python -m queueing` and `python -m uplink` as processes (real clock): the service's own
    sweeper applies the pulled catalogue; after a refusal and a restart it still serves the last
    good one."""
    t = tokens(database_url, CENTER)
    secret = supervisor(database_url, tmp_path)
    config = make_config(data_dir=str(tmp_path / "data"))  # open all day: the test runs at any hour
    with HubServer(database_url, SystemClock(), catalogue={"key_file": str(key_file(tmp_path))}) as hub:
        code = pyotp.TOTP(secret).now()
        signed = requests.post(
            f"{hub.url}/api/v1/supervisor/sign-in",
            json={"name": "sv01", "pin": PIN, "totp": code},
            timeout=10,
        )
        assert signed.status_code == 200, signed.text
        sv = bearer(signed.json()["token"])
        center = QueueingProcess(config, tmp_path, free_port())
        token_file = tmp_path / "hub.token"
        token_file.write_text(t[CENTER] + "\n", encoding="utf-8")
        with center.site.open("a", encoding="utf-8") as site:
            site.write(
                f'\n[hub]\nurl = "{hub.url}"\ncenter_id = "{CENTER}"\ntoken_file = "{token_file}"\n'
                "catalogue_interval_s = 0.2\nsend_interval_s = 0.2\nretry_min_s = 0.1\nretry_max_s = 0.5\n"
                f'\n[locker]\ndata_dir = "{tmp_path / "no-locker"}"\n'
            )
        with center, UplinkProcess(center.site, tmp_path) as uplink:
            assert issue(center.url, "ho_tich")["number"] == "A001"
            good = catalogue_of(config)
            good["services"][0].update(prefix="H", name_vi="Hộ tịch – Khai sinh")
            put_all(hub, sv, good)

            def name_vi() -> str:
                services = requests.get(f"{center.url}/api/v1/services", timeout=10).json()
                return str(next(s["name_vi"] for s in services if s["code"] == "ho_tich"))

            try:  # the uplink pulls within 0.2 s, the service's sweeper applies within 5 s
                wait_until(lambda: name_vi() == "Hộ tịch – Khai sinh", 30, "the catalogue applied")
            except AssertionError:
                raise AssertionError(uplink.log_path.read_text()[-3000:]) from None
            assert issue(center.url, "ho_tich")["number"] == "H001"
            bad = catalogue_of(config)
            bad["services"] = [s for s in bad["services"] if s["code"] != "ho_tich"]
            put_all(hub, sv, bad)
            wait_until(lambda: center_status(hub, sv)["outcome"] == "refused", 30, "refusal at the hub")
            assert issue(center.url, "ho_tich")["number"] == "H002"
            center.stop()
            center.start()  # a restart starts from the last good catalogue, before the first ticket
            assert name_vi() == "Hộ tịch – Khai sinh"
            assert issue(center.url, "ho_tich")["number"] == "H003"
