"""The locker's contract (`contracts.locker`) is what the daemon serves and what the kiosk reads.

- every /api/v1 route's success answer in the OpenAPI document is a model of the contract;
- every error code the daemon's source raises is one of the contract's codes;
- the daemon's own enums have the contract's values;
- the kiosk's LockerClient reads every answer of a real daemon (real HTTP, simulated cabinet)
  through the contract, and a renamed field fails on both sides instead of reaching a screen.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from pydantic import TypeAdapter

import contracts.dossiers
import contracts.handover as handover_contract
import contracts.locker as contract
import contracts.locker_alarms
import contracts.locker_audit
import contracts.locker_compartments
import contracts.locker_deposits
import contracts.locker_kiosk
import contracts.locker_loading
import contracts.locker_pickup
import contracts.locker_staff
import locker.api_models
from contracts.common import CommonErrorCode
from contracts.locker import Device, DeviceState
from contracts.locker_deposits import DepositBody
from contracts.locker_kiosk import LockerHealth
from contracts.locker_pickup import PickupAnswer, PickupBody, Receipt
from drivers.lockboard.types import DoorOutcome, DoorState
from kiosk.clients.base import ServiceUnavailable
from kiosk.clients.locker import LockerClient
from locker.config import SecondFactor, Size
from locker.domain import CompartmentView, DepositState
from locker.staff import Role
from tests.contracts.scan import contract_models, error_codes, model_of, strict, success_schemas, values
from tests.harness import HandlerThread, JsonHandler
from tests.locker.conftest import PIN, Harness, h, make_harness  # noqa: F401 - fixtures

BINARY = {"POST /api/v1/pickups/{pickup_id}/photo/view"}  # a supervisor's view of a handover photo


def test_every_route_answers_a_contract_model(h: Harness) -> None:  # noqa: F811
    doc = h.req("GET", "/openapi.json").json()
    models = {
        **contract_models(contract),
        **contract_models(contracts.locker_pickup),
        **contract_models(contracts.locker_staff),
        **contract_models(contracts.locker_deposits),
        **contract_models(contracts.locker_compartments),
        **contract_models(contracts.locker_alarms),
        **contract_models(contracts.locker_audit),
        **contract_models(contracts.locker_kiosk),
        **contract_models(handover_contract),
        **contract_models(contracts.locker_loading),
        **contract_models(contracts.dossiers),
    }
    schemas = success_schemas(doc)
    assert len(schemas) >= 28
    for op, schema in schemas.items():
        if op in BINARY:  # the answer is the file itself
            path = op.split(" ", 1)[1]
            assert "image/jpeg" in doc["paths"][path]["post"]["responses"]["200"]["content"], op
            continue
        name = model_of(schema)
        assert name in models, f"{op}: its success answer is not a contract model ({schema})"
        # the document shows the model's real fields, not an empty object
        assert "properties" in doc["components"]["schemas"][name] or name == "DeviceReported", op


def test_error_body_documents_the_codes(h: Harness) -> None:  # noqa: F811
    doc = h.req("GET", "/openapi.json").json()
    comps = doc["components"]["schemas"]
    documented = set(comps["LockerErrorCode"]["enum"]) | set(comps["CommonErrorCode"]["enum"])
    assert documented == values(contract.LockerErrorCode, CommonErrorCode)


def test_every_raised_error_code_is_in_the_contract() -> None:
    raised = error_codes("locker")
    assert len(raised) >= 30  # the scan still finds the codes
    known = values(contract.LockerErrorCode, CommonErrorCode)
    unknown = {code: where for code, where in raised.items() if code not in known}
    assert not unknown, f"error codes missing from contracts.locker.LockerErrorCode: {unknown}"
    shared = error_codes("common")
    assert set(shared) <= values(CommonErrorCode), set(shared) - values(CommonErrorCode)


@pytest.mark.parametrize(
    ("wire", "service"),
    [
        (contract.Size, Size),
        (contract.SecondFactor, SecondFactor),
        (contract.Role, Role),
        (contract.DepositState, DepositState),
        (contract.CompartmentView, CompartmentView),
        (contract.Device, Device),
        (contract.DeviceState, DeviceState),
        (contract.DoorOutcome, DoorOutcome),  # the lock-board driver's own words, named by the contract
        (contract.DoorState, DoorState),
    ],
)
def test_the_daemon_uses_the_contract_vocabulary(wire: Any, service: Any) -> None:
    assert service is wire, f"{service.__module__}.{service.__name__} is a copy of the contract's enum"


def test_request_bodies_are_the_contract() -> None:
    assert locker.api_models.PickupBody is PickupBody
    assert locker.api_models.DepositBody is DepositBody


def _client(h: Harness, **kw: Any) -> LockerClient:  # noqa: F811
    return LockerClient(h.base, kiosk_token=h.svc.kiosk_token, client_id="kiosk-1", **kw)


def test_client_reads_every_answer_of_a_real_daemon(h: Harness) -> None:  # noqa: F811
    client = _client(h)
    assert client.health()["status"] == "ok"
    settings = client.kiosk_settings()
    assert (settings.second_factor, settings.code_length) == ("none", h.cfg.codes.length_digits)
    cabinet = client.cabinet()
    assert cabinet.columns == 2 and len(cabinet.slots) == 8 and cabinet.slot("1") is not None

    h.add_staff("sup1", Role.SUPERVISOR)
    h.clock.advance(30)
    totp = pyotp.TOTP(h.svc.staff.totp_secret("sup1")).at(h.clock.now())
    session = client.sign_in("sup1", PIN, totp)
    assert session.is_supervisor and session.expires_at is not None
    dep = client.create_deposit("HS-C1", "0900000001", "small")
    assert dep.door.is_open and dep.state == "loading"
    moved = client.deposit_action(dep.deposit_id, "bigger")
    assert moved.compartment != dep.compartment and moved.door.is_open
    h.set_item(moved.compartment, True)
    h.set_door(moved.compartment, False)
    issued = client.deposit_action(dep.deposit_id, "confirm")
    assert issued.state == "code_sent" and issued.expires_at is not None
    assert client.get_deposit(dep.deposit_id).compartment == moved.compartment
    rows = client.deposits("active")
    assert [r.deposit_id for r in rows] == [dep.deposit_id] and rows[0].phone_masked
    reissued = client.deposit_action(dep.deposit_id, "reissue")
    assert reissued.state == "code_sent"
    unblocked = client.deposit_action(dep.deposit_id, "unblock")
    assert unblocked.state == "code_sent"
    compartments = {c.label: c for c in client.compartments()}
    assert compartments[moved.compartment].deposit_id == dep.deposit_id
    assert compartments[moved.compartment].door == "closed"
    staff_cabinet = client.cabinet()  # with the staff token now
    assert staff_cabinet.slot(moved.compartment).state == "loaded"  # type: ignore[union-attr]

    code = h.code_for("HS-C1", 2)
    h.sim.cabinet.inject("jammed", *h.where(moved.compartment))
    result = client.pickup(code)
    assert result.door == "jammed" and not result.door.is_open
    assert result.receipt["verify_url"] and result.receipt["dossier_code"] == "HS-C1"
    h.sim.cabinet.clear("jammed")
    assert client.retry_pickup(result.pickup_id).is_open

    client.report_device("printer", "paper_out", "no paper")
    alarms = client.alarms()
    mine = [a for a in alarms if a.kind == "printer_paper_out"]
    assert mine and mine[0].raised_at is not None and not mine[0].acked
    client.ack_alarm(mine[0].alarm_id)
    client.report_device("printer", "ok")
    assert client.force_open(moved.compartment, "contract test").is_open

    dep2 = client.create_deposit("HS-C2", "0900000002")
    assert client.deposit_action(dep2.deposit_id, "reopen").door.is_open
    assert client.deposit_action(dep2.deposit_id, "cancel").state == "cancelled"
    client.sign_out()
    assert client.staff is None


def test_answers_sent_as_they_are_match_strictly(h: Harness) -> None:  # noqa: F811
    """Health and pickups skip FastAPI's answer validation (the routes send their JSON as is):
    their real answers must be exactly the contract, no field more or less."""
    TypeAdapter(strict(LockerHealth)).validate_python(h.req("GET", "/api/v1/health").json())
    token = h.sign_in("loader1")
    _, code = h.load(token, "HS-S1")
    r = h.pickup(code)
    assert r.status_code == 200, r.text
    TypeAdapter(strict(PickupAnswer)).validate_python(r.json())
    TypeAdapter(strict(Receipt)).validate_python(r.json()["receipt"])


# ----------------------------------------------------------------- drift


class _Drifted(JsonHandler):
    """A 'daemon' whose kiosk config answer renamed a field (code_length -> code_len)."""

    def do_GET(self) -> None:  # http.server's name
        self.send_json(200, {"second_factor": "none", "code_len": 6, "hotline": "1900", "center_name": "X"})


@pytest.fixture
def drifted() -> Iterator[str]:
    with HandlerThread(_Drifted) as fake:
        yield fake.url


def test_a_renamed_field_fails_the_client(drifted: str) -> None:
    client = LockerClient(drifted, kiosk_token="t")
    with pytest.raises(ServiceUnavailable) as caught:
        client.kiosk_settings()
    assert caught.value.code == "bad_response" and "code_length" in caught.value.message


def test_a_renamed_field_fails_the_daemon(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    token = h.sign_in("loader1")
    body = {"dossier_code": "HS-R", "phone": "0900000001"}
    dep = h.req("POST", "/api/v1/deposits", token, json=body).json()
    real = h.svc.custody.get

    def renamed(deposit_id: str) -> dict[str, Any]:
        row = real(deposit_id)
        row["compartment_label"] = row.pop("compartment")
        return row

    monkeypatch.setattr(h.svc.custody, "get", renamed)
    r = h.req("GET", f"/api/v1/deposits/{dep['deposit_id']}", token)
    assert r.status_code == 500 and r.json()["error"] == "internal_error"


class _OlderDaemon(JsonHandler):
    """A daemon of this project from before POST /api/v1/kiosk/devices: its common 404 handler."""

    posted: list[str] = []

    def do_POST(self) -> None:  # http.server's name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        _OlderDaemon.posted.append(self.path)
        if self.path == "/api/v1/alarms":
            self.send_json(200, {"alarm_id": 7, "raised": True})
        else:
            self.send_json(404, {"error": "not_found", "message": "No such page or API path."})


def test_device_reports_fall_back_on_a_daemon_without_the_route() -> None:
    with HandlerThread(_OlderDaemon) as fake:
        client = LockerClient(fake.url, kiosk_token="t")
        client.report_device("printer", "paper_out", "no paper")
        assert _OlderDaemon.posted == ["/api/v1/kiosk/devices", "/api/v1/alarms"]
        assert not client._devices_route
