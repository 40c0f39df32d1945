"""The two ways a batch is stored give the same result: a plain INSERT when nothing after the ack
is held yet, `INSERT ... ON CONFLICT DO NOTHING` when something is (a gap filled, a batch sent
again); the allow-list PostgreSQL applies is `common.outbox.clean_data`'s, value for value."""

from __future__ import annotations

import json

import psycopg
import requests

from common.outbox import clean_data
from tests.harness import HubServer
from tests.hub.conftest import bearer, tokens
from tests.hub.test_hub_api import ev, post, summary


def test_gaps_inside_a_copied_batch_and_odd_values(hub: HubServer, database_url: str) -> None:
    t = tokens(database_url, "C1")
    # nothing held after the ack: copied; the ack stops before the gap at 3
    called = ev(2, "ticket.called", wait_s=30)
    batch = [ev(1), called, ev(4, "alarm.raised", alarm="door_forced"), called]
    assert post(hub, t["C1"], batch).json() == {
        "stream": "queueing",
        "acked_seq": 2,
        "stored": 3,
        "duplicates": 1,
    }
    # 4 is held now: this batch takes the conflict-skipping path
    got = post(hub, t["C1"], [ev(3, "ticket.rated", rating=4), ev(4, "alarm.raised", alarm="door_forced")])
    assert got.json() == {"stream": "queueing", "acked_seq": 4, "stored": 1, "duplicates": 1}
    # text that would need escaping in COPY never reaches it (dropped as not a code word)
    assert post(hub, t["C1"], [ev(5, channel="a\tb\\c\nd"), ev(6, service="X\\Y")]).json()["acked_seq"] == 6
    s = summary(hub, t["reader"])
    assert (s["tickets_issued"], s["tickets_called"], s["mean_wait_s"], s["alarms_open"]) == (3, 1, 30.0, 1)
    assert (s["ratings"], s["mean_rating"]) == (1, 4.0)
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT seq, at, day::text, service, data FROM events ORDER BY seq").fetchall()
        episodes = conn.execute("SELECT kind, started_at FROM fleet_alarms").fetchall()
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[0][1].timestamp() == 1767578401.0 and rows[0][2] == "2026-01-05"
    assert rows[1][4] == {"service": "HT", "wait_s": 30} and rows[4][4] == {"service": "HT"}
    assert rows[5][3] == "" and rows[5][4] == {}
    assert episodes == [("door_forced", rows[3][1])]


#: Odd `data` values, each as raw JSON text (so numbers keep how they were written).
ODD_DATA = [
    '{"service": "HT", "counter": 3.0, "rating": 1e2, "wait_s": 1e2, "late_min": -2.5}',
    '{"counter": true, "priority": 1, "wait_s": false, "rating": "5", "slot_min": -0}',
    '{"service": "HT\\n", "channel": "kiosk\\n\\n", "size": "\\nM", "alarm": " door"}',
    '{"service": "' + "A" * 40 + '", "channel": "' + "b" * 31 + "." + " x" * 5 + '", "source": "Đ"}',
    '{"reasons": ["slow", 3, null, "too long'
    + "o" * 30
    + '", "'
    + "x" * 32
    + '", "r\\n", "a b", '
    + ", ".join(f'"r{i}"' for i in range(15))
    + "]}",
    '{"reasons": "slow", "from_day": "2026-01-04", "paused_s": 12345678901234567890, "counter": -7}',
    '{"service": null, "to_service": {"x": 1}, "channel": [], "phone": "0912345678", "reasons": []}',
    '{"counter": 1.5e3, "rating": 4, "service_s": 0.1, "service": "X.Y-Z_1", "reason": "-lunch"}',
]


def test_the_allow_list_in_postgresql_keeps_exactly_what_clean_data_keeps(
    hub: HubServer, database_url: str
) -> None:
    t = tokens(database_url, "C1")
    events = ",".join(
        f'{{"seq": {i + 1}, "at": 1767578400, "day": "2026-01-05", "kind": "ticket.rated", "data": {raw}}}'
        for i, raw in enumerate(ODD_DATA)
    )
    r = requests.post(
        f"{hub.url}/api/v1/events",
        data=f'{{"stream": "queueing", "events": [{events}]}}'.encode(),
        headers={**bearer(t["C1"]), "Content-Type": "application/json"},
        timeout=10,
    )
    assert r.json()["acked_seq"] == len(ODD_DATA), r.text
    with psycopg.connect(database_url) as conn:
        stored = [row[0] for row in conn.execute("SELECT data FROM events ORDER BY seq")]
    assert stored == [clean_data(json.loads(raw)) for raw in ODD_DATA]


def test_a_refused_batch_names_the_field_and_stores_nothing(hub: HubServer, database_url: str) -> None:
    t = tokens(database_url, "C1")
    r = post(hub, t["C1"], [ev(1), {**ev(2), "kind": "Not A Kind"}])
    assert r.status_code == 422 and r.json()["field"] == "events.1.kind", r.text
    r = post(hub, t["C1"], [ev(1), {**ev(2), "day": "yesterday"}])
    assert r.status_code == 422 and r.json()["field"] == "events.1.day", r.text
    r = requests.post(
        f"{hub.url}/api/v1/events",
        data=b'{"events": [',
        headers={**bearer(t["C1"]), "Content-Type": "application/json"},
        timeout=10,
    )
    assert r.status_code == 422 and "not valid JSON" in r.json()["message"], r.text
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM daily").fetchone() == (0,)
    # the route's body is still documented (FastAPI no longer parses it itself)
    schema = requests.get(f"{hub.url}/openapi.json", timeout=10).json()
    body = schema["paths"]["/api/v1/events"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["events"]["items"]["properties"]["seq"]["minimum"] == 1


def test_the_token_is_checked_before_the_body_is_read(hub: HubServer, database_url: str) -> None:
    """A stranger or a reader never gets the hub to parse a batch: 401/403, not 422."""
    t = tokens(database_url, "C1")
    for headers, status in (({}, 401), (bearer(t["reader"]), 403)):
        r = requests.post(
            f"{hub.url}/api/v1/events",
            data=b'{"events": [',
            headers={**headers, "Content-Type": "application/json"},
            timeout=10,
        )
        assert r.status_code == status, r.text
