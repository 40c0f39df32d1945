"""The hub's API on a real PostgreSQL: ingest once per (center, stream, seq), the contiguous ack,
rollups and summary, heartbeats and offline, token scopes."""

from __future__ import annotations

from typing import Any

import psycopg
import requests

from common.clock import ManualClock
from tests.harness import HubServer
from tests.hub.conftest import DAY, bearer, tokens


def ev(seq: int, kind: str = "ticket.issued", **data: Any) -> dict[str, Any]:
    """One event as a center's outbox gives it (09:00 local on DAY)."""
    return {"seq": seq, "at": 1767578400.0 + seq, "day": DAY, "kind": kind, "data": {"service": "HT", **data}}


def post(
    hub: HubServer, token: str, events: list[dict[str, Any]], stream: str = "queueing"
) -> requests.Response:
    return requests.post(
        f"{hub.url}/api/v1/events",
        json={"stream": stream, "events": events},
        headers=bearer(token),
        timeout=10,
    )


def summary(hub: HubServer, token: str, center: str = "C1", day: str = DAY) -> dict[str, Any]:
    r = requests.get(f"{hub.url}/api/v1/centers/{center}/summary", params={"day": day}, headers=bearer(token))
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_each_event_counts_once_and_the_ack_is_contiguous(hub: HubServer, database_url: str) -> None:
    t = tokens(database_url, "C1")
    first = post(hub, t["C1"], [ev(1), ev(2), ev(3, "ticket.called", wait_s=120.0)])
    assert first.json() == {"stream": "queueing", "acked_seq": 3, "stored": 3, "duplicates": 0}
    # the same batch again (its answer was lost): nothing new, same ack
    assert post(hub, t["C1"], [ev(1), ev(2), ev(3, "ticket.called", wait_s=120.0)]).json()["stored"] == 0
    # a gap: 5 is held, but the ack stays at 3 until 4 arrives
    assert post(hub, t["C1"], [ev(5, "ticket.served")]).json()["acked_seq"] == 3
    assert post(hub, t["C1"], [ev(4, "ticket.called", wait_s=60.0), ev(5, "ticket.served")]).json() == {
        "stream": "queueing",
        "acked_seq": 5,
        "stored": 1,
        "duplicates": 1,
    }
    # an empty batch asks how far the hub is
    assert post(hub, t["C1"], []).json()["acked_seq"] == 5
    # another stream of the same center has its own numbers
    assert post(hub, t["C1"], [ev(1, "deposit.loaded")], stream="locker").json()["acked_seq"] == 1
    s = summary(hub, t["reader"])
    assert (s["tickets_issued"], s["tickets_called"], s["tickets_served"], s["deposits_loaded"]) == (
        2,
        2,
        1,
        1,
    )
    assert s["mean_wait_s"] == 90.0 and s["ratings"] == 0 and s["mean_rating"] is None
    post(hub, t["C1"], [ev(6, "ticket.rated", rating=5), ev(7, "ticket.rated", rating=2)])
    post(hub, t["C1"], [ev(7, "ticket.rated", rating=2)])  # again: counted once
    s = summary(hub, t["reader"])
    assert (s["ratings"], s["mean_rating"]) == (2, 3.5)
    assert s["deposits_collected"] == 0 and s["alarms_open"] == 0
    assert s["last_seen"].startswith("2026-01-05T02:00")


def test_alarms_open_and_unknown_kinds(hub: HubServer, database_url: str) -> None:
    t = tokens(database_url, "C1")
    events = [ev(1, "alarm.raised", alarm="door_forced"), ev(2, "alarm.raised"), ev(3, "alarm.cleared")]
    events.append(ev(4, "future.thing", service="HT"))  # a newer center's kind: stored, not counted
    assert post(hub, t["C1"], events).json()["acked_seq"] == 4
    assert summary(hub, t["reader"])["alarms_open"] == 1


def test_only_allowed_data_is_stored(hub: HubServer, database_url: str) -> None:
    t = tokens(database_url, "C1")
    bad = ev(1, phone="0912345678", name="Nguyễn Văn A", id_hash="abc", counter=3)
    assert post(hub, t["C1"], [bad]).json()["acked_seq"] == 1
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT data FROM events").fetchone()
    assert row is not None and row[0] == {"service": "HT", "counter": 3}


def test_token_scopes(hub: HubServer, database_url: str) -> None:
    t = tokens(database_url, "C1", "C2")
    # a center cannot post as another: the center comes from the token, a body field is ignored
    r = requests.post(
        f"{hub.url}/api/v1/events",
        json={"center_id": "C2", "events": [ev(1)]},
        headers=bearer(t["C1"]),
        timeout=10,
    )
    assert r.status_code == 200
    assert summary(hub, t["reader"], "C1")["tickets_issued"] == 1
    assert summary(hub, t["reader"], "C2")["tickets_issued"] == 0
    # a center reads nothing
    for path in ("/api/v1/centers", "/api/v1/centers/C1/summary", "/api/v1/centers/C2/summary"):
        r = requests.get(f"{hub.url}{path}", headers=bearer(t["C1"]), timeout=10)
        assert r.status_code == 403 and r.json()["error"] == "forbidden", path
    # a reader changes nothing
    assert post(hub, t["reader"], [ev(2)]).status_code == 403
    r = requests.post(f"{hub.url}/api/v1/heartbeat", json={}, headers=bearer(t["reader"]), timeout=10)
    assert r.status_code == 403
    # no token, a wrong one
    for headers in ({}, bearer("not-a-token"), {"Authorization": t["reader"]}):
        r = requests.get(f"{hub.url}/api/v1/centers", headers=headers, timeout=10)
        assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    assert (
        requests.get(f"{hub.url}/api/v1/centers/NOPE/summary", headers=bearer(t["reader"])).status_code == 404
    )


def test_heartbeat_and_offline_after_two_missed(
    hub: HubServer, database_url: str, clock: ManualClock
) -> None:
    t = tokens(database_url, "C1", "C2")

    def states() -> dict[str, str]:
        r = requests.get(f"{hub.url}/api/v1/centers", headers=bearer(t["reader"]), timeout=10)
        return {c["center_id"]: c["status"] for c in r.json()}

    assert states() == {"C1": "never_seen", "C2": "never_seen"}
    beat = {"version": "0.1.0", "waiting_now": 4, "devices": {"printer": "ok"}}
    r = requests.post(f"{hub.url}/api/v1/heartbeat", json=beat, headers=bearer(t["C1"]), timeout=10)
    assert r.json() == {"interval_s": 30}
    assert states()["C1"] == "online"
    clock.advance(59)  # one heartbeat missed, the second not yet
    assert states()["C1"] == "online"
    clock.advance(2)
    assert states()["C1"] == "offline"
    centers = requests.get(f"{hub.url}/api/v1/centers", headers=bearer(t["reader"]), timeout=10).json()
    assert centers[0]["waiting_now"] == 4 and centers[0]["devices"] == {"printer": "ok"}


def test_bad_batches_are_refused_with_the_field_named(hub: HubServer, database_url: str) -> None:
    t = tokens(database_url, "C1")
    r = post(hub, t["C1"], [{"seq": 0, "at": 1.0, "day": DAY, "kind": "ticket.issued"}])
    assert r.status_code == 422 and r.json()["field"] == "events.0.seq"
    r = post(hub, t["C1"], [ev(1)], stream="Bad Stream")
    assert r.status_code == 422 and r.json()["field"] == "stream"
