"""Pause with a reason, and the counters' time: paused by reason and idle while citizens waited,
per officer, counter and day (spans from the injected clock), the report and its CSV, and the
counter events of the province outbox. Real HTTP on loopback, a real SQLite file."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from common.clock import ManualClock
from contracts.counter_time import CounterTimeRow
from queueing.counter_time import CounterTimeTracker
from queueing.counters import CounterDesk
from queueing.service import QueueService
from queueing.staff_accounts import ensure_schema
from queueing.store import Store
from tests.harness import MONDAY_9AM, QueueingServer
from tests.queueing.fixtures import clock_fixture, server_fixture  # noqa: F401 - fixtures
from tests.queueing.helpers import make_config
from tests.queueing.test_queue_api import counter, issue

REASON_CODES = ["lunch", "short_break", "meeting", "helping", "training", "other"]


def pause(desk: requests.Session, url: str, reason: str | None = None, paused: bool = True) -> Any:
    body: dict[str, Any] = {"paused": paused}
    if reason is not None:
        body["reason"] = reason
    return desk.post(f"{url}/api/v1/counter/pause", json=body, timeout=10)


def supervisor(url: str) -> requests.Session:
    boss = requests.Session()
    assert boss.post(f"{url}/api/v1/counter/sessions", json={"staff_id": "cb03", "pin": "3333"}).ok
    return boss


def minutes(clock: ManualClock, n: float) -> None:
    clock.advance(n * 60)


def hub_events(server: QueueingServer, prefix: str = "counter.") -> list[tuple[str, dict[str, Any]]]:
    """The province outbox's events of a kind starting with `prefix`, oldest first."""
    conn = sqlite3.connect(f"file:{server.data_dir / 'queue.sqlite3'}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT kind, data FROM hub_events WHERE kind LIKE ? ORDER BY seq", (prefix + "%",)
        )
        return [(kind, json.loads(data)) for kind, data in rows]
    finally:
        conn.close()


def test_a_pause_needs_one_of_the_configured_reasons(server: QueueingServer) -> None:
    url = server.url
    desk = counter(url, 4)
    state = desk.get(f"{url}/api/v1/counter/pause").json()
    assert state["status"] == "open" and state["reason"] is None
    assert [r["code"] for r in state["reasons"]] == REASON_CODES  # the config's order
    assert state["reasons"][0] == {"code": "lunch", "name_vi": "Nghỉ trưa", "name_en": "Lunch break"}

    for body, code in (
        ({"paused": True}, "pause_reason_required"),
        ({"paused": True, "reason": ""}, "pause_reason_required"),
        ({"paused": True, "reason": "nap"}, "unknown_pause_reason"),
        ({"paused": True, "reason": "Nghỉ trưa"}, "unknown_pause_reason"),  # a name is not a code
    ):
        r = desk.post(f"{url}/api/v1/counter/pause", json=body)
        assert r.status_code == 422, body
        err = r.json()
        assert err["error"] == code and err["field"] == "reason"
        assert "Chọn lý do" in err["message"] or "Không có lý do" in err["message"]
        assert "lunch (Nghỉ trưa / Lunch break)" in err["message"]  # says what to send
    too_long = desk.post(f"{url}/api/v1/counter/pause", json={"paused": True, "reason": "x" * 33})
    assert too_long.status_code == 422 and too_long.json()["error"] == "invalid_request"
    assert desk.get(f"{url}/api/v1/counter").json()["status"] == "open"  # nothing changed

    r = pause(desk, url, "lunch")
    assert r.status_code == 200
    assert r.json() == {
        "counter": 4,
        "status": "paused",
        "reason": "lunch",
        "since": "2026-01-05T02:00:00+00:00",
        "since_local": "09:00",
    }
    assert pause(desk, url, "lunch").json()["reason"] == "lunch"  # a retried request: the same
    other = pause(desk, url, "meeting")
    assert other.status_code == 409 and other.json()["error"] == "already_paused"
    assert desk.get(f"{url}/api/v1/counter/pause").json()["reason"] == "lunch"
    assert desk.post(f"{url}/api/v1/counter/call-next").json()["error"] == "counter_paused"

    back = pause(desk, url, paused=False).json()
    assert back == {"counter": 4, "status": "open", "reason": None, "since": None, "since_local": None}
    assert pause(desk, url, paused=False).json()["status"] == "open"  # resuming again: the same
    nobody = requests.post(f"{url}/api/v1/counter/pause", json={"paused": True, "reason": "lunch"})
    assert nobody.status_code == 401


