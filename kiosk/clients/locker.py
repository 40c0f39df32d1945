"""Client of the locker daemon for the kiosk: citizen pickups (kiosk token) and staff calls.

Kiosk calls carry the kiosk token read from `[locker] kiosk_token_file` (the daemon writes it on
its first start, so the file is read lazily and re-read once when the daemon says the token is
wrong). Staff calls carry the token of the signed-in staff session kept on this client; screens
share it through `services.locker.staff`. Every failure is a `ServiceError` subclass naming the
locker; screens switch on `err.code` and `err.extra` (`tries_left`, `retry_after_s`, `factor`).

Answers are parsed with the daemon's own contract (`contracts.locker`): an answer that does not
match it is `ServiceUnavailable("bad_response")`, never a half-read screen. What the screens hold
(the contract's values as plain strings and datetimes) is in `kiosk.clients.locker_views`.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from common.config import resolve_path
from contracts.common import CommonErrorCode
from contracts.locker import KIOSK_TOKEN_REFUSED, SESSION_ENDED, DoorOutcome
from contracts.locker_alarms import AlarmAcked, AlarmRow, KioskAlarmRaised
from contracts.locker_compartments import CabinetView, CompartmentRow, ForcedOpen
from contracts.locker_deposits import (
    CodeIssued,
    DepositCancelled,
    DepositMoved,
    DepositOpened,
    DepositReopened,
    DepositRow,
    DepositUnblocked,
    DepositWithdrawn,
)
from contracts.locker_kiosk import DeviceReported, KioskConfig, LockerHealth
from contracts.locker_loading import KeptAtCounter
from contracts.locker_pickup import PickupAnswer, PickupRetryAnswer
from contracts.locker_staff import StaffSignedIn
from kiosk.clients.base import ApiError, KioskClient, ServiceError, ServiceUnavailable
from kiosk.clients.locker_views import (
    Alarm,
    Cabinet,
    CabinetSlot,
    CompartmentStatus,
    Deposit,
    DepositSummary,
    KioskSettings,
    PickupResult,
    StaffSession,
    parse_time,
)
from kiosk.config import AppConfig

log = logging.getLogger(__name__)

__all__ = [
    "ApiError",
    "DoorOutcome",
    "LockerClient",
    "NotSignedIn",
    "ServiceError",
    "ServiceUnavailable",
    "from_config",
]

DEFAULT_TOKEN_FILE = "var/locker/kiosk.token"
#: The daemon's answers to a staff session that ended (sign in again): codes of the contract, so a
#: renamed code fails mypy.
_SESSION_CODES: frozenset[str] = SESSION_ENDED

#: A daemon without a route answers these (its common handler; http_* without a JSON body).
_NO_SUCH_ROUTE: frozenset[str] = frozenset(
    {CommonErrorCode.NOT_FOUND, CommonErrorCode.METHOD_NOT_ALLOWED, "http_404", "http_405"}
)

#: Every answer about one deposit (the screens see each as a `Deposit`).
_DepositAnswer = (
    DepositOpened
    | DepositRow
    | DepositReopened
    | DepositCancelled
    | DepositWithdrawn
    | DepositUnblocked
    | CodeIssued
)
#: POST /api/v1/deposits/{id}/{action}: the contract's answer of each action.
_DEPOSIT_ACTIONS: dict[str, type[_DepositAnswer]] = {
    "confirm": CodeIssued,
    "reopen": DepositReopened,
    "bigger": DepositMoved,
    "cancel": DepositCancelled,
    "withdraw": DepositWithdrawn,
    "reissue": CodeIssued,
    "unblock": DepositUnblocked,
}


class NotSignedIn(ApiError):
    """A staff call without a session (or after it expired): sign in again."""

    def __init__(self, message: str = "no staff session: sign in again") -> None:
        super().__init__("locker", "not_signed_in", message, 401)


class LockerClient(KioskClient):
    """The kiosk's client of the locker daemon. Blocking: call it from a worker."""

    service = "locker"
    token_refused = KIOSK_TOKEN_REFUSED
    token_config_key = "[locker] kiosk_token_file"

    def __init__(self, base_url: str, token_file: Path | None = None, **kwargs: Any) -> None:
        super().__init__(base_url, token_file, **kwargs)
        self._lock = threading.Lock()
        self.staff: StaffSession | None = None
        self._devices_route = True  # until the daemon says it has no POST /api/v1/kiosk/devices

    # ----- plumbing -----
    def _staff(
        self,
        method: str,
        path: str,
        json: Any = None,
        params: dict[str, Any] | None = None,
        raw: bool = False,
    ) -> Any:
        session = self.staff
        if session is None:
            raise NotSignedIn()
        headers = {"Authorization": f"Bearer {session.token}"}
        try:
            return self._request(method, path, json=json, params=params, headers=headers, raw=raw)
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
        body = super().health()
        self._parse(LockerHealth, body, "health")
        return body

    # ----- citizen (kiosk token) -----
    def kiosk_settings(self) -> KioskSettings:
        """GET /api/v1/kiosk/config."""
        answer = self._parse(KioskConfig, self._kiosk("GET", "/api/v1/kiosk/config"), "kiosk config")
        return KioskSettings(
            answer.second_factor.value,
            answer.code_length,
            answer.hotline,
            answer.handover_photo,
            answer.handover_photo_max_bytes,
            answer.handover_photo_keep_days,
        )

    def cabinet(self) -> Cabinet:
        """GET /api/v1/cabinet (with the staff token when signed in, else the kiosk token)."""
        raw = self._staff("GET", "/api/v1/cabinet") if self.staff else self._kiosk("GET", "/api/v1/cabinet")
        answer = self._parse(CabinetView, raw, "cabinet")
        slots = tuple(
            CabinetSlot(c.label, c.size.value, c.column, c.row, c.height_units, c.state.value)
            for c in answer.compartments
        )
        return Cabinet(columns=answer.columns, slots=slots)

    def pickup(self, code: str, id_number: str | None = None, phone_last4: str | None = None) -> PickupResult:
        """POST /api/v1/pickups. Raises ApiError with the daemon's code on refusal."""
        payload: dict[str, Any] = {"code": code}
        if id_number:
            payload["id_number"] = id_number
        if phone_last4:
            payload["phone_last4"] = phone_last4
        answer = self._parse(PickupAnswer, self._kiosk("POST", "/api/v1/pickups", json=payload), "pickup")
        receipt = answer.receipt.model_dump()
        return PickupResult(answer.pickup_id, answer.compartment, answer.door, answer.dossier_code, receipt)

    def retry_pickup(self, pickup_id: str) -> DoorOutcome:
        """POST /api/v1/pickups/{id}/retry: the one second pulse. 409 staff_alerted after that."""
        body = self._kiosk("POST", f"/api/v1/pickups/{pickup_id}/retry")
        return self._parse(PickupRetryAnswer, body, "pickup retry").door

    def report_device(self, device: str, state: str, detail: str = "") -> None:
        """POST /api/v1/kiosk/devices: this kiosk's printer, camera or screen is `state` (ok or
        in_service clears the alarm). A daemon without that route gets POST /api/v1/alarms for a
        device problem instead (raised, deduplicated, but not cleared by `ok`: staff acknowledge
        it); the screen is not reported there."""
        detail = (detail or state)[:300]
        if self._devices_route:
            try:
                body = {"device": device, "state": state, "detail": detail}
                self._parse(DeviceReported, self._kiosk("POST", "/api/v1/kiosk/devices", body), "device")
                return
            except ApiError as err:
                if err.status not in (404, 405) or err.code not in _NO_SUCH_ROUTE:
                    raise  # a refusal from the route itself, not a missing route
                self._devices_route = False
                log.warning(
                    "the locker has no POST /api/v1/kiosk/devices (HTTP %s): device problems go to "
                    "POST /api/v1/alarms and are not cleared when the device recovers",
                    err.status,
                )
        if state in ("ok", "in_service"):
            log.info("%s ok again; the locker cannot clear its alarm (staff acknowledge it)", device)
            return
        if device == "screen":
            log.info("screen %s not reported: this locker has no device route", state)
            return
        body = {"kind": f"{device}_{state}", "message": detail}
        self._parse(KioskAlarmRaised, self._kiosk("POST", "/api/v1/alarms", body), "alarm")

    # ----- staff -----
    def sign_in(self, staff_id: str, pin: str, totp: str) -> StaffSession:
        """POST /api/v1/staff/sessions; keeps the session on this client."""
        body = self._request(
            "POST", "/api/v1/staff/sessions", json={"staff_id": staff_id, "pin": pin, "totp": totp}
        )
        answer = self._parse(StaffSignedIn, body, "sign in")
        expires = parse_time(answer.expires_at)
        session = StaffSession(answer.token, answer.staff_id, answer.role.value, expires)
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

    @staticmethod
    def _deposit(answer: _DepositAnswer) -> Deposit:
        """The screens' view of any deposit answer (the door UNKNOWN where the answer has none)."""
        return Deposit(
            deposit_id=answer.deposit_id,
            compartment=getattr(answer, "compartment", ""),
            door=getattr(answer, "door", DoorOutcome.UNKNOWN),
            state=answer.state.value,
            expires_at=parse_time(getattr(answer, "expires_at", None)),
        )

    def create_deposit(
        self,
        dossier_code: str,
        phone: str,
        size: str | None = None,
        id_number: str | None = None,
        **more: str,
    ) -> Deposit:
        """POST /api/v1/deposits: a compartment is chosen and opened. `more`: the optional
        authorised person (`authorised_id_number`, `authorised_phone`); empty values are left out.
        A full cabinet is ApiError `no_free_compartment` with `next_size` in `extra`."""
        payload: dict[str, Any] = {
            "dossier_code": dossier_code,
            "phone": phone,
            "size": size,
            "id_number": id_number,
        }
        payload = {k: v for k, v in {**payload, **more}.items() if v}
        body = self._staff("POST", "/api/v1/deposits", json=payload)
        return self._deposit(self._parse(DepositOpened, body, "deposit"))

    def keep_at_counter(self, dossier_code: str, phone: str) -> KeptAtCounter:
        """POST /api/v1/counter-results: no fitting compartment; the citizen's SMS says "counter"."""
        payload = {"dossier_code": dossier_code, "phone": phone or None}
        body = self._staff("POST", "/api/v1/counter-results", json=payload)
        return self._parse(KeptAtCounter, body, "counter")

    def get_deposit(self, deposit_id: str) -> Deposit:
        """GET /api/v1/deposits/{id}: the daemon's current state of one deposit (its deadline once
        the code is sent). The door is not part of it (UNKNOWN)."""
        body = self._staff("GET", f"/api/v1/deposits/{deposit_id}")
        return self._deposit(self._parse(DepositRow, body, "deposit"))

    def deposit_action(self, deposit_id: str, action: str) -> Deposit:
        """POST /api/v1/deposits/{id}/{action}: confirm/reopen/bigger/cancel/withdraw/reissue/unblock."""
        model = _DEPOSIT_ACTIONS.get(action)
        if model is None:
            raise ValueError(f"unknown deposit action {action!r}")
        body = self._staff("POST", f"/api/v1/deposits/{deposit_id}/{action}")
        return self._deposit(self._parse(model, body, action))

    def deposits(self, state: str | None = None) -> list[DepositSummary]:
        """GET /api/v1/deposits?state=..."""
        body = self._staff("GET", "/api/v1/deposits", params={"state": state} if state else None)
        return [
            DepositSummary(
                r.deposit_id,
                r.dossier_code,
                r.compartment,
                r.state.value,
                parse_time(r.expires_at),
                r.phone_masked,
                r.locked,
            )
            for r in self._parse_list(DepositRow, body, "deposits")
        ]

    def compartments(self) -> list[CompartmentStatus]:
        """GET /api/v1/compartments (staff)."""
        body = self._staff("GET", "/api/v1/compartments")
        return [
            CompartmentStatus(
                r.label, r.size.value, r.state.value, r.door.value, r.item_present, r.deposit_id
            )
            for r in self._parse_list(CompartmentRow, body, "compartments")
        ]

    def alarms(self) -> list[Alarm]:
        """GET /api/v1/alarms (staff)."""
        body = self._staff("GET", "/api/v1/alarms")
        return [
            Alarm(str(r.alarm_id), r.kind, r.compartment, parse_time(r.raised_at), r.message, r.acked)
            for r in self._parse_list(AlarmRow, body, "alarms")
        ]

    def ack_alarm(self, alarm_id: str) -> None:
        """POST /api/v1/alarms/{id}/ack."""
        self._parse(AlarmAcked, self._staff("POST", f"/api/v1/alarms/{alarm_id}/ack"), "alarm ack")

    def force_open(self, label: str, reason: str) -> DoorOutcome:
        """POST /api/v1/compartments/{label}/open (supervisor), audited with `reason`."""
        body = self._staff("POST", f"/api/v1/compartments/{label}/open", json={"reason": reason})
        return DoorOutcome.parse(self._parse(ForcedOpen, body, "force open").door)  # not_sent: UNKNOWN


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
