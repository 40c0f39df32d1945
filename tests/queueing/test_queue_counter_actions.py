"""The one-button counter actions (registered from one table): documented as before, signed-in
only, and each says plainly why it cannot act on an empty counter."""

from __future__ import annotations

import requests

from tests.harness import QueueingServer
from tests.queueing.fixtures import clock_fixture, server_fixture  # noqa: F401 - fixtures
from tests.queueing.test_queue_api import counter, issue

ACTIONS = {
    "call-next": ("call_next", 404, "queue_empty"),
    "recall": ("recall", 409, "nothing_to_recall"),
    "start": ("start", 409, "nothing_to_start"),
    "finish": ("finish", 409, "nothing_to_finish"),
    "no-show": ("no_show", 409, "nothing_called"),
}


def test_actions_are_documented_guarded_and_explain_refusals(server: QueueingServer) -> None:
    url = server.url
    spec = requests.get(f"{url}/openapi.json", timeout=10).json()
    desk = counter(url, 4)
    for path, (name, status, error) in ACTIONS.items():
        op = spec["paths"][f"/api/v1/counter/{path}"]["post"]
        assert op["operationId"] == f"{name}_api_v1_counter_{path.replace('-', '_')}_post"
        assert op["description"]
        anonymous = requests.post(f"{url}/api/v1/counter/{path}", timeout=10)
        assert anonymous.status_code == 401 and anonymous.json()["error"] == "not_signed_in"
        refused = desk.post(f"{url}/api/v1/counter/{path}")
        assert (refused.status_code, refused.json()["error"]) == (status, error), path
        assert len(refused.json()["message"]) > 10


def test_actions_walk_a_ticket_through_the_counter(server: QueueingServer) -> None:
    url = server.url
    a, b = issue(url, "kinh_doanh"), issue(url, "kinh_doanh")
    desk = counter(url, 4)
    assert desk.post(f"{url}/api/v1/counter/call-next").json()["number"] == a["number"]
    assert desk.post(f"{url}/api/v1/counter/no-show").json()["state"] == "no_show"
    assert desk.post(f"{url}/api/v1/counter/call-next").json()["number"] == b["number"]
    assert desk.post(f"{url}/api/v1/counter/start").json()["state"] == "serving"
    assert desk.post(f"{url}/api/v1/counter/finish").json()["state"] == "done"
    assert requests.get(f"{url}/api/v1/tickets/{b['ticket_id']}").json()["can_rate"] is True
