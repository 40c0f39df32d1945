"""Property-based fuzz of a running service over its own /openapi.json, with schemathesis.

Every operation gets a bounded number of generated cases (valid by the schema and deliberately
invalid ones), each sent with every caller identity the test supplies (valid staff/kiosk
credentials, none, a wrong token). The checks: never a 5xx; every 4xx under /api/ is JSON
`{"error": str, "message": str, ...}`; 2xx answers match the response schema where one is declared.
Seeded and derandomized so CI sees the same cases on every run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, CheckFunction, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import response_schema_conformance


def error_shape_problem(path: str, status: int, content_type: str, text: str) -> str | None:
    """Why this 4xx answer breaks the error contract, or None when it keeps it."""
    if not 400 <= status < 500 or not path.startswith("/api/"):
        return None
    if "json" not in content_type:
        return f"{status} with content-type {content_type!r}, not JSON"
    try:
        body = json.loads(text)
    except ValueError:
        return f"{status} body is not JSON: {text[:200]!r}"
    if not isinstance(body, dict):
        return f"{status} body is not an object: {text[:200]!r}"
    if not isinstance(body.get("error"), str) or not body["error"]:
        return f"{status} body has no 'error' code: {text[:200]!r}"
    if not isinstance(body.get("message"), str) or not body["message"]:
        return f"{status} body has no 'message': {text[:200]!r}"
    return None


def _content_type(headers: Mapping[str, Any]) -> str:
    """The content-type of a schemathesis response (its header values are lists)."""
    for name, value in headers.items():
        if name.lower() == "content-type":
            return ";".join(value) if isinstance(value, list) else str(value)
    return ""


@dataclass(frozen=True)
class Caller:
    """One identity to send each case as: a name for reports and the headers that make it."""

    name: str
    headers: dict[str, str]


#: Identity chooser: the operation's method and path → the callers to try it as.
CallersFor = Callable[[str, str], Iterable[Caller]]


def load_schema(url: str) -> schemathesis.BaseSchema:
    """The service's own OpenAPI document, fetched over HTTP."""
    return schemathesis.openapi.from_url(url + "/openapi.json")


def fuzz(
    url: str,
    callers_for: CallersFor,
    *,
    max_examples: int,
    skip: Callable[[str, str], bool] = lambda method, path: False,
) -> tuple[list[str], int]:
    """Fuzz every operation; return (one failure line per broken operation/mode/caller, requests sent)."""
    schema = load_schema(url)
    failures: list[str] = []
    sent = 0
    with requests.Session() as http:
        for result in schema.get_all_operations():
            if isinstance(result, Err):
                failures.append(f"schema: {result.err()}")
                continue
            op = result.ok()
            if skip(op.method.upper(), op.path):
                continue
            callers = list(callers_for(op.method.upper(), op.path))
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                seen: set[str] = set()

                @settings(
                    max_examples=max_examples,
                    derandomize=True,
                    database=None,
                    deadline=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )
                @given(case=op.as_strategy(generation_mode=mode))
                def run(case: Case) -> None:
                    nonlocal sent
                    for caller in callers:
                        key = f"{op.method.upper()} {op.path} [{mode.value}, {caller.name}]"
                        if key in seen:
                            continue
                        headers = dict(case.headers or {})
                        # Generated auth headers stay in negative mode for the anonymous caller only.
                        for name in list(headers):
                            if name.lower() in {"authorization", "x-kiosk-id"} and caller.headers:
                                del headers[name]
                        headers.update(caller.headers)
                        try:
                            response = case.call(base_url=url, session=http, headers=headers, timeout=30)
                        except requests.RequestException as err:
                            seen.add(key)
                            failures.append(f"{key}: transport error {err!r}\n    {case.as_curl_command()}")
                            continue
                        sent += 1
                        problem = error_shape_problem(
                            op.path, response.status_code, _content_type(response.headers), response.text
                        )
                        if problem is None:
                            checks: list[CheckFunction] = [not_a_server_error]
                            if 200 <= response.status_code < 300:
                                checks.append(response_schema_conformance)
                            try:
                                case.validate_response(response, checks=checks)
                            except AssertionError as err:
                                problem = str(err).strip().splitlines()[0] if str(err).strip() else repr(err)
                                if response.status_code >= 500:
                                    problem = f"{response.status_code}: {response.text[:300]}"
                        if problem is not None:
                            seen.add(key)
                            failures.append(f"{key}: {problem}\n    {case.as_curl_command(headers=headers)}")

                try:
                    run()
                except Unsatisfiable:
                    pass  # nothing invalid to send (e.g. no parameters and no body)
    return failures, sent