def test_time_paused_by_reason_and_idle_while_citizens_waited(
    server: QueueingServer, clock: ManualClock
) -> None:
    """Officer cb01 at counter 4 (business registration) from 09:00 to 11:15, cb02 at counter 2
    (civil status) from 09:00 to 09:50; minute by minute on the injected clock."""
    url = server.url
    an = counter(url, 4, "cb01", "1111")  # 09:00, nobody waiting: not idle
    binh = counter(url, 2, "cb02", "2222")
    minutes(clock, 5)
    issue(url, "kinh_doanh")  # 09:05 a citizen waits for counter 4: idle from now; counter 2 is not
    minutes(clock, 10)
    an.post(f"{url}/api/v1/counter/call-next")  # 09:15 called: busy (10 min idle)
    minutes(clock, 2)
    issue(url, "kinh_doanh")  # 09:17 someone waits, but a ticket is called here: still busy
    an.post(f"{url}/api/v1/counter/start")
    minutes(clock, 3)
    an.post(f"{url}/api/v1/counter/finish")  # 09:20 finished, one waiting: idle again
    minutes(clock, 4)
    assert pause(an, url, "lunch").status_code == 200  # 09:24 paused: idle ends (4 min)
    issue(url, "ho_tich")  # 09:24 counter 2's service: cb02 idle from now
    minutes(clock, 6)
    binh.post(f"{url}/api/v1/counter/call-next")  # 09:30 (6 min idle for cb02)
    minutes(clock, 20)
    binh.post(f"{url}/api/v1/counter/no-show")  # 09:50 nobody waits for counter 2
    assert binh.delete(f"{url}/api/v1/counter/sessions/current").ok  # 09:50 closed
    minutes(clock, 34)
    pause(an, url, paused=False)  # 10:24 back (60 min lunch), one still waiting: idle
    minutes(clock, 6)
    assert pause(an, url, "meeting").ok  # 10:30 (6 min idle)
    minutes(clock, 30)
    pause(an, url, paused=False)  # 11:00 (30 min meeting): idle again
    minutes(clock, 15)
    assert an.delete(f"{url}/api/v1/counter/sessions/current").ok  # 11:15 (15 min idle), closed
    minutes(clock, 45)  # 12:00: closed counters add nothing

    boss = supervisor(url)
    report = boss.get(f"{url}/api/v1/reports/counter-time").json()
    assert report["day"] == report["to"] == "2026-01-05"
    assert [r["code"] for r in report["reasons"]] == REASON_CODES
    rows = {(r["staff_id"], r["counter"]): r for r in report["rows"]}
    an_row = rows[("cb01", 4)]
    assert an_row["staff_name"] == "Nguyễn Văn An" and an_row["day"] == "2026-01-05"
    assert an_row["open_min"] == 135.0
    assert an_row["paused_min"] == 90.0
    assert an_row["paused_by_reason_min"] == {"lunch": 60.0, "meeting": 30.0}
    assert an_row["idle_waiting_min"] == 10 + 4 + 6 + 15
    assert an_row["idle_waiting_pct"] == round(100 * 35 / 45, 1)
    binh_row = rows[("cb02", 2)]
    assert (binh_row["open_min"], binh_row["paused_min"], binh_row["idle_waiting_min"]) == (50.0, 0.0, 6.0)
    total = report["rows"][-1]
    assert total["staff_name"] == "Tổng · All" and total["counter"] is None
    assert (total["open_min"], total["paused_min"], total["idle_waiting_min"]) == (185.0, 90.0, 41.0)

    text = boss.get(f"{url}/api/v1/reports/counter-time?format=csv")
    assert text.headers["content-type"].startswith("text/csv")
    assert 'filename="counter-time-2026-01-05.csv"' in text.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(text.text)))
    assert list(table[0])[:6] == ["day", "staff_id", "staff_name", "counter", "open_min", "paused_min"]
    assert [c for c in table[0] if c.startswith("paused_") and c != "paused_min"] == [
        f"paused_{c}_min" for c in REASON_CODES
    ]
    by = {(r["staff_id"], r["counter"]): r for r in table}
    assert (
        by[("cb01", "4")]["paused_lunch_min"] == "60.0" and by[("cb01", "4")]["paused_meeting_min"] == "30.0"
    )
    assert by[("cb01", "4")]["idle_waiting_min"] == "35.0"
    assert by[("", "")]["staff_name"] == "Tổng · All" and by[("", "")]["paused_training_min"] == "0.0"


