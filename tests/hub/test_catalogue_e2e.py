"""The central catalogue end to end: a supervisor edits it on the hub (real PostgreSQL), the real
`python -m uplink` pulls it (ETag), the queueing service applies it to the next ticket; a
catalogue that does not fit the center is refused there, reported to the hub, and the center
keeps serving with the last good one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from common.clock import ManualClock
from queueing.catalogue import AUDIT_FILE, read_good
from queueing.config import load_config
from tests.conftest import free_port, wait_until
from tests.hub.conftest import HubThread, UplinkProcess, site_file, tokens
from tests.hub.test_catalogue_api import catalogue, key_file, session, supervisor
from tests.queueing.helpers import MONDAY_9AM, ServerThread
from tests.queueing.test_queue_api import issue

CENTER = "HN-TEST"


def center_status(hub: HubThread, sv: dict[str, str]) -> dict[str, Any]:
    rows = requests.get(f"{hub.url}/api/v1/catalogue/centers", headers=sv, timeout=10).json()
    return dict(next(r for r in rows if r["center_id"] == CENTER))


def put_all(hub: HubThread, sv: dict[str, str], document: dict[str, Any]) -> None:
    r = requests.put(f"{hub.url}/api/v1/catalogue/all", json={"document": document}, headers=sv, timeout=10)
    assert r.status_code == 200, r.text


@pytest.mark.slow
def test_an_edit_reaches_the_next_ticket_and_a_bad_one_is_refused(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    t = tokens(database_url, CENTER)
    secret = supervisor(database_url, tmp_path)
    queue_dir = tmp_path / "queue"
    with HubThread(database_url, clock, catalogue={"key_file": str(key_file(tmp_path))}) as hub:
        sv = session(hub, clock, secret)
        site = site_file(tmp_path, hub.url, t[CENTER], CENTER, queue_dir, catalogue_interval_s=0.2)
        with (
            ServerThread(load_config(site), queue_dir, free_port(), ManualClock(MONDAY_9AM)) as center,
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
