"""The two ways a batch is stored give the same result: a plain INSERT when nothing after the ack
is held yet, `INSERT ... ON CONFLICT DO NOTHING` when something is (a gap filled, a batch sent
again); the allow-list PostgreSQL applies is `common.outbox.clean_data`'s, value for value."""

from __future__ import annotations

import json
import logging
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
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


def test_a_strangers_body_is_not_read_before_it_is_refused(hub: HubServer, database_url: str) -> None:
    """A request without a center's token is answered 401 while most of its body has not been
    sent: the hub never holds a stranger's 2 MiB in memory (it would, for each of a thousand
    connections, if it read the body before the token)."""
    tokens(database_url, "C1")
    host, port = hub.url.removeprefix("http://").split(":")
    for auth in (b"", b"Authorization: Bearer not-a-token\r\n"):
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(
                b"POST /api/v1/events HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"
                + auth
                + b"Content-Length: 60000\r\n\r\n"  # under this test hub's max_body_bytes
                + b'{"events": ['
                + b" " * 4000
            )
            answer = sock.recv(4096)  # before the other 56,000 bytes (10 s: none would come)
        assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    # a body without a length would be counted whole before the route could look at the token
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /api/v1/events HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n1000\r\n" + b" " * 4096
        )
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 411"), answer[:200]