def test_a_counter_opened_while_citizens_wait_is_idle_from_the_start(
    server: QueueingServer, clock: ManualClock
) -> None:
    url = server.url
    issue(url, "dat_dai")
    minutes(clock, 3)
    land = counter(url, 3, "cb01", "1111")  # 09:03, one waiting already
    minutes(clock, 7)
    boss = supervisor(url)
    row = boss.get(f"{url}/api/v1/reports/counter-time").json()["rows"][0]
    assert (row["counter"], row["open_min"], row["idle_waiting_min"]) == (
        3,
        7.0,
        7.0,
    )  # still open: up to now
    land.post(f"{url}/api/v1/counter/call-next")
    minutes(clock, 5)
    row = boss.get(f"{url}/api/v1/reports/counter-time").json()["rows"][0]
    assert (row["open_min"], row["idle_waiting_min"], row["idle_waiting_pct"]) == (12.0, 7.0, 58.3)


def test_the_province_outbox_gets_counter_events_with_reason_codes_only(
    server: QueueingServer, clock: ManualClock
) -> None:
    url = server.url
    desk = counter(url, 4, "cb01", "1111")
    minutes(clock, 10)
    pause(desk, url, "helping")
    minutes(clock, 12.5)
    pause(desk, url, paused=False)
    minutes(clock, 1)
    pause(desk, url, "lunch")
    minutes(clock, 30)
    assert desk.delete(f"{url}/api/v1/counter/sessions/current").ok  # signed out while paused
    other = counter(url, 5, "cb02", "2222")
    boss = requests.Session()  # a supervisor takes counter 5 over: it stays open, no event
    r = boss.post(
        f"{url}/api/v1/counter/sessions",
        json={"staff_id": "cb03", "pin": "3333", "counter": 5, "take_over": True},
    )
    assert r.ok, r.text
    assert other.get(f"{url}/api/v1/counter").status_code == 401
    assert hub_events(server) == [
        ("counter.opened", {"counter": 4}),
        ("counter.paused", {"counter": 4, "reason": "helping"}),
        ("counter.resumed", {"counter": 4, "reason": "helping", "paused_s": 750.0}),
        ("counter.paused", {"counter": 4, "reason": "lunch"}),
        ("counter.closed", {"counter": 4, "reason": "lunch", "paused_s": 1800.0}),
        ("counter.opened", {"counter": 5}),
    ]
    conn = sqlite3.connect(f"file:{server.data_dir / 'queue.sqlite3'}?mode=ro", uri=True)
    try:
        dump = "\n".join(str(r) for r in conn.execute("SELECT * FROM hub_events"))
        days = {r[0] for r in conn.execute("SELECT day FROM hub_events WHERE kind LIKE 'counter.%'")}
    finally:
        conn.close()
    assert days == {"2026-01-05"}
    for personal in ("cb01", "cb02", "cb03", "Nguyễn", "Nghỉ trưa", "Lunch break"):
        assert personal not in dump


