"""The queueing service answers nonsense with a clear 4xx JSON error, never a 500 (issue 4 API)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from tests.fuzz.conftest import Service
from tests.fuzz.runner import Caller, fuzz


def _callers(svc: Service) -> Callable[[str, str], Iterable[Caller]]:
    def callers(method: str, path: str) -> Iterable[Caller]:
        yield Caller("anonymous", {})
        yield Caller("wrong token", {"Authorization": "Bearer not-a-real-token"})
        if method == "DELETE" and path.endswith("/sessions/current"):
            return  # signing the fuzz counter out would turn every later counter case into a 401
        if path.startswith(("/api/v1/counter", "/api/v1/reports", "/reports", "/counter")):
            yield Caller("counter staff", svc.auth["staff"])

    return callers


def _skip(method: str, path: str) -> bool:
    # Server-sent events never end: a stream, not a request/answer (tested by the queueing suite).
    return path == "/api/v1/events"


def test_schemathesis_every_operation(queueing_service: Service) -> None:
    failures, sent = fuzz(queueing_service.url, _callers(queueing_service), max_examples=6, skip=_skip)
    assert sent > 100
    assert not failures, "\n".join(failures)
