"""The queueing service's contract (`contracts.queueing`) is what it serves and what the kiosk reads.

- every /api/v1 route's success answer in the OpenAPI document is a model of the contract
  (the event stream excepted: server-sent events, not JSON);
- every error code the service's source raises is one of the contract's codes;
- the service's own enums have the contract's values;
- every route's real answer validates against its model, and the kiosk's QueueingClient reads
  them through the contract: a renamed field fails instead of reaching a screen.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from pydantic import TypeAdapter

import contracts.appointment_sms
import contracts.counter_time as counter_time_contract
import contracts.queueing as contract
import contracts.queueing_appointments
import contracts.queueing_counter
import contracts.queueing_display
import contracts.queueing_reports
import contracts.queueing_tickets
import contracts.ratings
import queueing.api_models
from contracts.common import CommonErrorCode
from contracts.queueing_counter import (
    CounterRow,
    CounterSignedIn,
    CounterTicket,
    CounterView,
    SignedOut,
    SignInRequest,
    TransferredTicket,
)
from contracts.queueing_display import Announcement, DisplayState
from contracts.queueing_reports import DayReport
from contracts.queueing_tickets import (
    IssuedTicket,
    PriorityClass,
    Rated,
    ServiceOverview,
    TicketConfirmed,
    TicketRequest,
    TicketStatus,
    TicketVoided,
)
from kiosk.clients.base import ServiceUnavailable
from kiosk.clients.queueing import QueueingClient
from queueing.domain import CounterStatus, TicketState
from queueing.reports import GroupBy
from tests.contracts.scan import contract_models, error_codes, model_of, strict, success_schemas, values
from tests.harness import HandlerThread, JsonHandler, QueueingServer
from tests.queueing.fixtures import clock_fixture, server_fixture  # noqa: F401 - fixtures

#: Answers that are not one JSON model: the server-sent event stream.
NOT_JSON = {"GET /api/v1/events"}


def test_every_route_answers_a_contract_model(server: QueueingServer) -> None:
    doc = requests.get(f"{server.url}/openapi.json", timeout=10).json()
    # the queueing contract and the feature modules beside it
    models = {
        **contract_models(contract),
        **contract_models(contracts.queueing_appointments),
        **contract_models(contracts.queueing_counter),
        **contract_models(contracts.queueing_display),
        **contract_models(contracts.queueing_reports),
        **contract_models(contracts.queueing_tickets),
        **contract_models(contracts.appointment_sms),
        **contract_models(contracts.ratings),
        **contract_models(counter_time_contract),
    }
    schemas = success_schemas(doc)
    assert len(schemas) >= 24
    for op, schema in schemas.items():
        if op in NOT_JSON:
            continue
        name = model_of(schema)
        assert name in models, f"{op}: its success answer is not a contracts.queueing model ({schema})"
        assert "properties" in doc["components"]["schemas"][name], op


def test_error_body_documents_the_codes(server: QueueingServer) -> None:
    doc = requests.get(f"{server.url}/openapi.json", timeout=10).json()
    comps = doc["components"]["schemas"]
    documented = set(comps["QueueErrorCode"]["enum"]) | set(comps["CommonErrorCode"]["enum"])
    assert documented == values(contract.QueueErrorCode, CommonErrorCode)


def test_every_raised_error_code_is_in_the_contract() -> None:
    raised = error_codes("queueing")
    assert len(raised) >= 35  # the scan still finds the codes
    known = values(contract.QueueErrorCode, CommonErrorCode)
    unknown = {code: where for code, where in raised.items() if code not in known}
    assert not unknown, f"error codes missing from contracts.queueing.QueueErrorCode: {unknown}"


@pytest.mark.parametrize(
    ("wire", "service"),
    [
        (contract.TicketState, TicketState),
        (contract.CounterStatus, CounterStatus),
        (contract.GroupBy, GroupBy),
    ],
)
def test_the_service_uses_the_contract_vocabulary(wire: Any, service: Any) -> None:
    assert service is wire, f"{service.__module__}.{service.__name__} is a copy of the contract's enum"


def test_request_bodies_are_the_contract() -> None:
    assert queueing.api_models.TicketRequest is TicketRequest
    assert queueing.api_models.SignInRequest is SignInRequest


def _check(model: Any, r: requests.Response) -> Any:
    """The answer, validated against its contract model with unknown fields refused."""
    assert r.ok, r.text
    body = r.json()
    TypeAdapter(strict(model)).validate_python(body)
    return body


def test_every_real_answer_matches_its_model(server: QueueingServer) -> None:
    url = f"{server.url}/api/v1"
    kiosk = server.kiosk_headers
    _check(contract.QueueHealth, requests.get(f"{url}/health", timeout=10))
    _check(list[ServiceOverview], requests.get(f"{url}/services", timeout=10))
    _check(list[PriorityClass], requests.get(f"{url}/priorities", timeout=10))
    issued = []
    for key in ("c1", "c2", "c3"):
        r = requests.post(
            f"{url}/tickets",
            json={"service": "ho_tich", "priority": "elderly"},
            headers={"Idempotency-Key": key, **kiosk},
            timeout=10,
        )
        issued.append(_check(IssuedTicket, r))
    for t in issued[:2]:
        r = requests.post(
            f"{url}/tickets/{t['ticket_id']}/confirm", json={"delivery": "printed"}, headers=kiosk, timeout=10
        )
        _check(TicketConfirmed, r)
    void = f"{url}/tickets/{issued[2]['ticket_id']}/void"
    _check(TicketVoided, requests.post(void, headers=kiosk, timeout=10))
    _check(TicketStatus, requests.get(f"{url}/tickets/{issued[0]['ticket_id']}", timeout=10))

    staff = requests.Session()
    _check(
        CounterSignedIn,
        staff.post(f"{url}/counter/sessions", json={"staff_id": "cb01", "pin": "1111", "counter": 1}),
    )
    called = _check(CounterTicket, staff.post(f"{url}/counter/call-next"))
    _check(CounterView, staff.get(f"{url}/counter"))
    _check(CounterTicket, staff.post(f"{url}/counter/recall"))
    _check(CounterTicket, staff.post(f"{url}/counter/start"))
    _check(CounterTicket, staff.post(f"{url}/counter/finish"))
    r = requests.post(f"{url}/tickets/{called['ticket_id']}/rating", json={"score": 5}, timeout=10)
    _check(Rated, r)
    second = issued[1]["number"]
    _check(CounterTicket, staff.post(f"{url}/counter/call", json={"number": second}))
    _check(TransferredTicket, staff.post(f"{url}/counter/transfer", json={"service": "dat_dai"}))
    _check(CounterView, staff.get(f"{url}/counter"))
    _check(counter_time_contract.PauseState, staff.get(f"{url}/counter/pause"))
    paused = staff.post(f"{url}/counter/pause", json={"paused": True, "reason": "lunch"})
    _check(counter_time_contract.CounterPaused, paused)
    _check(counter_time_contract.PauseState, staff.get(f"{url}/counter/pause"))
    _check(counter_time_contract.CounterPaused, staff.post(f"{url}/counter/pause", json={"paused": False}))
    _check(list[CounterRow], requests.get(f"{url}/counters", timeout=10))
    _check(DisplayState, requests.get(f"{url}/display/state", timeout=10))
    _check(Announcement, requests.get(f"{url}/voice/announcement?number=A001&counter=2", timeout=10))
    boss = requests.Session()
    assert boss.post(f"{url}/counter/sessions", json={"staff_id": "cb03", "pin": "3333"}).ok
    for group in ("service", "counter", "staff"):
        _check(DayReport, boss.get(f"{url}/reports?group={group}"))
    _check(counter_time_contract.CounterTimeReport, boss.get(f"{url}/reports/counter-time"))
    _check(SignedOut, staff.delete(f"{url}/counter/sessions/current"))


def test_the_client_reads_the_service_through_the_contract(server: QueueingServer) -> None:
    client = QueueingClient(server.url, token_file=server.data_dir / "kiosk.token", timeout_s=10)
    assert client.health()["status"] == "ok"
    services = client.services()
    assert services and all(s.name("vi") and s.prefix for s in services)
    assert any(p.code == "elderly" for p in client.priorities())
    ticket = client.take_ticket(services[0].code, priority="elderly")
    assert ticket.state == "pending" and ticket.number and ticket.status_url.endswith(ticket.ticket_id)
    assert client.confirm(ticket.ticket_id, "screen") == "waiting"
    other = client.take_ticket(services[0].code)
    client.void(other.ticket_id)


class _Drifted(JsonHandler):
    """A 'service' whose services answer renamed a field (name_vi -> name)."""

    def do_GET(self) -> None:  # http.server's name
        row = {
            "code": "ho_tich", "name": "Hộ tịch", "name_en": "Civil status", "prefix": "A", "open": True,
            "opens_at": None, "opens_next": None, "opens_next_at": None, "open_all_hours": False,
            "waiting": 0, "reason_closed": None, "wait_min": None, "wait_max": None, "counters_open": 1,
        }  # fmt: skip
        self.send_json(200, [row])


@pytest.fixture
def drifted() -> Iterator[str]:
    with HandlerThread(_Drifted) as fake:
        yield fake.url


def test_a_renamed_field_fails_the_client(drifted: str) -> None:
    with pytest.raises(ServiceUnavailable) as caught:
        QueueingClient(drifted, kiosk_token="t").services()
    assert caught.value.code == "bad_response" and "name_vi" in caught.value.message


def test_a_renamed_field_fails_the_service(server: QueueingServer, monkeypatch: pytest.MonkeyPatch) -> None:
    queue = server.app.state.queue
    real = queue.services_overview

    def renamed() -> list[dict[str, Any]]:
        rows = real()
        for row in rows:
            row["waiting_count"] = row.pop("waiting")
        return rows

    monkeypatch.setattr(queue, "services_overview", renamed)
    r = requests.get(f"{server.url}/api/v1/services", timeout=10)
    assert r.status_code == 500 and r.json()["error"] == "internal_error"
