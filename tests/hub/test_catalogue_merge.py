"""A center's override merges over the province's catalogue key by key: a service's fields by
its code (the rest, and later province changes, inherited), a service removed or of its own,
hours by weekday, holidays added to the province's and some removed; a change that would leave
a center without a valid catalogue is refused naming it; the editor's preview shows the merge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from common.clock import ManualClock
from hub.catalogue_merge import MergeInvalid, merge, parse, whole
from tests.hub.conftest import HubServer, tokens
from tests.hub.test_catalogue_api import catalogue, hub, pull, session, supervisor

__all__ = ["hub"]  # the fixture with the test's own key file

OWN = {"code": "xa_hoi", "name_vi": "Bảo trợ xã hội", "name_en": "Social protection", "prefix": "S"}


def test_merge_rules() -> None:
    base = catalogue(holidays=["2027-01-01", "2027-04-30"])
    override = parse({
        "services": [{"code": "dat_dai", "daily_cap_tickets": 40}, {"code": "tu_phap", "removed": True}, OWN],
        "hours": {"sat": []},
        "holidays": ["2027-03-10"],
        "holidays_removed": ["2027-04-30"],
    })  # fmt: skip
    got = whole(base, override)
    assert [s["code"] for s in got["services"]] == [
        "ho_tich",
        "dat_dai",
        "kinh_doanh",
        "nhan_ket_qua",
        "xa_hoi",
    ]
    dat_dai = next(s for s in got["services"] if s["code"] == "dat_dai")
    assert dat_dai["daily_cap_tickets"] == 40 and dat_dai["name_vi"] == base["services"][1]["name_vi"]
    assert got["hours"]["sat"] == [] and got["hours"]["mon"] == base["hours"]["mon"]
    assert got["holidays"] == ["2027-01-01", "2027-03-10"]
    # the province renames the service later: the center gets the new name, keeps its cap
    base["services"][1]["name_vi"] = "Đất đai – Nhà ở"
    dat_dai = whole(base, override)["services"][1]
    assert (dat_dai["name_vi"], dat_dai["daily_cap_tickets"]) == ("Đất đai – Nhà ở", 40)
    assert merge(base, {}) == base  # no override: the province's


def test_bad_overrides_name_the_field() -> None:
    with pytest.raises(ValueError, match="colour is not a service field"):
        parse({"services": [{"code": "ho_tich", "colour": "red"}]})
    with pytest.raises(ValueError, match="named twice"):
        parse({"services": [{"code": "ho_tich"}, {"code": "ho_tich", "prefix": "Z"}]})
    with pytest.raises(ValueError, match="holi: not a weekday"):
        parse({"hours": {"holi": []}})
    with pytest.raises(ValueError, match="start must be before the end"):
        parse({"hours": {"sat": ["11:00-08:00"]}})
    with pytest.raises(MergeInvalid, match=r"services\.xa_hoi\.name_vi: Field required"):
        whole(catalogue(), parse({"services": [{"code": "xa_hoi", "prefix": "S"}]}))
    with pytest.raises(MergeInvalid, match="share a prefix"):
        whole(catalogue(), parse({"services": [{"code": "dat_dai", "prefix": "A"}]}))


def test_override_merges_at_the_hub(
    hub: HubServer, database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    t = tokens(database_url, "C1", "C2")
    sv = session(hub, clock, supervisor(database_url, tmp_path))
    url = hub.url + "/api/v1/catalogue"

    def put(path: str, document: dict[str, Any]) -> requests.Response:
        return requests.put(url + path, json={"document": document}, headers=sv, timeout=10)

    assert put("/all", catalogue(holidays=["2027-01-01"])).ok
    c2_before = pull(hub, t["C2"]).json()["etag"]
    override = {"services": [{"code": "dat_dai", "daily_cap_tickets": 40}, OWN], "holidays": ["2027-03-10"]}
    assert put("/centers/C1", override).ok
    got = pull(hub, t["C1"]).json()["catalogue"]
    assert [s["daily_cap_tickets"] for s in got["services"]][:2] == [0, 40]
    assert got["services"][-1]["code"] == "xa_hoi" and got["holidays"] == ["2027-01-01", "2027-03-10"]
    assert pull(hub, t["C2"]).json()["etag"] == c2_before  # another center's override changes nothing
    stored = requests.get(url + "/centers/C1", headers=sv, timeout=10).json()["document"]
    assert stored["services"][0] == {"code": "dat_dai", "daily_cap_tickets": 40}  # only what differs
    merged = requests.get(url + "/centers/C1/merged", headers=sv, timeout=10).json()
    assert merged["document"] == got and merged["problem"] is None
    # the province changes a field C1 did not touch: C1 gets it, keeps its cap
    changed = catalogue(holidays=["2027-01-01"])
    changed["services"][1]["name_en"] = "Land and housing"
    assert put("/all", changed).ok
    dat_dai = pull(hub, t["C1"]).json()["catalogue"]["services"][1]
    assert (dat_dai["name_en"], dat_dai["daily_cap_tickets"]) == ("Land and housing", 40)
    # a province change that clashes with C1's own service is refused, naming C1
    clash = catalogue(holidays=["2027-01-01"])
    clash["services"][0]["prefix"] = "S"
    r = put("/all", clash)
    assert r.status_code == 422 and "center C1's override would not fit" in r.json()["message"]
    assert "share a prefix" in r.json()["message"]
    # an override that would not give C1 a valid catalogue is refused; the preview says why
    r = put("/centers/C1", {"services": [{"code": "moi", "prefix": "M"}]})
    assert r.status_code == 422 and "services.moi.name_vi: Field required" in r.json()["message"]
    c2_before = pull(hub, t["C2"]).json()["etag"]
    draft = {"hours": {"sun": ["08:00-11:00"]}, "holidays_removed": ["2027-01-01"]}
    preview = requests.post(url + "/centers/C2/preview", json={"document": draft}, headers=sv, timeout=10)
    assert preview.status_code == 200, preview.text
    assert preview.json()["document"]["hours"]["sun"] == ["08:00-11:00"]
    assert preview.json()["document"]["holidays"] == []
    assert pull(hub, t["C2"]).json()["etag"] == c2_before  # a preview saves nothing


def test_migration_keeps_what_an_old_override_served(database_url: str) -> None:
    """An override saved when keys were replaced whole serves the same after migration 10."""
    import psycopg
    from psycopg.types.json import Jsonb

    from hub import catalogue_store, schema

    province = catalogue(holidays=["2027-01-01", "2027-04-30"])
    old = {
        "services": [s for s in province["services"] if s["code"] != "tu_phap"],
        "holidays": ["2027-03-10"],
    }
    with psycopg.connect(database_url, autocommit=True) as conn:
        original = schema.MIGRATIONS
        schema.MIGRATIONS = [m for m in original if m[0] <= 9]
        try:
            schema.migrate(conn)
        finally:
            schema.MIGRATIONS = original
        conn.execute("INSERT INTO centers(center_id, name) VALUES ('C1', 'Một'), ('C2', 'Hai')")
        for scope, doc, version in (
            ("*", province, 1),
            ("C1", old, 2),
            ("C2", {"hours": province["hours"]}, 3),
        ):
            conn.execute(
                "INSERT INTO catalogue(scope, document, version, updated_by) VALUES (%s, %s, %s, 'sv')",
                (scope, Jsonb(doc), version),
            )
        schema.migrate(conn)
        c1 = catalogue_store.effective(conn, "C1")
        c2 = catalogue_store.read(conn, "C2")
        trail = catalogue_store.audit_trail(conn, 10)
    assert c1 is not None
    assert [s["code"] for s in c1.document["services"]] == [
        "ho_tich",
        "dat_dai",
        "kinh_doanh",
        "nhan_ket_qua",
    ]
    assert c1.document["holidays"] == ["2027-03-10"] and c1.version == 2  # as before: no new version
    assert c2 is not None and c2.document == {"hours": province["hours"]}  # nothing to say: unchanged
    assert [(a["action"], a["scope"]) for a in trail] == [("migrate_override", "C1")]
    assert trail[0]["after"]["holidays_removed"] == ["2027-01-01", "2027-04-30"]
