"""The locker daemon answers nonsense with a clear 4xx JSON error, never a 500 (issue 3 API)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from tests.fuzz.conftest import Service
from tests.fuzz.runner import Caller, fuzz

KIOSK_PATHS = ("/api/v1/kiosk/", "/api/v1/pickups", "/api/v1/cabinet")


def _callers(svc: Service) -> Callable[[str, str], Iterable[Caller]]:
    def callers(method: str, path: str) -> Iterable[Caller]:
        yield Caller("anonymous", {})
        yield Caller("wrong token", {"Authorization": "Bearer not-a-real-token"})
        if method == "DELETE" and path.endswith("/sessions/current"):
            return  # signing the fuzz session out would turn every later staff case into a 401
        if path.startswith(KIOSK_PATHS) or (method == "POST" and path == "/api/v1/alarms"):
            yield Caller("kiosk", svc.auth["kiosk"])
        if not path.startswith(("/api/v1/kiosk/", "/api/v1/pickups")) and path != "/api/v1/health":
            yield Caller("supervisor", svc.auth["staff"])

    return callers


def test_schemathesis_every_operation(locker_service: Service) -> None:
    failures, sent = fuzz(locker_service.url, _callers(locker_service), max_examples=6)
    assert sent > 100
    assert not failures, "\n".join(failures)
