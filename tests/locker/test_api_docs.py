"""The locker's OpenAPI document tells the truth about errors (statuses and the ErrorBody schema)."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.locker import LockerErrorBody
from locker.staff import Role
from tests.locker.conftest import Harness

REF = "#/components/schemas/ErrorBody"
SUPERVISOR_ONLY = {
    ("post", "/api/v1/deposits/{deposit_id}/reissue"),
    ("post", "/api/v1/deposits/{deposit_id}/unblock"),
    ("post", "/api/v1/compartments/{label}/open"),
    ("post", "/api/v1/reconcile"),
    ("post", "/api/v1/staff"),
    ("post", "/api/v1/staff/{staff_id}/reenrol"),
    ("post", "/api/v1/pickups/{pickup_id}/photo/view"),
    ("get", "/api/v1/handover-photos"),
}


@pytest.fixture
def doc(h: Harness) -> dict[str, Any]:
    r = h.req("GET", "/openapi.json")
    assert r.status_code == 200
    return dict(r.json())


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "responses" in op
    ]


def _statuses(op: dict[str, Any]) -> set[int]:
    return {int(s) for s in op["responses"] if s[0] in "45"}


def test_every_route_documents_its_auth_body_and_role_errors(doc: dict[str, Any]) -> None:
    ops = _operations(doc)
    assert len(ops) >= 25
    for method, path, op in ops:
        where = f"{method.upper()} {path}"
        params = op.get("parameters", [])
        needs_auth = any(p["in"] == "header" and p["name"].lower() == "authorization" for p in params)
        statuses = _statuses(op)
        if needs_auth:
            assert 401 in statuses, where
        if "requestBody" in op:
            assert 422 in statuses, where  # a body can always be malformed
        if (method, path) in SUPERVISOR_ONLY:
            assert 403 in statuses, where
        else:
            assert 403 not in statuses, f"{where}: documents 403 but any signed-in staff may call it"
        if path == "/api/v1/health":
            assert statuses == {503}  # answers anyone; 503 when the storage failed
    documented = {(m, p) for m, p, _ in ops}
    assert SUPERVISOR_ONLY <= documented
    assert ("get", "/api/v1/receipts/{token}") in documented


def test_every_error_response_uses_error_body(doc: dict[str, Any]) -> None:
    schema = doc["components"]["schemas"]["ErrorBody"]
    assert set(schema["required"]) == {"error", "message"}
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    for method, path, op in _operations(doc):
        for status, resp in op["responses"].items():
            if status[0] not in "45":
                continue
            content = resp["content"]
            assert list(content) == ["application/json"], (method, path, status)
            assert content["application/json"]["schema"] == {"$ref": REF}, (method, path, status)
            assert resp["description"], (method, path, status)


def _conforms(body: dict[str, Any], schema: dict[str, Any], components: dict[str, Any]) -> None:
    """A small check of a body against the documented ErrorBody JSON schema (no jsonschema here):
    required fields, types, and the error code among the documented codes."""
    types = {"string": str, "integer": int, "boolean": bool, "null": type(None)}

    def ok(value: Any, prop: dict[str, Any]) -> bool:
        if "$ref" in prop:
            return ok(value, components[prop["$ref"].rsplit("/", 1)[-1]])
        if "anyOf" in prop:
            return any(ok(value, a) for a in prop["anyOf"])
        if "enum" in prop and value not in prop["enum"]:
            return False
        return isinstance(value, types[prop["type"]])

    for name in schema["required"]:
        assert name in body, name
    for name, prop in schema["properties"].items():
        if name in body:
            assert ok(body[name], prop), (name, body[name])
    LockerErrorBody.model_validate(body)


def test_real_error_responses_match_the_document(h: Harness, doc: dict[str, Any]) -> None:
    schema = doc["components"]["schemas"]["ErrorBody"]
    loader = h.sign_in("loader1")
    sup = h.sign_in("sup1", Role.SUPERVISOR)
    _, code = h.load(loader, "HS-1")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    cases: list[tuple[str, str, str, Any]] = [
        # (method, documented path, real path, request kwargs)
        ("get", "/api/v1/compartments", "/api/v1/compartments", {}),
        ("post", "/api/v1/reconcile", "/api/v1/reconcile", {"token": loader}),
        ("get", "/api/v1/deposits/{deposit_id}", "/api/v1/deposits/nope", {"token": loader}),
        ("post", "/api/v1/deposits", "/api/v1/deposits", {"token": loader, "json": {"dossier_code": "X"}}),
        ("post", "/api/v1/deposits", "/api/v1/deposits",
         {"token": loader, "data": "{not json", "headers": {"Content-Type": "application/json"}}),
        ("post", "/api/v1/alarms/{alarm_id}/ack", "/api/v1/alarms/abc/ack", {"token": loader}),
        ("post", "/api/v1/alarms/{alarm_id}/ack", "/api/v1/alarms/999/ack", {"token": loader}),
        ("get", "/api/v1/audit", "/api/v1/audit?format=xml&day=2026-01-05", {"token": loader}),
        ("post", "/api/v1/deposits/{deposit_id}/unblock", "/api/v1/deposits/nope/unblock", {"token": sup}),
        ("get", "/api/v1/receipts/{token}", "/api/v1/receipts/forged.AAAA", {}),
        ("post", "/api/v1/staff/sessions", "/api/v1/staff/sessions",
         {"json": {"staff_id": "sup1", "pin": "000000", "totp": "000000"}}),
    ]  # fmt: skip
    for _ in range(5):
        cases.append(("post", "/api/v1/pickups", "/api/v1/pickups", {"kiosk": True, "json": {"code": wrong}}))
    seen: set[int] = set()
    for method, documented, real, kw in cases:
        headers = {**(h.kiosk_headers if kw.pop("kiosk", False) else {}), **kw.pop("headers", {})}
        token = kw.pop("token", None)
        r = h.req(method.upper(), real, token, headers=headers, **kw)
        assert 400 <= r.status_code < 500, (real, r.status_code, r.text)
        op = doc["paths"][documented][method]
        assert r.status_code in _statuses(op), f"{method.upper()} {real}: {r.status_code} is not documented"
        assert r.headers["content-type"].startswith("application/json")
        _conforms(r.json(), schema, doc["components"]["schemas"])
        seen.add(r.status_code)
    assert {401, 403, 404, 422, 429} <= seen
