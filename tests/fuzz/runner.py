"""Property-based fuzz of a running service over its own /openapi.json, with schemathesis.

Every operation gets a bounded number of generated cases (valid by the schema and deliberately
invalid ones), each sent with every caller identity the test supplies (valid staff/kiosk
credentials, none, a wrong token). The checks: never a 5xx; every 4xx under /api/ is JSON
`{"error": str, "message": str, ...}`; 2xx answers match the response schema where one is declared.
Seeded and derandomized so CI sees the same cases on every run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case, CheckFunction, GenerationMode
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
    if body["message"].strip().rstrip(".").lower() in _BARE_PHRASES:
        return f"{status} message is a bare HTTP phrase that does not say what to do: {body['message']!r}"
    return None


#: "Not Found", "Unauthorized", ...: true, but they tell nobody what to do next.
_BARE_PHRASES = {s.phrase.lower() for s in HTTPStatus}


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


@dataclass
class FuzzReport:
    """What a fuzz run found and how much it sent."""

    failures: list[str] = field(default_factory=list)
    sent: int = 0
    operations: int = 0
    coverage_cases: int = 0
    seconds_per_operation: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        """One line: operations, requests, coverage cases, seconds, slowest operation."""
        total = sum(self.seconds_per_operation.values())
        slowest = max(self.seconds_per_operation.items(), key=lambda kv: kv[1], default=("-", 0.0))
        return (
            f"{self.operations} operations, {self.sent} requests ({self.coverage_cases} coverage cases), "
            f"{total:.1f} s, slowest {slowest[0]} {slowest[1]:.1f} s, {len(self.failures)} failures"
        )


class _Sender:
    """Sends one case as one caller and records the first failure per operation/mode/caller."""

    def __init__(self, url: str, http: requests.Session, report: FuzzReport) -> None:
        self.url = url
        self.http = http
        self.report = report
        self.seen: set[str] = set()

    def send(self, case: Case, caller: Caller, key: str) -> None:
        if key in self.seen:
            return
        headers = dict(case.headers or {})
        if caller.headers:  # a real identity replaces whatever auth the generator made up
            for name in list(headers):
                if name.lower() in {"authorization", "x-kiosk-id"}:
                    del headers[name]
        headers.update(caller.headers)
        try:
            response = case.call(base_url=self.url, session=self.http, headers=headers, timeout=30)
        except requests.RequestException as err:
            self._fail(key, f"transport error {err!r}", case, headers)
            return
        self.report.sent += 1
        problem = error_shape_problem(
            case.operation.path, response.status_code, _content_type(response.headers), response.text
        )
        if problem is None:
            # Schema conformance for every declared status (undeclared ones are skipped by the check).
            checks: list[CheckFunction] = [not_a_server_error, response_schema_conformance]
            try:
                case.validate_response(response, checks=checks)
            except AssertionError as err:
                problem = str(err).strip().splitlines()[0] if str(err).strip() else repr(err)
                if response.status_code >= 500:
                    problem = f"{response.status_code}: {response.text[:300]}"
        if problem is not None:
            self._fail(key, problem, case, headers)

    def _fail(self, key: str, problem: str, case: Case, headers: dict[str, Any]) -> None:
        self.seen.add(key)
        self.report.failures.append(f"{key}: {problem}\n    {case.as_curl_command(headers=headers)}")


def fuzz(
    url: str,
    callers_for: CallersFor,
    *,
    max_examples: int,
    max_coverage_cases: int = 60,
    skip: Callable[[str, str], bool] = lambda method, path: False,
) -> FuzzReport:
    """Fuzz every operation; one failure line per broken operation/mode/caller.

    First schemathesis' deterministic coverage cases (boundary values, missing and wrong-typed
    fields, unexpected methods) as the most privileged caller, then `max_examples` generated
    cases per mode, each sent as every caller.
    """
    schema = load_schema(url)
    report = FuzzReport()
    generation = schema.config.generation_for()
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    with requests.Session() as http:
        sender = _Sender(url, http, report)
        for result in schema.get_all_operations():
            if isinstance(result, Err):
                report.failures.append(f"schema: {result.err()}")
                continue
            op = result.ok()
            name = f"{op.method.upper()} {op.path}"
            if skip(op.method.upper(), op.path):
                continue
            report.operations += 1
            started = time.monotonic()
            callers = list(callers_for(op.method.upper(), op.path))
            main = callers[-1]
            coverage = schema.iter_coverage_cases(op, generation_modes=modes, generation_config=generation)
            for n, case in enumerate(coverage):
                if n >= max_coverage_cases:
                    break
                report.coverage_cases += 1
                sender.send(case, main, f"{name} [coverage, {main.name}]")
            for mode in modes:
                _generated(op, mode, callers, sender, max_examples, name)
            report.seconds_per_operation[name] = round(time.monotonic() - started, 2)
    return report


def _generated(
    op: APIOperation,
    mode: GenerationMode,
    callers: list[Caller],
    sender: _Sender,
    max_examples: int,
    name: str,
) -> None:
    """`max_examples` hypothesis-generated cases of one operation in one mode, each sent as every caller."""

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
        for caller in callers:
            sender.send(case, caller, f"{name} [{mode.value}, {caller.name}]")

    try:
        run()
    except Unsatisfiable:
        pass  # nothing invalid to send (e.g. no parameters and no body)