def test_the_events_are_in_the_same_transaction_as_the_change(server: QueueingServer) -> None:
    """A refused pause (409 already_paused) leaves no span and no outbox row behind."""
    url = server.url
    desk = counter(url, 4)
    pause(desk, url, "lunch")
    before = hub_events(server)
    assert pause(desk, url, "training").status_code == 409
    assert hub_events(server) == before
    conn = sqlite3.connect(f"file:{server.data_dir / 'queue.sqlite3'}?mode=ro", uri=True)
    try:
        spans = conn.execute(
            "SELECT kind, reason FROM counter_spans WHERE ended_at IS NULL ORDER BY kind"
        ).fetchall()
    finally:
        conn.close()
    assert spans == [("open", None), ("pause", "lunch")]


def test_an_expired_session_closes_the_pause_at_the_sweep(server: QueueingServer, clock: ManualClock) -> None:
    url = server.url
    desk = counter(url, 1)
    pause(desk, url, "training")
    clock.advance(11 * 3600)  # past session_hours (10): the sweep closes the counter
    server.app.state.queue.sweep()
    kinds = [(k, d.get("reason")) for k, d in hub_events(server)]
    assert kinds == [("counter.opened", None), ("counter.paused", "training"), ("counter.closed", "training")]
    row = supervisor(url).get(f"{url}/api/v1/reports/counter-time").json()["rows"][0]
    assert row["paused_by_reason_min"] == {"training": 660.0}  # until the sweep saw it


def test_a_span_across_midnight_counts_on_each_day(server: QueueingServer, clock: ManualClock) -> None:
    url = server.url
    clock.set(datetime(2026, 1, 5, 16, 0, tzinfo=UTC))  # 23:00 local
    desk = counter(url, 6, "cb01", "1111")
    pause(desk, url, "other")
    clock.set(datetime(2026, 1, 5, 17, 30, tzinfo=UTC))  # 00:30 the next day
    pause(desk, url, paused=False)
    assert desk.delete(f"{url}/api/v1/counter/sessions/current").ok
    boss = supervisor(url)
    report = boss.get(f"{url}/api/v1/reports/counter-time?day=2026-01-05&to=2026-01-06").json()
    rows = [(r["day"], r["paused_by_reason_min"], r["open_min"]) for r in report["rows"]]
    assert rows == [
        ("2026-01-05", {"other": 60.0}, 60.0),
        ("2026-01-06", {"other": 30.0}, 30.0),
        ("", {"other": 90.0}, 90.0),
    ]
    one = boss.get(f"{url}/api/v1/reports/counter-time?day=2026-01-06").json()["rows"]
    assert [r["paused_min"] for r in one] == [30.0, 30.0]
    csv_text = boss.get(f"{url}/api/v1/reports/counter-time?day=2026-01-05&to=2026-01-06&format=csv")
    assert 'filename="counter-time-2026-01-05-2026-01-06.csv"' in csv_text.headers["content-disposition"]


def test_the_report_is_for_supervisors_and_bounded(server: QueueingServer) -> None:
    url = server.url
    report = f"{url}/api/v1/reports/counter-time"
    assert requests.get(report, timeout=10).status_code == 401
    refused = counter(url, 1).get(report)
    assert refused.status_code == 403 and refused.json()["error"] == "supervisor_required"
    boss = supervisor(url)
    for query in (
        "day=2026-01-05&to=2026-01-04",
        "day=2026-01-01&to=2026-02-01",
        "day=05/01/2026",
        "day=9999-12-31",
        "day=2026-01-01&to=9999-12-31",
    ):
        r = boss.get(f"{report}?{query}")
        assert r.status_code == 422, query
        assert r.json()["error"] == "invalid_request"
    empty = boss.get(f"{report}?day=2026-01-01&to=2026-01-31").json()
    assert empty["rows"] == [
        {
            "day": "",
            "staff_id": "",
            "staff_name": "Tổng · All",
            "counter": None,
            "open_min": 0.0,
            "paused_min": 0.0,
            "paused_by_reason_min": {},
            "idle_waiting_min": 0.0,
            "idle_waiting_pct": None,
        }
    ]


