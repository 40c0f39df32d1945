"""The OpenAPI document lists every error status each route really returns, and real error
answers validate against the documented ErrorBody schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema_rs  # comes with schemathesis (the fuzz tests' dependency)
import requests

from tests.harness import QueueingServer, free_port
from tests.queueing.helpers import make_config

T = "/api/v1/tickets/{ticket_id}"
#: (method, path) -> the error statuses the route can answer with (422 = FastAPI validation too).
EXPECTED: dict[tuple[str, str], set[int]] = {
    ("post", "/api/v1/tickets"): {400, 401, 403, 404, 409, 422, 429, 503},
    ("post", f"{T}/confirm"): {401, 404, 409, 422, 503},
    ("get", "/api/v1/health"): {503},
    ("get", "/api/v1/services"): {503},
    ("get", "/api/v1/priorities"): set(),
    ("get", T): {404, 422, 503},
    ("post", f"{T}/void"): {401, 404, 409, 422, 503},
    ("post", f"{T}/rating"): {404, 409, 422, 503},
    ("post", "/api/v1/counter/sessions"): {401, 404, 409, 422, 429, 503},
    ("delete", "/api/v1/counter/sessions/current"): {401, 409, 503},
    ("get", "/api/v1/counter"): {401, 409, 503},
    ("post", "/api/v1/counter/call"): {401, 404, 409, 422, 503},
    ("post", "/api/v1/counter/call-next"): {401, 404, 409, 503},
    ("post", "/api/v1/counter/recall"): {401, 409, 429, 503},
    ("post", "/api/v1/counter/start"): {401, 409, 503},
    ("post", "/api/v1/counter/finish"): {401, 409, 503},
    ("post", "/api/v1/counter/no-show"): {401, 409, 503},
    ("post", "/api/v1/counter/transfer"): {401, 404, 409, 422, 503},
    ("post", "/api/v1/counter/pause"): {401, 409, 422, 503},
    ("get", "/api/v1/counter/pause"): {401, 409, 503},
    ("post", "/api/v1/kiosk/help"): {401, 422, 503},
    ("post", "/api/v1/counter/help/{kiosk}/ack"): {401, 422, 503},
    ("get", "/api/v1/counters"): {503},
    ("get", "/api/v1/display/state"): {503},
    ("get", "/api/v1/events"): {422, 503},
    ("get", "/api/v1/reports"): {401, 403, 422, 503},
    ("get", "/api/v1/voice/announcement"): {422},
    ("get", "/api/v1/services/{service}/slots"): {403, 404, 422, 503},
    ("post", "/api/v1/appointments"): {403, 404, 409, 422, 429, 503},
    ("post", "/api/v1/appointments/check-in"): {401, 404, 409, 422, 503},
    ("get", "/api/v1/appointments/manage/{token}"): {404, 422, 503},
    ("post", "/api/v1/appointments/manage/{token}/cancel"): {404, 409, 422, 503},
    ("post", "/api/v1/appointments/manage/{token}/move"): {404, 409, 422, 429, 503},
    ("get", "/api/v1/reports/appointments"): {401, 403, 422, 503},
    # rating tablets (queueing/ratings_api.py)
    ("post", "/api/v1/tablets"): {401, 403, 404, 422, 503},
    ("get", "/api/v1/tablets"): {401, 403, 503},
    ("delete", "/api/v1/tablets/{tablet_id}"): {401, 403, 404, 422, 503},
    ("post", "/api/v1/tablets/pair"): {404, 422, 429, 503},
    ("get", "/api/v1/tablet"): {401, 503},
    ("post", "/api/v1/tablet/rating"): {401, 409, 422, 503},
    ("get", "/api/v1/reports/ratings"): {401, 403, 422, 503},
    ("get", "/api/v1/reports/counter-time"): {401, 403, 422, 503},
}


def _error_statuses(op: dict[str, Any]) -> set[int]:
    return {int(s) for s in op.get("responses", {}) if s[:1] in ("4", "5")}


def test_every_api_route_documents_the_errors_it_returns(tmp_path: Path) -> None:
    with QueueingServer(make_config(), tmp_path, free_port()) as srv:
        doc = requests.get(f"{srv.url}/openapi.json", timeout=10).json()
    schemas = doc["components"]["schemas"]
    assert "ErrorBody" in schemas and "HTTPValidationError" not in schemas
    api_ops = {
        (method, path): op
        for path, item in doc["paths"].items()
        if path.startswith("/api/")
        for method, op in item.items()
    }
    assert set(api_ops) == set(EXPECTED), "a route was added or removed: document its errors here"
    for key, op in api_ops.items():
        assert _error_statuses(op) == EXPECTED[key], key
        for status, resp in op["responses"].items():
            if status[:1] in ("4", "5"):
                ref = resp["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/ErrorBody", (key, status)
                assert resp["description"], (key, status)


def test_real_error_answers_match_the_documented_schema(tmp_path: Path) -> None:
    cfg = make_config(
        remote_max_per_window=1,
        services=[
            {**s, "daily_cap_tickets": 1 if s["code"] == "dat_dai" else 0, "last_ticket_before_close_min": 0}
            for s in make_config().model_dump(mode="json")["services"]
        ],
    )
    with QueueingServer(cfg, tmp_path, free_port()) as srv:
        url = srv.url
        doc = requests.get(f"{url}/openapi.json", timeout=10).json()
        # the error body with the document's components, so its $refs (the code enums) resolve
        error_body = {**doc["components"]["schemas"]["ErrorBody"], "components": doc["components"]}
        validator = jsonschema_rs.validator_for(error_body)
        key = iter(range(1000))

        def issue(body: dict[str, Any], **headers: str) -> requests.Response:
            h = {"Idempotency-Key": f"docs-{next(key)}", **srv.kiosk_headers, **headers}
            return requests.post(f"{url}/api/v1/tickets", json=body, headers=h, timeout=10)

        first = issue({"service": "dat_dai"})
        assert first.status_code == 201
        remote = {"service": "ho_tich", "channel": "remote"}
        assert issue(remote, **{"X-Device-Id": "p1"}).status_code == 201  # the next one is throttled
        staff = requests.Session()
        seen: list[tuple[str, str, requests.Response]] = [
            (
                "post",
                "/api/v1/tickets",
                requests.post(
                    f"{url}/api/v1/tickets", json={"service": "ho_tich"}, headers=srv.kiosk_headers
                ),
            ),
            (  # no kiosk token
                "post",
                "/api/v1/tickets",
                requests.post(f"{url}/api/v1/tickets", json={"service": "ho_tich"}),
            ),
            ("post", "/api/v1/tickets", issue({"service": "nope"})),
            ("post", "/api/v1/tickets", issue({"service": "dat_dai"})),  # cap reached
            ("post", "/api/v1/tickets", issue({"service": 5})),
            (
                "post",
                "/api/v1/tickets",
                issue(remote, **{"X-Device-Id": "p1"}),
            ),
            ("get", T, requests.get(f"{url}/api/v1/tickets/nope")),
            (
                "post",
                f"{T}/rating",
                requests.post(f"{url}/api/v1/tickets/{first.json()['ticket_id']}/rating", json={"score": 5}),
            ),
            ("get", "/api/v1/counter", staff.get(f"{url}/api/v1/counter")),
            ("get", "/api/v1/reports", _signed_in(url, "cb01", "1111").get(f"{url}/api/v1/reports")),
            (
                "post",
                "/api/v1/counter/sessions",
                staff.post(
                    f"{url}/api/v1/counter/sessions", json={"staff_id": "cb01", "pin": "0000", "counter": 1}
                ),
            ),
            (
                "get",
                "/api/v1/voice/announcement",
                requests.get(f"{url}/api/v1/voice/announcement?number=x&counter=1"),
            ),
        ]
        srv.app.state.queue.store.close()  # the database goes away under the running service
        seen.append(("get", "/api/v1/services", requests.get(f"{url}/api/v1/services")))
        seen.append(("post", "/api/v1/tickets", issue({"service": "ho_tich"})))
    statuses = set()
    for method, path, r in seen:
        assert r.status_code >= 400, (path, r.status_code, r.text)
        documented = _error_statuses(doc["paths"][path][method])
        assert r.status_code in documented, (method, path, r.status_code, sorted(documented))
        validator.validate(r.json())
        statuses.add(r.status_code)
    assert statuses == {400, 401, 403, 404, 409, 422, 429, 503}


def _signed_in(url: str, staff_id: str, pin: str) -> requests.Session:
    s = requests.Session()
    assert s.post(f"{url}/api/v1/counter/sessions", json={"staff_id": staff_id, "pin": pin}, timeout=10).ok
    return s
