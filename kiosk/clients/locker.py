"""Client of the locker daemon for the kiosk: citizen pickups (kiosk token) and staff calls.

Kiosk calls carry the kiosk token read from `[locker] kiosk_token_file` (the daemon writes it on
its first start, so the file is read lazily and re-read once when the daemon says the token is
wrong). Staff calls carry the token of the signed-in staff session kept on this client; screens
share it through `services.locker.staff`. Every failure is a `ServiceError` subclass naming the
locker; screens switch on `err.code` and `err.extra` (`tries_left`, `retry_after_s`, `factor`).
"""

from __future__ import annotations

import enum
import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common.config import resolve_path
from kiosk.clients.base import ApiError, KioskTokenFile, ServiceClient, ServiceError, ServiceUnavailable
from kiosk.config import AppConfig

log = logging.getLogger(__name__)

__all__ = [
    "Alarm",
    "ApiError",
    "Cabinet",
    "CabinetSlot",
    "CompartmentStatus",
    "Deposit",
    "DepositSummary",
    "DoorOutcome",
    "KioskSettings",
    "LockerClient",
    "NotSignedIn",
    "PickupResult",
    "ServiceError",
    "ServiceUnavailable",
    "StaffSession",
    "from_config",
    "parse_time",
]

DEFAULT_TOKEN_FILE = "var/locker/kiosk.token"
# Error codes that mean "your token is not (or no longer) valid", not a business answer
# (`not_kiosk` is what the daemon answers to a wrong kiosk token).
_AUTH_CODES = frozenset(
    {"not_kiosk", "unauthorized", "bad_token", "invalid_token", "forbidden_token", "http_401"}
)
_SESSION_CODES = frozenset({"session_expired", "not_signed_in", "unauthorized", "bad_token", "invalid_token"})


class DoorOutcome(enum.StrEnum):
    """What the door sensor said after a pulse (the door, not the ack, decides)."""

    OPENED = "opened"
    ALREADY_OPEN = "already_open"
    JAMMED = "jammed"
    UNKNOWN = "unknown"

    @classmethod
    def parse(cls, value: object) -> DoorOutcome:
        """A door value from the daemon; anything unexpected is UNKNOWN."""
        try:
            return cls(str(value))
        except ValueError:
            return cls.UNKNOWN

    @property
    def is_open(self) -> bool:
        """The citizen can take the item."""
        return self in (DoorOutcome.OPENED, DoorOutcome.ALREADY_OPEN)