def test_a_database_from_before_pause_reasons_keeps_its_paused_counter(tmp_path: Path) -> None:
    """A counter paused under the release before (no reason) is reported as `unspecified`."""
    from queueing.counter_time_report import to_csv

    rows = [
        CounterTimeRow(
            day="2026-01-05",
            staff_id="cb01",
            staff_name="An",
            counter=1,
            open_min=10.0,
            paused_min=4.0,
            paused_by_reason_min={"unspecified": 4.0},
            idle_waiting_min=0.0,
            idle_waiting_pct=0.0,
        )
    ]
    header = to_csv(rows, make_config().pause_reasons).splitlines()[0].split(",")
    assert header[-3:] == ["paused_unspecified_min", "idle_waiting_min", "idle_waiting_pct"]


def test_only_the_reason_code_can_leave_the_center() -> None:
    from common.outbox import clean_data

    assert clean_data({"counter": 4, "reason": "lunch", "paused_s": 61.5}) == {
        "counter": 4,
        "reason": "lunch",
        "paused_s": 61.5,
    }
    assert clean_data({"counter": 4, "reason": "Nghỉ trưa với gia đình", "staff_id": "cb01"}) == {
        "counter": 4
    }


@dataclass
class TimedDesk:
    """A queue on a real SQLite file with its counter desk and the counter-time tracker installed."""

    store: Store
    queue: QueueService
    desk: CounterDesk
    tracker: CounterTimeTracker


@pytest.fixture(name="timed")
def timed_fixture(tmp_path: Path) -> Iterator[TimedDesk]:
    """The service parts in this process (no HTTP), on the queueing tests' Monday clock."""
    store = Store(tmp_path / "q.sqlite3", checkpoint_every_s=0)
    store.open()
    try:
        cfg = make_config()
        queue = QueueService(cfg, store, ManualClock(MONDAY_9AM))
        queue.load()
        ensure_schema(store)
        desk = CounterDesk(queue.wiring, queue.states, queue.estimates)
        desk.staff.accounts.sync_demo(cfg.demo_staff)
        tracker = CounterTimeTracker(queue.wiring)
        tracker.install()
        yield TimedDesk(store, queue, desk, tracker)
    finally:
        store.close()


def test_a_failing_record_never_undoes_the_change(
    timed: TimedDesk, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the tracker cannot read the counters, the call still happens (and the log says why)."""
    store, queue, desk = timed.store, timed.queue, timed.desk
    session = desk.session(desk.sign_in("cb01", "1111", 4)[0])
    t = queue.issue("kinh_doanh", channel="kiosk", idempotency_key="k1")
    queue.confirm(t.ticket_id, "printed")

    def broken(tx: Any) -> Any:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(timed.tracker, "_plan", broken)
    assert desk.call_next(session).number == t.number
    assert "this change is not timed" in caplog.text
    with store.read() as conn:
        (state,) = conn.execute("SELECT state FROM tickets WHERE ticket_id = ?", (t.ticket_id,)).fetchone()
        assert state == "called"
        (idle,) = conn.execute(
            "SELECT COUNT(*) FROM counter_spans WHERE kind = 'idle' AND ended_at IS NULL"
        ).fetchone()
    assert idle == 1  # left open: the next change that can be read closes it


def test_the_record_adds_few_statements_to_a_confirm(timed: TimedDesk) -> None:
    """Pinned beside tests/queueing/test_queue_statements.py: with no counter open the tracker
    reads twice (counters, open spans); with counters open once more (waiting services), plus a
    write only when a span starts or ends."""
    store, queue, desk = timed.store, timed.queue, timed.desk
    assert store.db._conn is not None

    def confirm_statements(key: str) -> list[str]:
        t = queue.issue("kinh_doanh", channel="kiosk", idempotency_key=key)
        seen: list[str] = []
        assert store.db._conn is not None
        store.db._conn.set_trace_callback(seen.append)
        queue.confirm(t.ticket_id, "printed")
        store.db._conn.set_trace_callback(None)
        return seen

    assert len(confirm_statements("k1")) <= 6 + 2  # test_queue_statements' 6, nobody open
    desk.sign_in("cb01", "1111", 4)  # someone waits: idle from now
    assert len(confirm_statements("k2")) <= 6 + 3  # open, already idle: nothing written
