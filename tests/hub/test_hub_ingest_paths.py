"""The two ways a batch is stored give the same result: COPY when nothing after the ack is held
yet, `INSERT ... ON CONFLICT DO NOTHING` when something is (a gap filled, a batch sent again)."""

from __future__ import annotations

import psycopg

from tests.harness import HubServer
from tests.hub.conftest import tokens
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
