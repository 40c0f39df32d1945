"""One-stop back office: dossier lookup by code, and the 'returned to citizen' callback.

`HttpBackOffice` speaks a generic REST shape (GET {url}/dossiers/{code}, POST
{url}/dossiers/{code}/returned); `FileBackOffice` is the simulator: dossiers from a JSON file,
callbacks appended to a JSON-lines file.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import requests

from drivers.gateways.errors import GatewayError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dossier:
    """What the locker needs to know about a dossier."""

    code: str
    citizen_name: str
    phone: str


class BackOffice(Protocol):
    """The one-stop system."""

    name: str

    def lookup(self, dossier_code: str) -> Dossier | None:
        """The dossier, or None when the back office does not know it."""
        ...

    def returned(self, dossier_code: str, event: dict[str, Any], idempotency_key: str) -> None:
        """Tell the back office the result was handed over (or withdrawn)."""
        ...


class HttpBackOffice:
    """Generic REST adapter with a bearer token."""

    name = "http-backoffice"

    def __init__(
        self, url: str, token: str = "", timeout_s: float = 10.0, session: requests.Session | None = None
    ) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self._timeout_s = timeout_s
        self._session = session or requests.Session()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"} if self._token else {}

    def lookup(self, dossier_code: str) -> Dossier | None:
        """GET {url}/dossiers/{code} -> {"citizen_name", "phone"}; 404 -> None."""
        try:
            resp = self._session.get(
                f"{self.url}/dossiers/{quote(dossier_code, safe='')}",
                headers=self._headers(),
                timeout=self._timeout_s,
            )
        except requests.RequestException as err:
            raise GatewayError(f"back office {self.url}: {type(err).__name__}") from err
        if resp.status_code == 404:
            return None
        if resp.status_code >= 400:
            raise GatewayError(f"back office {self.url} answered HTTP {resp.status_code}")
        data = resp.json()
        return Dossier(dossier_code, str(data.get("citizen_name", "")), str(data.get("phone", "")))

    def returned(self, dossier_code: str, event: dict[str, Any], idempotency_key: str) -> None:
        """POST {url}/dossiers/{code}/returned with an Idempotency-Key header."""
        headers = {**self._headers(), "Idempotency-Key": idempotency_key}
        try:
            resp = self._session.post(
                f"{self.url}/dossiers/{quote(dossier_code, safe='')}/returned",
                json=event,
                headers=headers,
                timeout=self._timeout_s,
            )
        except requests.RequestException as err:
            raise GatewayError(f"back office {self.url}: {type(err).__name__}") from err
        if resp.status_code >= 400:
            permanent = 400 <= resp.status_code < 500 and resp.status_code not in (408, 409, 429)
            raise GatewayError(
                f"back office {self.url} answered HTTP {resp.status_code}", permanent=permanent
            )


class FileBackOffice:
    """Simulated back office: `dossiers_file` is {"CODE": {"citizen_name", "phone"}}; callbacks go
    to `returned_file`, one JSON object per line, deduplicated by idempotency key."""

    name = "simulated-backoffice"

    def __init__(self, dossiers_file: Path, returned_file: Path) -> None:
        self.dossiers_file = dossiers_file
        self.returned_file = returned_file

    def lookup(self, dossier_code: str) -> Dossier | None:
        """Look the code up in the JSON file (re-read each time so a demo can edit it)."""
        try:
            data = json.loads(self.dossiers_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as err:
            raise GatewayError(f"simulated back office: cannot read {self.dossiers_file}: {err}") from err
        entry = data.get(dossier_code)
        if not isinstance(entry, dict):
            return None
        return Dossier(dossier_code, str(entry.get("citizen_name", "")), str(entry.get("phone", "")))

    def returned(self, dossier_code: str, event: dict[str, Any], idempotency_key: str) -> None:
        """Append the callback unless this key was recorded already."""
        self.returned_file.parent.mkdir(parents=True, exist_ok=True)
        if self.returned_file.exists():
            for line in self.returned_file.read_text(encoding="utf-8").splitlines():
                if line.strip() and json.loads(line).get("idempotency_key") == idempotency_key:
                    return
        record = {"dossier_code": dossier_code, "idempotency_key": idempotency_key, **event}
        with self.returned_file.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())


class NoBackOffice:
    """No back office configured: lookups find nothing, callbacks are dropped."""

    name = "none"

    def lookup(self, dossier_code: str) -> Dossier | None:
        """Always None."""
        return None

    def returned(self, dossier_code: str, event: dict[str, Any], idempotency_key: str) -> None:
        """Nothing to tell."""
