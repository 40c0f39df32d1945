"""One-stop back office: dossier lookup by code, its handling status, and the 'returned to
citizen' callback.

`HttpBackOffice` speaks a generic REST shape (GET {url}/dossiers/{code}, GET
{url}/dossiers/{code}/status, POST {url}/dossiers/{code}/returned; docs/locker.md "Back office");
`FileBackOffice` is the simulator: dossiers from a JSON file, callbacks appended to a JSON-lines file.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import requests

from contracts.dossiers import CollectAt, DossierStatus
from drivers.gateways.errors import GatewayError, GatewayTimeout

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dossier:
    """What the locker needs to know about a dossier."""

    code: str
    citizen_name: str
    phone: str


@dataclass(frozen=True)
class DossierReport:
    """Where a dossier is in its handling, as the back office says (the full name: the locker masks it)."""

    code: str
    procedure: str
    status: DossierStatus
    collect_at: CollectAt
    citizen_name: str
    received_at: datetime | None = None
    due_at: datetime | None = None
    missing: str = ""  # supplement_requested: what the citizen must bring


def parse_report(code: str, data: object, source: str) -> DossierReport:
    """A status body ({"procedure", "status", "collect_at", "citizen_name", "received_at", "due_at",
    "missing"}) as a report; anything malformed is a GatewayError naming `source`."""
    if not isinstance(data, dict):
        raise GatewayError(f"{source}: the status of {code} is not a JSON object")
    try:
        return DossierReport(
            code=code,
            procedure=str(data.get("procedure") or ""),
            status=DossierStatus(str(data.get("status"))),
            collect_at=CollectAt(data.get("collect_at") or CollectAt.COUNTER),
            citizen_name=str(data.get("citizen_name") or ""),
            received_at=_when(data.get("received_at")),
            due_at=_when(data.get("due_at")),
            missing=str(data.get("missing") or ""),
        )
    except (ValueError, TypeError) as err:
        raise GatewayError(f"{source}: the status of {code} is malformed ({err})") from err


def _when(value: object) -> datetime | None:
    if value in (None, ""):
        return None
    dt = datetime.fromisoformat(str(value))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


class BackOffice(Protocol):
    """The one-stop system."""

    name: str

    def lookup(self, dossier_code: str) -> Dossier | None:
        """The dossier, or None when the back office does not know it."""
        ...

    def status(self, dossier_code: str) -> DossierReport | None:
        """Where the dossier is in its handling, or None when unknown. Answers within the adapter's
        status time-out or raises GatewayTimeout; other failures are GatewayError."""
        ...

    def returned(self, dossier_code: str, event: dict[str, Any], idempotency_key: str) -> None:
        """Tell the back office the result was handed over (or withdrawn)."""
        ...


class HttpBackOffice:
    """Generic REST adapter with a bearer token."""

    name = "http-backoffice"

    def __init__(
        self,
        url: str,
        token: str = "",
        timeout_s: float = 10.0,
        session: requests.Session | None = None,
        status_timeout_s: float = 3.0,
    ) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self._timeout_s = timeout_s
        self._status_timeout_s = status_timeout_s
        self._session = session or requests.Session()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"} if self._token else {}

    def _get_json(self, dossier_code: str, tail: str, timeout_s: float) -> Any:
        """GET {url}/dossiers/{code}{tail}: the JSON answer, None on 404; GatewayTimeout with no
        answer within `timeout_s` (connect and each read), GatewayError on any other failure."""
        try:
            resp = self._session.get(
                f"{self.url}/dossiers/{quote(dossier_code, safe='')}{tail}",
                headers=self._headers(),
                timeout=timeout_s,
            )
        except requests.Timeout as err:
            raise GatewayTimeout(f"back office {self.url}: no answer within {timeout_s:g} s") from err
        except requests.RequestException as err:
            raise GatewayError(f"back office {self.url}: {type(err).__name__}") from err
        if resp.status_code == 404:
            return None
        if resp.status_code >= 400:
            raise GatewayError(f"back office {self.url} answered HTTP {resp.status_code}")
        try:
            return resp.json()
        except ValueError as err:
            raise GatewayError(f"back office {self.url}: the answer on {dossier_code} is not JSON") from err

    def lookup(self, dossier_code: str) -> Dossier | None:
        """GET {url}/dossiers/{code} -> {"citizen_name", "phone"}; 404 -> None."""
        data = self._get_json(dossier_code, "", self._timeout_s)
        if data is None:
            return None
        if not isinstance(data, dict):
            raise GatewayError(f"back office {self.url}: the dossier {dossier_code} is not a JSON object")
        return Dossier(dossier_code, str(data.get("citizen_name", "")), str(data.get("phone", "")))

    def status(self, dossier_code: str) -> DossierReport | None:
        """GET {url}/dossiers/{code}/status; 404 -> None. A citizen waits at the kiosk for this, so
        it has its own short time-out (connect and each read): GatewayTimeout past it."""
        data = self._get_json(dossier_code, "/status", self._status_timeout_s)
        return None if data is None else parse_report(dossier_code, data, f"back office {self.url}")

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
    """Simulated back office: `dossiers_file` is {"CODE": {"citizen_name", "phone", status keys}};
    callbacks go to `returned_file`, one JSON object per line, deduplicated by idempotency key.

    Status keys are those of the REST status body, except that dates may be given relative to now
    (`received_days_ago`, `due_in_days`) so the demo's dossiers never age; `"simulate": "down"` or
    `"slow"` makes the status call fail as an unreachable or timed-out back office would (at once:
    the simulator never really waits).
    """

    name = "simulated-backoffice"

    def __init__(
        self,
        dossiers_file: Path,
        returned_file: Path,
        now: Callable[[], datetime] | None = None,
        status_timeout_s: float = 3.0,
    ) -> None:
        self.dossiers_file = dossiers_file
        self.returned_file = returned_file
        self._now = now or (lambda: datetime.now(UTC))
        self._status_timeout_s = status_timeout_s

    def _entry(self, dossier_code: str) -> dict[str, Any] | None:
        try:
            data = json.loads(self.dossiers_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as err:
            raise GatewayError(f"simulated back office: cannot read {self.dossiers_file}: {err}") from err
        entry = data.get(dossier_code) if isinstance(data, dict) else None
        return entry if isinstance(entry, dict) else None

    def lookup(self, dossier_code: str) -> Dossier | None:
        """Look the code up in the JSON file (re-read each time so a demo can edit it)."""
        entry = self._entry(dossier_code)
        if entry is None:
            return None
        return Dossier(dossier_code, str(entry.get("citizen_name", "")), str(entry.get("phone", "")))

    def status(self, dossier_code: str) -> DossierReport | None:
        """The entry's status keys (a dossier without any is done and waiting at the counter)."""
        entry = self._entry(dossier_code)
        if entry is None:
            return None
        fault = entry.get("simulate")
        if fault == "down":
            raise GatewayError("simulated back office: unreachable (simulate = down)")
        if fault == "slow":
            raise GatewayTimeout(f"simulated back office: no answer within {self._status_timeout_s:g} s")
        now = self._now()
        body = {"status": DossierStatus.DONE_WAITING.value, **entry}
        if "received_days_ago" in entry:
            body["received_at"] = (now - timedelta(days=float(entry["received_days_ago"]))).isoformat()
        if "due_in_days" in entry:
            body["due_at"] = (now + timedelta(days=float(entry["due_in_days"]))).isoformat()
        return parse_report(dossier_code, body, f"simulated back office {self.dossiers_file.name}")

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

    def status(self, dossier_code: str) -> DossierReport | None:
        """Always None: only the locker's own deposits are known."""
        return None

    def returned(self, dossier_code: str, event: dict[str, Any], idempotency_key: str) -> None:
        """Nothing to tell."""
