"""The hub's catalogue at the center: a whole, valid one is applied to new tickets without a
restart; a partial, altered or unfitting one is refused and the last good one stays."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from common.clock import ManualClock
from queueing.catalogue import AUDIT_FILE, CATALOGUE_FILE, CatalogueRefused, check, read_good, store_good
from queueing.catalogue_model import digest_of
from tests.harness import MONDAY_9AM, QueueingServer, free_port
from tests.queueing.helpers import make_config
from tests.queueing.test_queue_api import issue


def catalogue_of(config: Any, **changes: Any) -> dict[str, Any]:
    """The config's own services, hours and holidays as a catalogue document, with changes."""
    doc = {
        "services": [s.model_dump(mode="json") for s in config.services],
        "hours": config.hours.model_dump(mode="json"),
        "holidays": [],
    }
    doc.update(changes)
    return doc


def delivered(document: dict[str, Any], version: int = 1) -> dict[str, Any]:
    """A catalogue as the hub sends it."""
    return {"center_id": "C1", "version": version, "etag": digest_of(document), "catalogue": document}


def renamed(config: Any) -> dict[str, Any]:
    """ho_tich renamed, prefix H, capped at 2 a day."""
    doc = catalogue_of(config)
    first = doc["services"][0]
    assert first["code"] == "ho_tich"
    first.update(
        name_vi="Hộ tịch – Khai sinh", name_en="Civil status – Births", prefix="H", daily_cap_tickets=2
    )
    return doc


def test_check_refuses_partial_altered_and_unfitting_catalogues() -> None:
    config = make_config()
    good = catalogue_of(config)
    assert check(config, delivered(good)).services == config.services
    partial = {k: v for k, v in good.items() if k != "holidays"}
    with pytest.raises(CatalogueRefused, match="holidays: Field required"):
        check(config, delivered(partial))
    cut = delivered(good)
    cut["catalogue"] = {**good, "services": good["services"][:1]}  # a body cut short: digest differs
    with pytest.raises(CatalogueRefused, match="partial or altered"):
        check(config, cut)
    bad_prefix = catalogue_of(config)
    bad_prefix["services"][0]["prefix"] = "ab"
    with pytest.raises(CatalogueRefused, match=r"services\.0\.prefix"):
        check(config, delivered(bad_prefix))
    # counter 2 serves ho_tich only: a catalogue without it does not fit this center
    dropped = catalogue_of(config)
    dropped["services"] = [s for s in dropped["services"] if s["code"] != "ho_tich"]
    with pytest.raises(CatalogueRefused, match="counter 1 serves unknown service 'ho_tich'"):
        check(config, delivered(dropped))
    with pytest.raises(CatalogueRefused, match="no catalogue"):
        check(config, {"etag": "x"})


def test_applied_to_new_tickets_without_a_restart(tmp_path: Path) -> None:
    config = make_config()
    with QueueingServer(config, tmp_path, free_port(), ManualClock(MONDAY_9AM)) as center:
        before = issue(center.url, "ho_tich")
        assert before["number"].startswith("A")
        store_good(tmp_path, delivered(renamed(config)))
        assert center.app.state.catalogue.poll() is True
        assert center.app.state.catalogue.poll() is False  # unchanged file: nothing to do
        after = issue(center.url, "ho_tich")
        assert after["number"] == "H001"
        services = requests.get(f"{center.url}/api/v1/services", timeout=10).json()
        ho_tich = next(s for s in services if s["code"] == "ho_tich")
        assert ho_tich["name_vi"] == "Hộ tịch – Khai sinh"
        # the ticket issued before keeps its number; the cap (2 today) now counts both
        assert (
            requests.get(f"{center.url}/api/v1/tickets/{before['ticket_id']}").json()["number"]
            == before["number"]
        )
        capped = requests.post(
            f"{center.url}/api/v1/tickets",
            json={"service": "ho_tich"},
            headers={"Idempotency-Key": "cap-1", **_kiosk(center)},
            timeout=10,
        )
        assert capped.status_code == 409, capped.text
        # a holiday today closes every service
        store_good(tmp_path, delivered(catalogue_of(config, holidays=["2026-01-05"]), version=2))
        assert center.app.state.catalogue.poll() is True
        closed = requests.post(
            f"{center.url}/api/v1/tickets",
            json={"service": "dat_dai"},
            headers={"Idempotency-Key": "hol-1", **_kiosk(center)},
            timeout=10,
        )
        assert closed.status_code == 409, closed.text
    lines = [json.loads(x) for x in (tmp_path / AUDIT_FILE).read_text().splitlines()]
    assert [(x["actor"], x["action"], x["version"]) for x in lines] == [
        ("queueing", "applied", 1),
        ("queueing", "applied", 2),
    ]
    assert "services changed: ho_tich" in lines[0]["changes"]


def test_the_last_good_catalogue_is_applied_at_start_and_a_bad_file_is_not(tmp_path: Path) -> None:
    config = make_config()
    store_good(tmp_path, delivered(renamed(config)))
    with QueueingServer(config, tmp_path, free_port(), ManualClock(MONDAY_9AM)) as center:
        assert issue(center.url, "ho_tich")["number"] == "H001"  # applied before the first ticket
        # a file altered by hand (its digest no longer matches) is refused: H stays
        data = read_good(tmp_path)
        assert data is not None
        data["catalogue"]["services"][0]["prefix"] = "Z"
        (tmp_path / CATALOGUE_FILE).write_text(json.dumps(data), encoding="utf-8")
        assert center.app.state.catalogue.poll() is False
        assert issue(center.url, "ho_tich")["number"] == "H002"
    audit = (tmp_path / AUDIT_FILE).read_text()
    assert '"action": "refused"' in audit and "partial or altered" in audit


def _kiosk(center: QueueingServer) -> dict[str, str]:
    from tests.harness import kiosk_headers_for

    return kiosk_headers_for(center.url)
