"""The kiosk's dossier lookup on the locker daemon (kiosk token): GET /api/v1/dossiers/{code} and
POST /api/v1/dossiers/{code}/resend, parsed with `contracts.dossiers`.

It rides on the `LockerClient` (its kiosk token, its connection pool and its error mapping): a
503 `backoffice_unavailable` or 504 `backoffice_timeout` arrives as `ServiceUnavailable` with that
code, which the screen shows as "try again or ask at the counter" (the locker itself is up).
"""

from __future__ import annotations

from urllib.parse import quote

from contracts.dossiers import CodeResent, DossierAnswer
from kiosk.clients.locker import LockerClient

#: ServiceUnavailable codes that mean the back office (not the locker) failed: say so, stay in service.
BACKOFFICE_DOWN = frozenset({"backoffice_unavailable", "backoffice_timeout"})


class DossierLookup:
    """Blocking: call it from a worker."""

    def __init__(self, locker: LockerClient) -> None:
        self._locker = locker

    def lookup(self, code: str) -> DossierAnswer:
        """GET /api/v1/dossiers/{code}."""
        body = self._locker._kiosk("GET", f"/api/v1/dossiers/{quote(code, safe='')}")
        return self._locker._parse(DossierAnswer, body, "dossier")

    def resend(self, code: str) -> CodeResent:
        """POST /api/v1/dossiers/{code}/resend."""
        body = self._locker._kiosk("POST", f"/api/v1/dossiers/{quote(code, safe='')}/resend")
        return self._locker._parse(CodeResent, body, "resend")