def parse_time(value: object) -> datetime | None:
    """An ISO timestamp from the daemon (aware, UTC if no zone), or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


@dataclass(frozen=True)
class KioskSettings:
    """GET /api/v1/kiosk/config: what the pickup screen asks for."""

    second_factor: str  # "none" | "id_number" | "phone_last4"
    code_length: int
    hotline: str


@dataclass(frozen=True)
class CabinetSlot:
    """One compartment in the cabinet picture (column/row 0-based, row 0 at the top)."""

    label: str
    size: str
    column: int
    row: int
    height_units: int
    state: str


@dataclass(frozen=True)
class Cabinet:
    """The cabinet layout for the picture."""

    columns: int
    slots: tuple[CabinetSlot, ...]

    def slot(self, label: str) -> CabinetSlot | None:
        """The slot labelled `label`, if any."""
        return next((s for s in self.slots if s.label == label), None)

    def with_states(self, states: dict[str, str]) -> Cabinet:
        """The same layout with states replaced where `states` has the label."""
        slots = tuple(
            CabinetSlot(s.label, s.size, s.column, s.row, s.height_units, states.get(s.label, s.state))
            for s in self.slots
        )
        return Cabinet(self.columns, slots)


@dataclass(frozen=True)
class PickupResult:
    """POST /api/v1/pickups success."""

    pickup_id: str
    compartment: str
    door: DoorOutcome
    dossier_code: str
    receipt: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StaffSession:
    """A signed-in staff member."""

    token: str = field(repr=False)
    staff_id: str
    role: str  # "loader" | "supervisor"
    expires_at: datetime | None

    @property
    def is_supervisor(self) -> bool:
        """Supervisors may reissue codes, unblock deposits and force doors."""
        return self.role == "supervisor"


@dataclass(frozen=True)
class Deposit:
    """A deposit being loaded (POST /api/v1/deposits and its follow-ups)."""

    deposit_id: str
    compartment: str
    door: DoorOutcome
    state: str
    expires_at: datetime | None = None


@dataclass(frozen=True)
class DepositSummary:
    """One row of GET /api/v1/deposits."""

    deposit_id: str
    dossier_code: str
    compartment: str
    state: str
    expires_at: datetime | None
    phone_masked: str
    locked: bool = False  # blocked after too many wrong codes (supervisor may unblock)


@dataclass(frozen=True)
class CompartmentStatus:
    """One row of GET /api/v1/compartments (staff)."""

    label: str
    size: str
    state: str
    door: str
    item_present: bool | None
    deposit_id: str | None


@dataclass(frozen=True)
class Alarm:
    """One row of GET /api/v1/alarms."""

    alarm_id: str
    kind: str
    compartment: str | None
    raised_at: datetime | None
    message: str
    acked: bool


class NotSignedIn(ApiError):
    """A staff call without a session (or after it expired): sign in again."""

    def __init__(self, message: str = "no staff session: sign in again") -> None:
        super().__init__("locker", "not_signed_in", message, 401)


def _obj(body: Any, what: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ServiceUnavailable("locker", "bad_response", f"{what}: expected a JSON object")
    return body


def _list(body: Any, what: str) -> list[dict[str, Any]]:
    if isinstance(body, dict):  # tolerate {"items": [...]} style wrappers
        for key in ("items", "deposits", "alarms", "compartments"):
            if isinstance(body.get(key), list):
                body = body[key]
                break
    if not isinstance(body, list) or not all(isinstance(x, dict) for x in body):
        raise ServiceUnavailable("locker", "bad_response", f"{what}: expected a JSON list of objects")
    return body


class LockerClient(ServiceClient):
    """The kiosk's client of the locker daemon. Blocking: call it from a worker."""

    service = "locker"

    def __init__(
        self,
        base_url: str,
        token_file: Path | None = None,
        timeout_s: float = 5.0,
        kiosk_token: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(base_url, timeout_s=timeout_s, **kwargs)
        self.token_file = token_file
        self._token_file = KioskTokenFile("locker", token_file, kiosk_token, "[locker] kiosk_token_file")
        self._lock = threading.Lock()
        self.staff: StaffSession | None = None
        self._devices_route = True  # until the daemon says it has no POST /api/v1/kiosk/devices

    # ----- plumbing -----
    def _read_token(self, force: bool = False) -> str:
        return self._token_file.get(force)

    def _kiosk(self, method: str, path: str, json: Any = None) -> Any:
        token = self._read_token()
        try:
            return self._request(method, path, json=json, headers={"Authorization": f"Bearer {token}"})
        except ApiError as err:
            if err.status != 401 or err.code not in _AUTH_CODES:
                raise
            log.warning("locker refused the kiosk token (%s); re-reading %s once", err.code, self.token_file)
        token = self._read_token(force=True)
        return self._request(method, path, json=json, headers={"Authorization": f"Bearer {token}"})

    def _staff(self, method: str, path: str, json: Any = None, params: dict[str, Any] | None = None) -> Any:
        session = self.staff
        if session is None:
            raise NotSignedIn()
        try:
            return self._request(
                method, path, json=json, params=params, headers={"Authorization": f"Bearer {session.token}"}
            )
        except ApiError as err:
            if err.status == 401 and err.code in _SESSION_CODES:
                log.info("staff session of %s ended (%s)", session.staff_id, err.code)
                self.staff = None
                raise NotSignedIn(err.message or "staff session ended: sign in again") from err
            raise

    def health(self) -> dict[str, Any]:
        """GET /api/v1/health, and the kiosk token must be readable: without it no citizen can be
        served, so the locker counts as down for this kiosk (out-of-service, not a dead button)."""
        self._read_token()
        return super().health()

    # ----- citizen (kiosk token) -----
    def kiosk_settings(self) -> KioskSettings:
        """GET /api/v1/kiosk/config."""
        body = _obj(self._kiosk("GET", "/api/v1/kiosk/config"), "kiosk config")
        factor = str(body.get("second_factor") or "none")
        if factor not in ("none", "id_number", "phone_last4"):
            log.warning("unknown second factor %r from the locker; asking for none", factor)
            factor = "none"
        return KioskSettings(
            second_factor=factor,
            code_length=int(body.get("code_length") or 6),
            hotline=str(body.get("hotline") or ""),
        )

    def cabinet(self) -> Cabinet:
        """GET /api/v1/cabinet (with the staff token when signed in, else the kiosk token)."""
        raw = self._staff("GET", "/api/v1/cabinet") if self.staff else self._kiosk("GET", "/api/v1/cabinet")
        body = _obj(raw, "cabinet")
        slots = tuple(
            CabinetSlot(
                label=str(c.get("label", "?")),
                size=str(c.get("size", "")),
                column=int(c.get("column", 0)),
                row=int(c.get("row", 0)),
                height_units=max(1, int(c.get("height_units") or 1)),
                state=str(c.get("state", "")),
            )
            for c in _list(body.get("compartments", []), "cabinet compartments")
        )
        columns = int(body.get("columns") or (max((s.column for s in slots), default=0) + 1))
        return Cabinet(columns=max(1, columns), slots=slots)

    def pickup(self, code: str, id_number: str | None = None, phone_last4: str | None = None) -> PickupResult:
        """POST /api/v1/pickups. Raises ApiError with the daemon's code on refusal."""
        payload: dict[str, Any] = {"code": code}
        if id_number:
            payload["id_number"] = id_number
        if phone_last4:
            payload["phone_last4"] = phone_last4
        body = _obj(self._kiosk("POST", "/api/v1/pickups", json=payload), "pickup")
        receipt = body.get("receipt")
        return PickupResult(
            pickup_id=str(body.get("pickup_id", "")),
            compartment=str(body.get("compartment", "")),
            door=DoorOutcome.parse(body.get("door")),
            dossier_code=str(body.get("dossier_code", "")),
            receipt=receipt if isinstance(receipt, dict) else {},
        )

    def retry_pickup(self, pickup_id: str) -> DoorOutcome:
        """POST /api/v1/pickups/{id}/retry: the one second pulse. 409 staff_alerted after that."""
        body = _obj(self._kiosk("POST", f"/api/v1/pickups/{pickup_id}/retry"), "pickup retry")
        return DoorOutcome.parse(body.get("door"))

    def report_device(self, device: str, state: str, detail: str = "") -> None:
        """POST /api/v1/kiosk/devices: this kiosk's printer or camera is `state` (ok clears the
        alarm). A daemon without that route gets POST /api/v1/alarms for a problem instead
        (raised, deduplicated, but not cleared by `ok`: staff acknowledge it)."""
        detail = (detail or state)[:300]
        if self._devices_route:
            try:
                body = {"device": device, "state": state, "detail": detail}
                self._kiosk("POST", "/api/v1/kiosk/devices", body)
                return
            except ApiError as err:
                if err.status not in (404, 405) or not err.code.startswith("http_"):
                    raise  # a refusal from the route itself, not a missing route
                self._devices_route = False
                log.warning(
                    "the locker has no POST /api/v1/kiosk/devices (HTTP %s): device problems go to "
                    "POST /api/v1/alarms and are not cleared when the device recovers",
                    err.status,
                )
        if state == "ok":
            log.info("%s ok again; the locker cannot clear its alarm (staff acknowledge it)", device)
            return
        self._kiosk("POST", "/api/v1/alarms", {"kind": f"{device}_{state}", "message": detail})

    # ----- staff -----
    def sign_in(self, staff_id: str, pin: str, totp: str) -> StaffSession:
        """POST /api/v1/staff/sessions; keeps the session on this client."""
        body = _obj(
            self._request(
                "POST", "/api/v1/staff/sessions", json={"staff_id": staff_id, "pin": pin, "totp": totp}
            ),
            "sign in",
        )
        session = StaffSession(
            token=str(body.get("token", "")),
            staff_id=str(body.get("staff_id", staff_id)),
            role=str(body.get("role", "loader")),
            expires_at=parse_time(body.get("expires_at")),
        )
        self.staff = session
        log.info("staff %s signed in (%s)", session.staff_id, session.role)
        return session

    def forget_staff(self) -> StaffSession | None:
        """Drop the local staff session at once (UI thread); hand it to `revoke()` in a worker."""
        session, self.staff = self.staff, None
        return session

    def revoke(self, session: StaffSession | None) -> None:
        """DELETE /api/v1/staff/sessions/current for `session`; failures are logged, never raised."""
        if session is None:
            return
        try:
            self._request(
                "DELETE",
                "/api/v1/staff/sessions/current",
                headers={"Authorization": f"Bearer {session.token}"},
            )
        except ServiceError as err:
            log.warning("sign-out of %s not confirmed by the locker: %s", session.staff_id, err)
        log.info("staff %s signed out", session.staff_id)

    def sign_out(self) -> None:
        """Forget and revoke the current staff session (blocking)."""
        self.revoke(self.forget_staff())

    def _deposit(self, body: Any, what: str, deposit_id: str = "") -> Deposit:
        b = _obj(body, what)
        return Deposit(
            deposit_id=str(b.get("deposit_id", deposit_id)),
            compartment=str(b.get("compartment", "")),
            door=DoorOutcome.parse(b.get("door")),
            state=str(b.get("state", "")),
            expires_at=parse_time(b.get("expires_at")),
        )

    def create_deposit(
        self, dossier_code: str, phone: str, size: str | None = None, id_number: str | None = None
    ) -> Deposit:
        """POST /api/v1/deposits: a compartment is chosen and opened."""
        payload: dict[str, Any] = {"dossier_code": dossier_code, "phone": phone}
        if size:
            payload["size"] = size
        if id_number:
            payload["id_number"] = id_number
        return self._deposit(self._staff("POST", "/api/v1/deposits", json=payload), "deposit")

    def get_deposit(self, deposit_id: str) -> Deposit:
        """GET /api/v1/deposits/{id}: the daemon's current state of one deposit (its deadline once
        the code is sent). The door is not part of it (UNKNOWN)."""
        return self._deposit(self._staff("GET", f"/api/v1/deposits/{deposit_id}"), "deposit", deposit_id)

    def deposit_action(self, deposit_id: str, action: str) -> Deposit:
        """POST /api/v1/deposits/{id}/{action}: confirm/reopen/bigger/cancel/withdraw/reissue/unblock."""
        if action not in ("confirm", "reopen", "bigger", "cancel", "withdraw", "reissue", "unblock"):
            raise ValueError(f"unknown deposit action {action!r}")
        body = self._staff("POST", f"/api/v1/deposits/{deposit_id}/{action}")
        return self._deposit(body if isinstance(body, dict) else {}, action, deposit_id)

    def deposits(self, state: str | None = None) -> list[DepositSummary]:
        """GET /api/v1/deposits?state=..."""
        rows = _list(
            self._staff("GET", "/api/v1/deposits", params={"state": state} if state else None), "deposits"
        )
        return [
            DepositSummary(
                deposit_id=str(r.get("deposit_id", "")),
                dossier_code=str(r.get("dossier_code", "")),
                compartment=str(r.get("compartment", "")),
                state=str(r.get("state", "")),
                expires_at=parse_time(r.get("expires_at")),
                phone_masked=str(r.get("phone_masked") or ""),
                locked=bool(r.get("locked")) or r.get("state") == "locked",
            )
            for r in rows
        ]

    def compartments(self) -> list[CompartmentStatus]:
        """GET /api/v1/compartments (staff)."""
        rows = _list(self._staff("GET", "/api/v1/compartments"), "compartments")
        return [
            CompartmentStatus(
                label=str(r.get("label", "")),
                size=str(r.get("size", "")),
                state=str(r.get("state", "")),
                door=str(r.get("door", "unknown")),
                item_present=r.get("item_present") if isinstance(r.get("item_present"), bool) else None,
                deposit_id=str(r["deposit_id"]) if r.get("deposit_id") else None,
            )
            for r in rows
        ]

    def alarms(self) -> list[Alarm]:
        """GET /api/v1/alarms (staff)."""
        rows = _list(self._staff("GET", "/api/v1/alarms"), "alarms")
        return [
            Alarm(
                alarm_id=str(r.get("alarm_id", "")),
                kind=str(r.get("kind", "")),
                compartment=str(r["compartment"]) if r.get("compartment") else None,
                raised_at=parse_time(r.get("raised_at")),
                message=str(r.get("message") or ""),
                acked=bool(r.get("acked")),
            )
            for r in rows
        ]

    def ack_alarm(self, alarm_id: str) -> None:
        """POST /api/v1/alarms/{id}/ack."""
        self._staff("POST", f"/api/v1/alarms/{alarm_id}/ack")

    def force_open(self, label: str, reason: str) -> DoorOutcome:
        """POST /api/v1/compartments/{label}/open (supervisor), audited with `reason`."""
        body = self._staff("POST", f"/api/v1/compartments/{label}/open", json={"reason": reason})
        return DoorOutcome.parse(body.get("door") if isinstance(body, dict) else None)


def token_path(config: AppConfig) -> Path:
    """Where the kiosk token lives: `[locker] kiosk_token_file`, resolved like the daemon does."""
    section = config.raw.get("locker", {})
    value = (
        section.get("kiosk_token_file", DEFAULT_TOKEN_FILE)
        if isinstance(section, dict)
        else DEFAULT_TOKEN_FILE
    )
    return resolve_path(str(value))


def from_config(config: AppConfig) -> LockerClient:
    """The locker client for `open_services()`: `[kiosk] locker_url`, the token file, and
    `[kiosk] kiosk_id` on every call (the daemon's audit and per-kiosk throttling key on it)."""
    return LockerClient(
        config.kiosk.locker_url,
        token_file=token_path(config),
        timeout_s=config.kiosk.request_timeout_s,
        client_id=config.kiosk.kiosk_id,
        ca_file=config.kiosk.ca_bundle(),
    )
