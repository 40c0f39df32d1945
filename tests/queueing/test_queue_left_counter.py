"""Tickets left at a counter nobody is signed in to any more are cleaned up by the sweep."""

from __future__ import annotations

from datetime import timedelta

import requests

from common.clock import ManualClock
from tests.harness import QueueingServer
from tests.queueing.fixtures import clock_fixture, server_fixture  # noqa: F401 - fixtures
from tests.queueing.test_queue_api import counter, issue


def state_of(url: str, ticket: dict[str, object]) -> dict[str, object]:
    return dict(requests.get(f"{url}/api/v1/tickets/{ticket['ticket_id']}", timeout=10).json())


def test_session_expiry_requeues_called_and_closes_served(server: QueueingServer, clock: ManualClock) -> None:
    url = server.url
    first, second, third = issue(url), issue(url), issue(url)
    desk1, desk2 = counter(url, 1), counter(url, 2, "cb02", "2222")
    assert desk1.post(f"{url}/api/v1/counter/call-next").json()["number"] == first["number"]
    assert desk2.post(f"{url}/api/v1/counter/call-next").json()["number"] == second["number"]
    assert desk2.post(f"{url}/api/v1/counter/start").status_code == 200
    queue = server.app.state.queue
    before_times = list(queue.estimates._service_times.get("ho_tich", []))
    seq = queue.store.last_event_seq()

    clock.advance(11 * 3600)  # session_hours = 10: both sessions end, same day (20:00)
    queue.sweep()

    back = state_of(url, first)
    assert back["state"] == "waiting" and back["counter"] is None and back["called_at"] is None
    assert back["ahead"] == 0, "the called citizen keeps their place at the head of the queue"
    assert state_of(url, second)["state"] == "done"
    assert state_of(url, third)["state"] == "waiting"
    assert list(queue.estimates._service_times.get("ho_tich", [])) == before_times, (
        "unknown length not averaged"
    )
    audit = [e["data"] for e in queue.store.events_since(seq) if e["kind"] == "state"]
    assert {(a["number"], a["state"], a["reason"], a["counter"]) for a in audit} == {
        (first["number"], "waiting", "counter_closed", 1),
        (second["number"], "done", "counter_closed", 2),
    }
    statuses = {c["number"]: c["status"] for c in requests.get(f"{url}/api/v1/counters").json()}
    assert statuses[1] == statuses[2] == "closed"
    board = requests.get(f"{url}/api/v1/display/state").json()
    assert first["number"] not in [c["number"] for c in board["calls"]]

    # the next counter to open calls the requeued citizen first; the report leaves the unknown
    # service length out
    fresh = counter(url, 5, "cb03", "3333")
    again = fresh.post(f"{url}/api/v1/counter/call-next").json()
    assert again["number"] == first["number"] and again["call_count"] == 2
    report = fresh.get(f"{url}/api/v1/reports", params={"group": "counter"}).json()
    row2 = next(r for r in report["rows"] if r["label"].startswith("Quầy 2"))
    assert row2["served"] == 1 and row2["service_mean_min"] is None

    queue.sweep()  # nothing more to do: counter 5 has a live session
    assert state_of(url, first)["state"] == "called"


def test_staff_moving_counters_releases_the_old_counters_ticket(server: QueueingServer) -> None:
    url = server.url
    t = issue(url)
    desk = counter(url, 1)
    assert desk.post(f"{url}/api/v1/counter/call-next").json()["number"] == t["number"]
    counter(url, 5)  # the same person signs in at counter 5: counter 1 is closed
    server.app.state.queue.sweep()
    assert state_of(url, t)["state"] == "waiting"


def test_called_yesterday_is_a_no_show(server: QueueingServer, clock: ManualClock) -> None:
    url = server.url
    t = issue(url)
    desk = counter(url, 1)
    desk.post(f"{url}/api/v1/counter/call-next")
    clock.advance(timedelta(days=1).total_seconds())
    server.app.state.queue.sweep()
    assert state_of(url, t)["state"] == "no_show"
