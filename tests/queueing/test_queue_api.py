"""The HTTP API over real HTTP on loopback: tickets, ghost-ticket rule, counters, reports, errors."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from common.clock import ManualClock
from tests.harness import QueueingServer, free_port, kiosk_headers_for
from tests.queueing.fixtures import clock_fixture, server_fixture  # noqa: F401 - fixtures
from tests.queueing.helpers import make_config

_keys = itertools.count()


def issue(url: str, service: str = "ho_tich", confirm: bool = True, **body: Any) -> dict[str, Any]:
    """A kiosk ticket (confirmed unless `confirm` is false) from the test server at `url`."""
    kiosk = kiosk_headers_for(url)
    r = requests.post(
        f"{url}/api/v1/tickets",
        json={"service": service, **body},
        headers={"Idempotency-Key": f"k{next(_keys)}", **kiosk},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    t = r.json()
    if confirm and t["state"] == "pending":
        c = requests.post(
            f"{url}/api/v1/tickets/{t['ticket_id']}/confirm",
            json={"delivery": "printed"},
            headers=kiosk,
            timeout=10,
        )
        assert c.json()["state"] == "waiting"
    return dict(t)


def counter(url: str, number: int, staff: str = "cb01", pin: str = "1111") -> requests.Session:
    s = requests.Session()
    r = s.post(f"{url}/api/v1/counter/sessions", json={"staff_id": staff, "pin": pin, "counter": number})
    assert r.status_code == 200, r.text
    return s


def test_services_and_priorities(server: QueueingServer) -> None:
    services = requests.get(f"{server.url}/api/v1/services").json()
    first = services[0]
    assert set(first) >= {
        "code",
        "name_vi",
        "name_en",
        "prefix",
        "open",
        "opens_at",
        "waiting",
        "reason_closed",
    }
    assert first["open"] is True and first["reason_closed"] is None
    prios = requests.get(f"{server.url}/api/v1/priorities").json()
    assert {"code": "elderly", "name_vi": "Người cao tuổi", "name_en": "Elderly person"} in prios
    assert requests.get(f"{server.url}/api/v1/health").json()["status"] == "ok"


def test_issue_confirm_and_idempotent_retry(server: QueueingServer) -> None:
    url = server.url
    kiosk = server.kiosk_headers
    h = {"Idempotency-Key": "kiosk1-0001", **kiosk}
    r1 = requests.post(f"{url}/api/v1/tickets", json={"service": "dat_dai", "channel": "kiosk"}, headers=h)
    assert r1.status_code == 201
    t = r1.json()
    assert t["number"] == "B001" and t["state"] == "pending" and t["service_name_vi"] == "Đất đai"
    assert t["status_url"].endswith(f"/t/{t['ticket_id']}") and t["status_url"].startswith("http://127.0.0.1")
    assert set(t) >= {
        "ticket_id",
        "number",
        "service",
        "service_name_en",
        "priority",
        "ahead",
        "wait_min",
        "wait_max",
        "issued_at",
    }
    r2 = requests.post(f"{url}/api/v1/tickets", json={"service": "dat_dai"}, headers=h)
    assert r2.status_code == 200 and r2.json()["ticket_id"] == t["ticket_id"]
    clash = requests.post(f"{url}/api/v1/tickets", json={"service": "ho_tich"}, headers=h)
    assert clash.status_code == 409 and clash.json()["error"] == "idempotency_conflict"
    assert requests.post(f"{url}/api/v1/tickets", json={"service": "dat_dai"}, headers=kiosk).json()[
        "error"
    ] == ("idempotency_key_required")
    # pending tickets are not in the queue
    assert requests.get(f"{url}/api/v1/services").json()[1]["waiting"] == 0
    ok = requests.post(
        f"{url}/api/v1/tickets/{t['ticket_id']}/confirm", json={"delivery": "screen"}, headers=kiosk
    ).json()
    assert ok["state"] == "waiting"
    assert requests.get(f"{url}/api/v1/services").json()[1]["waiting"] == 1
    second = issue(url, "dat_dai")
    assert second["number"] == "B002" and second["ahead"] == 1
    status = requests.get(f"{url}/api/v1/tickets/{second['ticket_id']}").json()
    assert status["state"] == "waiting" and status["ahead"] == 1 and status["counter"] is None


def test_ghost_ticket_is_never_called_and_voided_after_timeout(
    server: QueueingServer, clock: ManualClock
) -> None:
    url = server.url
    ghost = issue(url, confirm=False)
    desk = counter(url, 2)
    assert desk.post(f"{url}/api/v1/counter/call-next").json()["error"] == "queue_empty"
    clock.advance(121)
    assert server.app.state.queue.sweep() == 1
    assert requests.get(f"{url}/api/v1/tickets/{ghost['ticket_id']}").json()["state"] == "void"
    kiosk = server.kiosk_headers
    late = requests.post(
        f"{url}/api/v1/tickets/{ghost['ticket_id']}/confirm", json={"delivery": "printed"}, headers=kiosk
    )
    assert late.status_code == 409 and late.json()["error"] == "ticket_void"
    voided = issue(url, confirm=False)
    void = requests.post(f"{url}/api/v1/tickets/{voided['ticket_id']}/void", headers=kiosk)
    assert void.json()["state"] == "void"
    assert desk.post(f"{url}/api/v1/counter/call-next").status_code == 404


def test_closed_service_and_cap(tmp_path: Path) -> None:
    cfg = make_config()
    data = cfg.model_dump(mode="json")
    data["hours"]["mon"] = ["07:30-11:30", "13:00-17:00"]
    data["hours"]["sat"] = ["07:30-11:30"]
    data["hours"]["sun"] = []
    data["services"][0]["daily_cap_tickets"] = 2
    from queueing.config import QueueingConfig

    evening = ManualClock(datetime(2026, 1, 5, 4, 50, tzinfo=UTC))  # 11:50 local: lunch break
    with QueueingServer(QueueingConfig.model_validate(data), tmp_path, free_port(), evening) as srv:
        r = requests.post(
            f"{srv.url}/api/v1/tickets",
            json={"service": "ho_tich"},
            headers={"Idempotency-Key": "x", **srv.kiosk_headers},
        )
        assert r.status_code == 409
        assert r.json() == {**r.json(), "error": "service_closed", "opens_at": "13:00"}
        assert "13:00" in r.json()["message"]
        late = ManualClock(datetime(2026, 1, 10, 10, 0, tzinfo=UTC))  # Saturday 17:00 local
        srv.app.state.queue.clock = late
        r = requests.post(
            f"{srv.url}/api/v1/tickets",
            json={"service": "ho_tich"},
            headers={"Idempotency-Key": "s", **srv.kiosk_headers},
        )
        assert r.json()["opens_at"] is None and r.json()["opens_next"] == "2026-01-12T07:30"
        assert "2026-01-12 at 07:30" in r.json()["message"]
        srv.app.state.queue.clock = evening
        listed = requests.get(f"{srv.url}/api/v1/services").json()[0]
        assert (
            listed["open"] is False and listed["reason_closed"] == "closed" and listed["opens_at"] == "13:00"
        )
        evening.advance(3600 * 1.5)  # 13:20
        issue(srv.url)
        issue(srv.url)
        r = requests.post(
            f"{srv.url}/api/v1/tickets",
            json={"service": "ho_tich"},
            headers={"Idempotency-Key": "y", **srv.kiosk_headers},
        )
        assert r.status_code == 409 and r.json()["error"] == "cap_reached"
        assert requests.get(f"{srv.url}/api/v1/services").json()[0]["reason_closed"] == "cap_reached"


BAD_BODIES: list[tuple[str, str, Any, int, str]] = [
    ("POST", "/api/v1/tickets", b"not json", 422, "invalid_request"),
    ("POST", "/api/v1/tickets", b"[1, 2]", 422, "invalid_request"),
    ("POST", "/api/v1/tickets", b"null", 422, "invalid_request"),
    ("POST", "/api/v1/tickets", {"service": 12}, 422, "invalid_request"),
    ("POST", "/api/v1/tickets", {"service": "x" * 500}, 422, "invalid_request"),
    ("POST", "/api/v1/tickets", {"service": "ho_tich", "channel": "fax"}, 422, "invalid_request"),
    ("POST", "/api/v1/tickets", {"service": "ho_tich", "birth_date": "31/12/1950"}, 422, "invalid_request"),
    ("POST", "/api/v1/tickets", {"service": "ho_tich", "birth_date": "2999-01-01"}, 422, "invalid_request"),
    ("POST", "/api/v1/tickets", {"service": "ho_tich", "priority": "vip"}, 422, "unknown_priority"),
    ("POST", "/api/v1/tickets", {"service": "nope"}, 404, "unknown_service"),
    ("POST", "/api/v1/tickets/nope/confirm", {"delivery": "printed"}, 404, "unknown_ticket"),
    ("POST", "/api/v1/tickets/nope/confirm", {"delivery": "fax"}, 422, "invalid_request"),
    ("POST", "/api/v1/tickets/nope/rating", {"score": 9}, 422, "invalid_request"),
    ("POST", "/api/v1/tickets/nope/rating", {"score": 5}, 404, "unknown_ticket"),
    ("GET", "/api/v1/tickets/nope", None, 404, "unknown_ticket"),
    ("GET", "/api/v1/events?since=-4", None, 422, "invalid_request"),
    ("GET", "/api/v1/reports?day=yesterday", None, 422, "invalid_request"),
    ("POST", "/api/v1/counter/call-next", None, 401, "not_signed_in"),
    ("POST", "/api/v1/counter/sessions", {"staff_id": "cb01"}, 422, "invalid_request"),
    (
        "POST",
        "/api/v1/counter/sessions",
        {"staff_id": "cb01", "pin": "0000", "counter": 1},
        401,
        "bad_credentials",
    ),
    (
        "POST",
        "/api/v1/counter/sessions",
        {"staff_id": "cb01", "pin": "1111", "counter": 77},
        404,
        "unknown_counter",
    ),
    ("GET", "/api/v1/voice/announcement?number=12&counter=1", None, 422, "invalid_request"),
    ("GET", "/api/v1/nothing-here", None, 404, "not_found"),
    ("DELETE", "/api/v1/services", None, 405, "method_not_allowed"),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "error"), BAD_BODIES)
def test_bad_input_gets_a_clear_4xx(
    server: QueueingServer, method: str, path: str, body: Any, status: int, error: str
) -> None:
    kwargs: dict[str, Any] = {"headers": {"Idempotency-Key": f"bad{next(_keys)}", **server.kiosk_headers}}
    if isinstance(body, bytes):
        kwargs["data"] = body
        kwargs["headers"]["Content-Type"] = "application/json"
    elif body is not None:
        kwargs["json"] = body
    r = requests.request(method, server.url + path, timeout=10, **kwargs)
    assert r.status_code == status, r.text
    data = r.json()
    assert data["error"] == error and len(data["message"]) > 10
    if error == "invalid_request":
        assert data["field"]


def test_counter_flow_rating_and_reports(server: QueueingServer, clock: ManualClock) -> None:
    url = server.url
    t1 = issue(url)
    t2 = issue(url, birth_date="1940-03-02")  # 85 years old: elderly priority
    assert t2["priority"] == "elderly" and t2["ahead"] == 0
    t3 = issue(url, priority="disabled")
    assert t3["ahead"] == 0
    desk = counter(url, 2)
    called = desk.post(f"{url}/api/v1/counter/call-next").json()
    assert called["number"] == t3["number"] and called["state"] == "called"
    assert requests.get(f"{url}/api/v1/tickets/{t3['ticket_id']}").json() | {
        "state": "called",
        "counter": 2,
    } == (requests.get(f"{url}/api/v1/tickets/{t3['ticket_id']}").json())
    again = desk.post(f"{url}/api/v1/counter/call-next")
    assert again.status_code == 409 and again.json()["error"] == "current_not_started"
    assert desk.post(f"{url}/api/v1/counter/recall").status_code == 200
    too_soon = desk.post(f"{url}/api/v1/counter/recall")
    assert too_soon.status_code == 429 and "Retry-After" in too_soon.headers
    assert desk.post(f"{url}/api/v1/counter/start").json()["state"] == "serving"
    clock.advance(300)
    assert desk.post(f"{url}/api/v1/counter/finish").json()["state"] == "done"
    rated = requests.post(f"{url}/api/v1/tickets/{t3['ticket_id']}/rating", json={"score": 5})
    assert rated.status_code == 200
    assert requests.post(f"{url}/api/v1/tickets/{t3['ticket_id']}/rating", json={"score": 4}).json()[
        "error"
    ] == ("already_rated")
    assert requests.post(f"{url}/api/v1/tickets/{t1['ticket_id']}/rating", json={"score": 4}).json()[
        "error"
    ] == ("not_served_yet")
    # call a given number (the normal ticket), then no-show
    assert (
        desk.post(f"{url}/api/v1/counter/call", json={"number": t1["number"].lower()}).json()["number"]
        == (t1["number"])
    )
    assert desk.post(f"{url}/api/v1/counter/no-show").json()["state"] == "no_show"
    assert (
        desk.post(f"{url}/api/v1/counter/call", json={"number": t1["number"]}).json()["error"]
        == "not_waiting"
    )
    # the elderly ticket is transferred to land services and keeps its number
    assert desk.post(f"{url}/api/v1/counter/call-next").json()["number"] == t2["number"]
    moved = desk.post(f"{url}/api/v1/counter/transfer", json={"service": "dat_dai"}).json()
    assert moved["state"] == "transferred" and moved["to_service"] == "dat_dai"
    followed = requests.get(f"{url}/t/{t2['ticket_id']}", allow_redirects=False)
    assert followed.status_code == 303 and followed.headers["location"] == f"/t/{moved['transferred_to']}"
    land = counter(url, 3, "cb02", "2222")
    assert {c["number"]: c["status"] for c in requests.get(f"{url}/api/v1/counters").json()}[3] == "open"
    assert land.post(f"{url}/api/v1/counter/call-next").json()["number"] == t2["number"]
    # pause blocks calls
    paused = desk.post(f"{url}/api/v1/counter/pause", json={"paused": True, "reason": "meeting"})
    assert paused.json()["status"] == "paused"
    issue(url)
    assert desk.post(f"{url}/api/v1/counter/call-next").json()["error"] == "counter_paused"
    desk.post(f"{url}/api/v1/counter/pause", json={"paused": False})
    # reports: supervisors only
    refused = desk.get(f"{url}/api/v1/reports")
    assert refused.status_code == 403 and refused.json()["error"] == "supervisor_required"
    boss = requests.Session()
    assert boss.post(f"{url}/api/v1/counter/sessions", json={"staff_id": "cb03", "pin": "3333"}).ok
    rep = boss.get(f"{url}/api/v1/reports", params={"group": "service"}).json()
    ho_tich = next(r for r in rep["rows"] if r["group"] == "ho_tich")
    assert ho_tich["served"] == 1 and ho_tich["no_show"] == 1 and ho_tich["transferred"] == 1
    assert ho_tich["service_mean_min"] == 5.0 and ho_tich["rating_mean"] == 5.0
    text = boss.get(f"{url}/api/v1/reports", params={"group": "counter", "format": "csv"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[-1]["group"] == "all" and int(rows[-1]["issued"]) == 4
    assert requests.get(f"{url}/api/v1/reports").status_code == 401
    # sign out refuses while a ticket is at the counter
    assert land.delete(f"{url}/api/v1/counter/sessions/current").json()["error"] == "ticket_in_progress"
    land.post(f"{url}/api/v1/counter/start")
    land.post(f"{url}/api/v1/counter/finish")
    assert land.delete(f"{url}/api/v1/counter/sessions/current").status_code == 200
    assert land.get(f"{url}/api/v1/counter").status_code == 401


def test_wait_estimate_appears_with_enough_data(server: QueueingServer, clock: ManualClock) -> None:
    url = server.url
    desk = counter(url, 6)
    for _ in range(5):
        issue(url, "nhan_ket_qua")
        desk.post(f"{url}/api/v1/counter/call-next")
        desk.post(f"{url}/api/v1/counter/start")
        clock.advance(120)
        desk.post(f"{url}/api/v1/counter/finish")
    waiting = [issue(url, "nhan_ket_qua") for _ in range(4)]
    last = waiting[-1]
    assert last["ahead"] == 3
    assert (last["wait_min"], last["wait_max"]) == (4, 8)  # 3 x 2 min on one counter, +-30 %
    counter(url, 2, "cb02", "2222")  # counter 2 does not serve results: estimate unchanged
    assert requests.get(f"{url}/api/v1/tickets/{last['ticket_id']}").json()["wait_max"] == 8


def test_pin_guessing_is_locked_out(server: QueueingServer) -> None:
    for _ in range(5):
        bad = requests.post(f"{server.url}/api/v1/counter/sessions", json={"staff_id": "cb02", "pin": "9999"})
        assert bad.status_code == 401
    locked = requests.post(f"{server.url}/api/v1/counter/sessions", json={"staff_id": "cb02", "pin": "2222"})
    assert locked.status_code == 429 and locked.json()["error"] == "too_many_attempts"


def test_remote_tickets_are_waiting_at_once_and_limited_per_phone(server: QueueingServer) -> None:
    url = server.url
    s = requests.Session()
    assert s.get(f"{url}/remote").status_code == 200 and "qdevice" in s.cookies
    t = s.post(f"{url}/api/v1/tickets", json={"service": "tu_phap", "channel": "remote"}).json()
    assert t["state"] == "waiting" and t["channel"] == "remote"
    s.post(f"{url}/api/v1/tickets", json={"service": "tu_phap", "channel": "remote"})
    third = s.post(f"{url}/api/v1/tickets", json={"service": "tu_phap", "channel": "remote"})
    assert third.status_code == 429 and third.json()["error"] in ("device_limit", "throttled")
    page = s.get(f"{url}/t/{t['ticket_id']}")
    assert page.status_code == 200 and t["ticket_id"] in page.text


def test_numbers_restart_next_day_and_leftovers_are_voided(
    server: QueueingServer, clock: ManualClock
) -> None:
    url = server.url
    old = issue(url, "kinh_doanh")
    assert old["number"] == "C001"
    clock.advance(timedelta(days=1).total_seconds())
    server.app.state.queue.sweep()
    assert requests.get(f"{url}/api/v1/tickets/{old['ticket_id']}").json()["state"] == "void"
    assert issue(url, "kinh_doanh")["number"] == "C001"


def test_events_replay_from_a_sequence_number(server: QueueingServer) -> None:
    url = server.url
    issue(url)
    desk = counter(url, 1)
    desk.post(f"{url}/api/v1/counter/call-next")
    state = requests.get(f"{url}/api/v1/display/state").json()
    assert state["calls"][0]["counter"] == 1
    events = server.app.state.queue.store.events_since(0)
    called = [e for e in events if e["kind"] == "called"]
    assert called and called[0]["data"]["voice"][:2] == ["chime", "moi_cong_dan_co_so"]
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    with requests.get(
        f"{url}/api/v1/events", params={"since": called[0]["seq"] - 1}, stream=True, timeout=5
    ) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        lines = r.iter_lines(decode_unicode=True)
        got = []
        for line in lines:
            got.append(line)
            if line.startswith("data:"):
                break
    assert f"id: {called[0]['seq']}" in got and "event: called" in got
    data = next(line for line in got if line.startswith("data:"))
    assert '"age_s": 0.0' in data  # the server's clock did not move: a live call


def test_one_priority_after_n_normal_over_http(server: QueueingServer) -> None:
    """Land services use "one_per_n" (N = 3): the priority ticket waits for three normal ones."""
    url = server.url
    normal = [issue(url, "dat_dai") for _ in range(4)]
    prio = issue(url, "dat_dai", priority="pregnant")
    assert prio["ahead"] == 3
    desk = counter(url, 3)
    order = []
    for _ in range(5):
        order.append(desk.post(f"{url}/api/v1/counter/call-next").json()["number"])
        desk.post(f"{url}/api/v1/counter/finish")
    assert order == [
        normal[0]["number"],
        normal[1]["number"],
        normal[2]["number"],
        prio["number"],
        normal[3]["number"],
    ]


def test_old_keys_and_events_are_pruned(server: QueueingServer, clock: ManualClock) -> None:
    url = server.url
    issue(url)
    store = server.app.state.queue.store
    assert store.events_since(0)
    clock.advance(3 * 86400)
    server.app.state.queue.sweep()
    left = store.events_since(0)
    assert all(e["at"] >= clock.now().timestamp() - 2 * 86400 for e in left)
    assert left[-1]["kind"] == "waiting" and left[-1]["data"]["waiting"]["ho_tich"] == 0  # leftovers voided
    assert requests.get(f"{url}/api/v1/health").json()["status"] == "ok"
    # event numbers keep growing after a prune, so a board's "since" stays meaningful
    before = store.last_event_seq()
    issue(url)
    assert store.last_event_seq() > before >= 0


def test_cli_refuses_a_bad_config_naming_the_key(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.conftest import REPO_ROOT

    site = tmp_path / "site.toml"
    site.write_text("[queueing]\npending_timeout_s = -5\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "queueing", "--config", str(site), "--data-dir", str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "queueing.pending_timeout_s" in done.stderr


def test_door_poster_holds_a_qr_code_of_the_remote_page(server: QueueingServer) -> None:
    import base64
    import io
    import re

    import zxingcpp
    from PIL import Image

    page = requests.get(f"{server.url}/remote/poster")
    assert page.status_code == 200
    src = re.search(r'src="data:image/png;base64,([^"]+)"', page.text)
    assert src is not None
    img = Image.open(io.BytesIO(base64.b64decode(src.group(1))))
    found = zxingcpp.read_barcodes(img)
    assert found and found[0].text == f"{server.url}/remote"


def test_counter_closes_when_its_session_expires(server: QueueingServer, clock: ManualClock) -> None:
    url = server.url
    desk = counter(url, 4)
    assert requests.get(f"{url}/api/v1/services").json()[2]["counters_open"] == 1
    clock.advance(11 * 3600)  # session_hours = 10
    server.app.state.queue.sweep()
    assert requests.get(f"{url}/api/v1/services").json()[2]["counters_open"] == 0
    assert {c["number"]: c["status"] for c in requests.get(f"{url}/api/v1/counters").json()}[4] == "closed"
    assert desk.get(f"{url}/api/v1/counter").json()["error"] == "not_signed_in"


def test_storage_failure_is_a_clear_503_and_health_degrades(server: QueueingServer) -> None:
    server.app.state.queue.store.close()  # as if the disk went away
    r = requests.post(
        f"{server.url}/api/v1/tickets",
        json={"service": "ho_tich"},
        headers={"Idempotency-Key": "z", **server.kiosk_headers},
    )
    assert r.status_code == 503 and r.json()["error"] == "storage_unavailable"
    health = requests.get(f"{server.url}/api/v1/health")
    assert health.status_code == 200 and health.json()["status"] == "degraded"
