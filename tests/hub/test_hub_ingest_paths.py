"""The two ways a batch is stored give the same result: a plain INSERT when nothing after the ack
is held yet, `INSERT ... ON CONFLICT DO NOTHING` when something is (a gap filled, a batch sent
again); the allow-list PostgreSQL applies is `common.outbox.clean_data`'s, value for value."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from common.outbox import ALLOWED_DATA, clean_data
from hub.ingest import parse_batch
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
    route = schema["paths"]["/api/v1/events"]["post"]
    assert [p["name"] for p in route["parameters"] if p["in"] == "header"] == ["Authorization"]
    assert route["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/AckOut")


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


def test_batches_of_one_center_sent_at_once_each_count_once(hub: HubServer, database_url: str) -> None:
    """An uplink killed mid-batch and restarted sends again while the first request is still being
    stored, and a center's two streams post side by side: overlapping batches of one center sent
    at the same moment are all answered 200 and every seq counts exactly once."""
    t = tokens(database_url, "C1")
    windows = [(1, 120), (60, 200), (1, 200), (150, 300), (100, 260), (1, 300), (250, 300), (30, 90)]
    start = threading.Barrier(len(windows) * 2)

    def send(window: tuple[int, int], stream: str) -> int:
        events = [ev(seq, "ticket.called", wait_s=60) for seq in range(window[0], window[1] + 1)]
        start.wait(timeout=30)
        return post(hub, t["C1"], events, stream=stream).status_code

    with ThreadPoolExecutor(len(windows) * 2) as pool:
        jobs = [pool.submit(send, w, s) for w in windows for s in ("queueing", "locker")]
        assert [j.result(timeout=60) for j in jobs] == [200] * len(jobs)
    for stream in ("queueing", "locker"):
        ack = post(hub, t["C1"], [], stream=stream).json()
        assert (ack["acked_seq"], ack["stored"]) == (300, 0), ack
    s = summary(hub, t["reader"])
    assert s["tickets_called"] == 600 and s["mean_wait_s"] == 60.0, s
    with psycopg.connect(database_url) as conn:
        held = conn.execute("SELECT count(*), count(DISTINCT (stream, seq)) FROM events").fetchone()
    assert held == (600, 600)


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(["HT", "kiosk", "door_forced", "a.b-c_d", "HT\n", "-x", "Đ", "A" * 32, "A" * 33]),
    st.lists(st.one_of(st.sampled_from(["slow", "x\n", "a b", "r" * 33]), st.integers()), max_size=14),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from([*ALLOWED_DATA, "phone", "name"]), _VALUES, max_size=8))
def test_the_hub_keeps_of_any_data_exactly_what_clean_data_keeps(data: dict[str, Any]) -> None:
    """The strict parse a center's clean batch takes and the value-by-value clean of any other
    batch give the same data: `common.outbox.clean_data`'s."""
    event = {"seq": 1, "at": 1767578400, "day": "2026-01-05", "kind": "x.y", "data": data}
    body = json.dumps({"events": [event]})
    assert parse_batch(body.encode()).events[0]["data"] == clean_data(json.loads(body)["events"][0]["data"])
