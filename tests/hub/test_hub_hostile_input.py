"""What one center, a reader or a stranger could send to break the hub for others: every answer is
a clear 4xx (never a 500), nothing it sends can make a later page or batch fail, a seq is stored
once whatever day it is sent with, and a token can be taken back."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import psycopg
import requests

from common.clock import ManualClock
from tests.harness import MONDAY_9AM, HubServer, QueueingServer, free_port, wait_until
from tests.hub.conftest import bearer, hub_cli, site_file, tokens
from tests.queueing.helpers import make_config
from tests.queueing.test_queue_api import issue
from uplink.config import load_setup
from uplink.devices import Readings
from uplink.sender import Uplink


def _post(hub: HubServer, path: str, token: str, body: Any) -> requests.Response:
    return requests.post(f"{hub.url}{path}", json=body, headers=bearer(token), timeout=10)


def _event(seq: int, day: str = "2026-01-05", kind: str = "ticket.issued", **data: Any) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": f"{day}T08:00:00+07:00",
        "day": day,
        "kind": kind,
        "data": {"service": "HT", **data},
    }


def test_a_huge_queue_length_is_refused_and_cannot_break_the_overview(
    hub: HubServer, database_url: str
) -> None:
    t = tokens(database_url, "C1", "C2")
    refused = _post(hub, "/api/v1/heartbeat", t["C1"], {"waiting_now": 2**31})
    assert refused.status_code == 422 and refused.json()["field"] == "waiting_now", refused.text
    assert _post(hub, "/api/v1/heartbeat", t["C2"], {"waiting_now": 1_000_000}).status_code == 200
    for path in ("/api/v1/overview", "/api/v1/overview.csv"):
        page = requests.get(f"{hub.url}{path}", headers=bearer(t["reader"]), timeout=10)
        assert page.status_code == 200, (path, page.text)
    rows = requests.get(f"{hub.url}/api/v1/overview", headers=bearer(t["reader"]), timeout=10).json()[
        "centers"
    ]
    assert {r["center_id"]: r["waiting_now"] for r in rows}["C2"] == 1_000_000


def test_nul_characters_and_far_dates_are_422_not_500(hub: HubServer, database_url: str) -> None:
    t = tokens(database_url, "C1")
    answers = {
        "heartbeat": _post(
            hub, "/api/v1/heartbeat", t["C1"], {"version": "1.0\u0000", "devices": {"p": "ok"}}
        ),
        "device": _post(hub, "/api/v1/heartbeat", t["C1"], {"devices": {"printer": "o\u0000k"}}),
        "sign-in": requests.post(
            f"{hub.url}/api/v1/supervisor/sign-in",
            json={"name": "a\u0000", "pin": "1", "totp": "1"},
            timeout=10,
        ),
        "summary": requests.get(
            f"{hub.url}/api/v1/centers/C1%00/summary", headers=bearer(t["reader"]), timeout=10
        ),
    }
    for by, query in (
        ("day", "from=9999-01-01&to=9999-12-31"),
        ("week", "to=9999-12-31"),
        ("day", "to=0001-01-05"),
    ):
        answers[f"trends {query}"] = requests.get(
            f"{hub.url}/api/v1/centers/C1/trends?by={by}&{query}", headers=bearer(t["reader"]), timeout=10
        )
    for what, answer in answers.items():
        assert answer.status_code in (401, 404, 422), (what, answer.status_code, answer.text)
        assert answer.headers["content-type"].startswith("application/json"), what
    assert answers["heartbeat"].status_code == 422 and "NUL" in answers["heartbeat"].json()["message"]
    assert answers["trends to=0001-01-05"].json()["error"] == "bad_range"
    # the hub still answers the same center normally
    assert (
        _post(hub, "/api/v1/heartbeat", t["C1"], {"version": "1.0", "devices": {"p": "ok"}}).status_code
        == 200
    )


def test_no_value_in_a_batch_can_make_it_fail_for_ever(hub: HubServer, database_url: str) -> None:
    t = tokens(database_url, "C1")
    # numbers no count or duration can reach are dropped by the allow-list (the batch is stored)
    huge = [_event(1, kind="ticket.called", wait_s=1e308), _event(2, kind="ticket.called", wait_s=10**400)]
    huge.append(_event(3, kind="ticket.called", wait_s=120, late_min=-(10**12)))
    body = '{"stream": "queueing", "events": ' + str(huge).replace("'", '"').replace("inf", "1e999") + "}"
    stored = requests.post(
        f"{hub.url}/api/v1/events",
        data=body.encode(),
        headers={**bearer(t["C1"]), "Content-Type": "application/json"},
        timeout=10,
    )
    assert stored.status_code == 200 and stored.json()["acked_seq"] == 3, stored.text
    with psycopg.connect(database_url) as conn:
        data = [r[0] for r in conn.execute("SELECT data FROM events ORDER BY seq")]
        assert data == [{"service": "HT"}, {"service": "HT"}, {"service": "HT", "wait_s": 120}]
        assert conn.execute("SELECT wait_s_sum, wait_n FROM daily").fetchone() == (120, 1)
    # times and days no clock gives are refused before they reach the database, naming the field
    for seq, at, day in (
        (4, "0001-01-01T00:00:00+01:00", "2026-01-05"),
        (4, "2026-01-05T08:00:00Z", "9999-12-31"),
    ):
        alarm = {"seq": seq, "at": at, "day": day, "kind": "alarm.raised", "data": {"alarm": "door_forced"}}
        refused = _post(hub, "/api/v1/events", t["C1"], {"stream": "locker", "events": [alarm]})
        assert refused.status_code == 422, refused.text
        assert refused.json()["field"] in ("events.0.at", "events.0.day"), refused.json()


def test_a_seq_sent_again_with_another_day_is_stored_once(hub: HubServer, database_url: str) -> None:
    t = tokens(database_url, "C1")
    first = _post(hub, "/api/v1/events", t["C1"], {"events": [_event(2, "2026-01-05")]})
    assert first.json()["acked_seq"] == 0  # held after a gap
    filled = _post(
        hub, "/api/v1/events", t["C1"], {"events": [_event(1, "2026-01-05"), _event(2, "2026-01-06")]}
    )
    assert filled.json() == {"stream": "queueing", "acked_seq": 2, "stored": 1, "duplicates": 1}
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM events WHERE seq = 2").fetchone() == (1,)
        assert conn.execute("SELECT sum(tickets_issued) FROM daily").fetchone() == (2,)


def test_tokens_can_be_taken_back(hub: HubServer, database_url: str) -> None:
    t = tokens(database_url, "C1")
    again = hub_cli(database_url, "center", "add", "C1", "--name", "Trung tâm C1")
    assert again.returncode == 0 and again.stdout.count("\n") == 1, again.stderr
    new = again.stdout.strip()
    # a center added again has a new token; the earlier one (perhaps leaked) is refused
    assert _post(hub, "/api/v1/heartbeat", t["C1"], {}).status_code == 401
    assert _post(hub, "/api/v1/heartbeat", new, {}).status_code == 200
    revoked = hub_cli(database_url, "center", "revoke", "C1")
    assert revoked.returncode == 0 and "1 token(s) revoked" in revoked.stdout, revoked.stderr
    assert _post(hub, "/api/v1/heartbeat", new, {}).status_code == 401
    assert hub_cli(database_url, "reader", "revoke", "dashboard").returncode == 0
    reader = requests.get(f"{hub.url}/api/v1/centers", headers=bearer(t["reader"]), timeout=10)
    assert reader.status_code == 401
    for words, reason in (
        (("reader", "revoke", "dashboard"), "nothing revoked"),
        (("center", "revoke", "C9"), "nothing revoked"),
        (("center", "add", "C2", "--name", "Một\u0001Hai"), "printable"),
        (("center", "add", "C2", "--name", "x" * 121), "at most 120"),
    ):
        done = hub_cli(database_url, *words)
        assert done.returncode != 0 and done.stdout == "" and reason in done.stderr, (words, done.stderr)


def test_a_refused_heartbeat_does_not_hold_the_events(database_url: str, tmp_path: Path) -> None:
    t = tokens(database_url, "C1")
    queue_dir = tmp_path / "queue"
    clock = ManualClock(MONDAY_9AM)
    with (
        HubServer(database_url, clock) as hub,
        QueueingServer(make_config(), queue_dir, free_port(), ManualClock(MONDAY_9AM)) as center,
    ):
        for _ in range(2):
            issue(center.url, "ho_tich")
        site = site_file(tmp_path, hub.url, t["C1"], "C1", queue_dir)
        uplink = Uplink(load_setup(site))
        # the hub refuses this heartbeat (a queue of 2,000,000 is past its limit): 422
        uplink.devices.read = lambda sources: Readings({"printer": "ok"}, 2_000_000, None)  # type: ignore[method-assign]
        stop = threading.Event()
        runner = threading.Thread(target=uplink.run, args=(stop,), daemon=True)
        runner.start()
        try:
            day = MONDAY_9AM.date().isoformat()

            def summary() -> dict[str, Any]:
                url = f"{hub.url}/api/v1/centers/C1/summary?day={day}"
                return dict(requests.get(url, headers=bearer(t["reader"]), timeout=10).json())

            wait_until(lambda: summary()["tickets_issued"] == 2, timeout_s=30, what="both tickets at the hub")
        finally:
            stop.set()
            runner.join(timeout=30)
        assert uplink.failures == 0