def test_a_batch_cut_off_on_the_way_is_logged_as_such_not_as_a_fault(
    hub: HubServer, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A center whose body stops half way (its link dropped, or the hub's 408 on a slow link closed
    it) is one line in the hub's log, not an "unexpected error" with a traceback; nothing stored."""
    t = tokens(database_url, "C1")
    host, port = hub.url.removeprefix("http://").split(":")
    with caplog.at_level(logging.INFO):
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(
                b"POST /api/v1/events HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"
                + f"Authorization: Bearer {t['C1']}\r\n".encode()
                + b'Content-Length: 60000\r\n\r\n{"events": ['
            )
        # a whole batch after it: answered once the cut one was dealt with
        assert post(hub, t["C1"], [ev(1)]).json()["acked_seq"] == 1
    said = [r for r in caplog.records if r.name.startswith("hub")]
    assert any("did not arrive whole" in r.getMessage() for r in said), [r.getMessage() for r in said]
    assert not [r for r in said if r.levelno >= logging.WARNING], [r.getMessage() for r in said]


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
    batch = parse_batch(body.encode())
    assert json.loads(batch.events_json)["events"][0].get("data", {}) == clean_data(data)


def _stored(database_url: str, center: str) -> tuple[list[Any], list[Any]]:
    with psycopg.connect(database_url) as conn:
        events = conn.execute(
            "SELECT stream, seq, at, day, kind, service, data::text FROM events WHERE center_id = %s "
            "ORDER BY stream, seq",
            (center,),
        ).fetchall()
        daily = conn.execute(
            "SELECT day, service, tickets_issued, tickets_called, wait_s_sum, wait_n, ratings_n, "
            "ratings_sum, waits_over_target FROM daily WHERE center_id = %s ORDER BY day, service",
            (center,),
        ).fetchall()
    return events, daily


_CLEAN_VALUE = {  # values a center of this release sends, of each allowed type (some odd ones)
    str: st.sampled_from(["HT", "kiosk", "door_forced", "a.b-c_d", "A" * 32]),
    bool: st.booleans(),
    int: st.integers(-(10**9), 10**9),
    (int, float): st.one_of(
        st.integers(-(10**9), 10**9),
        st.floats(-1e9, 1e9, allow_nan=False),
        st.sampled_from([1e-300, 5e-324, -0.0, 0.1, 1e2, 123456789.123456789]),
    ),
    list: st.lists(st.sampled_from(["slow", "rude", "x" * 32]), max_size=12),
}
_CLEAN_DATA = st.fixed_dictionaries(
    {}, optional={key: _CLEAN_VALUE[allowed] for key, allowed in ALLOWED_DATA.items()}
)
_EVENT = st.fixed_dictionaries(
    {
        "seq": st.integers(1, 12),
        "at": st.one_of(st.floats(1767500000, 1767700000), st.integers(1767500000, 1767700000)),
        "day": st.sampled_from(["2026-01-05", "2026-01-06"]),
        "kind": st.sampled_from(["ticket.issued", "ticket.called", "ticket.rated", "alarm.raised"]),
    },
    optional={
        "data": st.one_of(
            _CLEAN_DATA,
            _CLEAN_DATA,
            st.dictionaries(st.sampled_from([*ALLOWED_DATA, "phone"]), _VALUES, max_size=5),
        )
    },
)


@settings(max_examples=80, deadline=None)
@given(st.one_of(st.lists(_EVENT, max_size=8, unique_by=lambda e: e["seq"]), st.lists(_EVENT, max_size=8)))
def test_a_strict_batch_stores_what_the_same_batch_cleaned_value_by_value_stores(
    pg_cluster: Any, events: list[dict[str, Any]]
) -> None:
    """A center's batch in the strict form is written out for PostgreSQL as parsed; any batch
    stored that way gives the same rows (`data` to the character) and rollups as the same batch
    cleaned value by value first (the path every other batch takes)."""
    from datetime import UTC, datetime, timedelta

    from hub import schema
    from hub.ingest import store_batch
    from hub.tokens import add_center

    body = json.dumps({"stream": "queueing", "events": events}).encode()
    try:
        strict, cleaned = parse_batch(body), parse_batch(body, strict_first=False)
    except Exception as err:  # a refused batch is refused both ways
        assert type(err).__name__ == "RequestValidationError"
        return
    assert (strict.days, strict.back, strict.sent) == (cleaned.days, cleaned.back, cleaned.sent)
    url = pg_cluster.url.rsplit("/", 1)[0] + "/paths"
    with psycopg.connect(pg_cluster.url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = 'paths'").fetchone() is None:
            conn.execute("CREATE DATABASE paths")
    with psycopg.connect(url, autocommit=True) as conn:
        schema.migrate(conn)
        conn.execute("TRUNCATE events, daily, streams, fleet_alarms, tokens, centers CASCADE")
        add_center(conn, "A", "a")
        add_center(conn, "B", "b")
        now = datetime(2026, 1, 6, 12, tzinfo=UTC)
        acks = [
            store_batch(conn, c, b, now, None, 300.0).model_dump() for c, b in (("A", strict), ("B", cleaned))
        ]
    a, b = _stored(url, "A"), _stored(url, "B")
    assert acks[0] == acks[1], acks
    # `at` below a microsecond (a float's every digit) may round either way: one path reads it as
    # a number, the other as a time first
    assert [(*r[:2], *r[3:]) for r in a[0]] == [(*r[:2], *r[3:]) for r in b[0]] and a[1] == b[1]
    assert all(abs(ra[2] - rb[2]) <= timedelta(microseconds=1) for ra, rb in zip(a[0], b[0], strict=True))


def test_postgresql_reads_only_what_python_validated_and_wrote(hub: HubServer, database_url: str) -> None:
    """PostgreSQL never gets the request's own bytes: a number is stored as the double Python read
    (jsonb would keep every digit sent: text spelled in digits, `1e-400` that no float holds), a
    key outside the form never reaches it (nor its log), a repeated key is its last one."""
    digits = "".join(f"{ord(c):03d}" for c in "NGUYEN VAN AN 0912345678")
    strange = (
        b'{"stream": "queueing", "events": [{"seq": 1, "at": 1767578401, "day": "2026-01-05", '
        b'"kind": "ticket.called", "citizen": "Tran Thi Bich 0987654321", '
        b'"data": {"service": "HT", "paused_s": 7.' + digits.encode() + b"}}]}"
    )
    batch = parse_batch(strange)
    assert "0987654321" not in batch.events_json and digits not in batch.events_json
    assert json.loads(batch.events_json)["events"][0]["data"]["paused_s"] == float("7." + digits)
    t = tokens(database_url, "C1", "C2")
    sent = requests.post(
        f"{hub.url}/api/v1/events",
        data=strange,
        headers={**bearer(t["C2"]), "Content-Type": "application/json"},
        timeout=10,
    )
    assert sent.json()["stored"] == 1, sent.text
    with psycopg.connect(database_url) as conn:
        (held,) = conn.execute("SELECT data::text FROM events WHERE center_id = 'C2'").fetchone() or ("",)
    assert held == f'{{"service": "HT", "paused_s": {float("7." + digits)!r}}}', held
    body = (
        b'{"stream": "queueing", "events": ['
        b'{"seq": 1, "at": 1767578401, "day": "2026-01-05", "kind": "ticket.called",'
        b' "data": {"service": "HT", "wait_s": 1e-400}},'
        b'{"seq": 2, "at": 1767578402, "day": "2026-01-05", "kind": "ticket.issued",'
        b' "data": {"service": "not a word", "service": "HT"}},'
        b'{"seq": 3, "at": 1767578403, "day": "2026-01-05", "kind": "ticket.issued",'
        b' "data": {"service": "HT", "service": "not a word"}}]}'
    )
    r = requests.post(
        f"{hub.url}/api/v1/events",
        data=body,
        headers={**bearer(t["C1"]), "Content-Type": "application/json"},
        timeout=10,
    )
    assert r.json() == {"stream": "queueing", "acked_seq": 3, "stored": 3, "duplicates": 0}, r.text
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT seq, service, data FROM events WHERE center_id = 'C1' ORDER BY seq"
        ).fetchall()
    assert rows == [(1, "HT", {"service": "HT", "wait_s": 0.0}), (2, "HT", {"service": "HT"}), (3, "", {})]
    s = summary(hub, t["reader"])  # C1's
    assert (s["tickets_issued"], s["tickets_called"], s["mean_wait_s"]) == (2, 1, 0.0), s
