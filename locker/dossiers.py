"""The citizen's dossier lookup at the kiosk, and "send the code again" (docs/locker.md, "Dossier lookup").

The back office says where the dossier is in its handling; the locker adds what only it knows (the
result waits in compartment N since..., or was collected a minute ago and the back office has not
heard yet). When the back office is slow or down but the locker holds the result, the citizen still
gets the locker's part (`partial`); otherwise 503/504 with "try again or ask at the counter".
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timedelta

from common.rate_limit import RateLimiter
from common.timestamps import epoch, iso
from contracts.dossiers import NOT_DONE, CodeResent, CollectAt, DossierAnswer, DossierStatus
from drivers.gateways.backoffice import BackOffice, DossierReport
from drivers.gateways.errors import GatewayError, GatewayTimeout
from locker import audit, deposits_repo
from locker.deposits import Deposits
from locker.domain import DepositState, mask_name, mask_phone
from locker.errors import Conflict, LockerError, NotFound, Throttled, Unavailable
from locker.wiring import Part, Wiring

log = logging.getLogger(__name__)

#: The result waits in the cabinet and a code can open it.
WAITING = frozenset(
    {
        DepositState.CODE_SENT,
        DepositState.PICKUP_OPENING,
        DepositState.PICKUP_JAMMED,
        DepositState.PICKUP_UNKNOWN,
    }
)
#: The locker's last word on a dossier it no longer holds: collected, or back at the counter.
HANDED_BACK = frozenset({DepositState.EXPIRED, DepositState.WITHDRAWN})
RESEND_ACTION = "code_resend"
ASK_VI = "Quý khách vui lòng thử lại sau ít phút hoặc hỏi tại quầy."
ASK_EN = "Please try again in a few minutes or ask at the counter."


class BackOfficeTimeout(LockerError):
    """The back office did not answer within `[locker.backoffice] status_timeout_s` (504)."""

    status = 504


class DossierDesk(Part):
    """Lookups (rate-limited per kiosk) and resends (limited per deposit, audited)."""

    def __init__(self, wiring: Wiring, backoffice: BackOffice, deposits: Deposits) -> None:
        super().__init__(wiring)
        self._backoffice = backoffice
        self._deposits = deposits
        self._limit = RateLimiter(
            self._cfg.dossiers.lookups_per_min_per_kiosk, 60.0, clock=self._clock.monotonic
        )

    def _throttle(self, kiosk: str) -> None:
        wait = self._limit.retry_after(kiosk)
        if wait:
            raise Throttled(
                "too_many_lookups",
                f"Quý khách vui lòng đợi {wait} giây rồi tra cứu lại. / "
                f"Please wait {wait} s and look up again.",
                retry_after_s=wait,
            )

    # ----- lookup -----
    def lookup(self, kiosk: str, code: str) -> DossierAnswer:
        """GET /api/v1/dossiers/{code}: the merged answer (contracts.dossiers.DossierAnswer)."""
        self._throttle(kiosk)
        return self.answer(code)

    def answer(self, code: str) -> DossierAnswer:
        """The merged answer for `code`, unthrottled (the caller limits: per kiosk, or per phone's
        address for the phone page); NotFound, Unavailable or BackOfficeTimeout otherwise."""
        with self._store.read() as conn:
            row = deposits_repo.latest_with_code(conn, code)
        report: DossierReport | None = None
        failure: GatewayError | None = None
        try:
            report = self._backoffice.status(code)
        except GatewayError as err:  # the citizen waits: say so at once, never retry here
            log.warning("dossier lookup: %s", err)
            failure = err
        if failure is not None and (row is None or DepositState(row["state"]) not in WAITING):
            if isinstance(failure, GatewayTimeout):
                raise BackOfficeTimeout(
                    "backoffice_timeout",
                    f"Hệ thống một cửa chưa trả lời. {ASK_VI} / The back office did not answer. {ASK_EN}",
                )
            raise Unavailable(
                "backoffice_unavailable",
                f"Không kết nối được hệ thống một cửa. {ASK_VI} / "
                f"The back office cannot be reached. {ASK_EN}",
            )
        if report is None and row is None:
            raise NotFound(
                "dossier_unknown",
                f"Không tìm thấy hồ sơ {code}. Quý khách kiểm tra lại mã trên giấy hẹn hoặc hỏi tại quầy. / "
                f"No dossier {code}: check the code on the receipt or ask at the counter.",
            )
        return self._merge(code, report, row, partial=failure is not None)

    def _merge(
        self, code: str, report: DossierReport | None, row: sqlite3.Row | None, partial: bool
    ) -> DossierAnswer:
        now = self._clock.now()
        state = DepositState(row["state"]) if row is not None else None
        in_locker = state in WAITING
        status = report.status if report else DossierStatus.DONE_WAITING
        collect_at = report.collect_at if report else CollectAt.LOCKER
        if in_locker:  # the locker holds it: whatever the back office has not heard yet
            status, collect_at = DossierStatus.DONE_WAITING, CollectAt.LOCKER
        elif state is DepositState.COLLECTED:
            status = DossierStatus.RETURNED
        elif state in HANDED_BACK and status is DossierStatus.DONE_WAITING:
            collect_at = CollectAt.COUNTER
        due = report.due_at if report else None
        name = (report.citizen_name if report else "") or (row["citizen_name"] if row is not None else "")
        compartment = waiting_since = pickup_until = None
        can_resend = False
        if in_locker and row is not None:
            compartment, waiting_since, pickup_until = (
                row["compartment"],
                iso(row["created_at"]),
                iso(row["expires_at"]),
            )
            with self._store.read() as conn:
                can_resend = self._resend_refusal(conn, row, now) is None
        return DossierAnswer(
            dossier_code=code,
            procedure=report.procedure if report else "",
            status=status,
            missing=report.missing if report and status is DossierStatus.SUPPLEMENT_REQUESTED else "",
            received_at=report.received_at.isoformat() if report and report.received_at else None,
            due_at=due.isoformat() if due else None,
            late=bool(due and status in NOT_DONE and now > due),
            collect_at=collect_at,
            citizen_name_masked=mask_name(name),
            in_locker=in_locker,
            compartment=compartment,
            waiting_since=waiting_since,
            pickup_until=pickup_until,
            can_resend=can_resend,
            partial=partial,
        )

    # ----- resend -----
    def resend(self, kiosk: str, code: str) -> CodeResent:
        """POST /api/v1/dossiers/{code}/resend: a new code to the phone on file (the old one dies
        in the same transaction), at most once per `resend_period_h` and `resend_max_per_deposit`
        times per deposit; the limit is checked and recorded in one step, audited."""
        self._throttle(kiosk)
        actor = f"kiosk:{kiosk}"
        now = self._clock.now()
        with self._store.tx() as conn:
            row = deposits_repo.latest_with_code(conn, code)
            if row is None or DepositState(row["state"]) not in WAITING:
                raise Conflict(
                    "resend_not_possible",
                    "Kết quả của hồ sơ này không ở trong tủ; quý khách vui lòng hỏi tại quầy. / "
                    "This dossier's result is not in the locker; please ask at the counter.",
                )
            refusal = self._resend_refusal(conn, row, now)
            if refusal is not None:
                raise refusal
            audit.append(
                conn, now, actor, RESEND_ACTION, deposit_id=row["deposit_id"], compartment=row["compartment"]
            )
            issued = self._deposits.issue_code(actor, row["deposit_id"], reissue=True)
        self._kick()
        period = timedelta(hours=self._cfg.dossiers.resend_period_h)
        log.info("deposit %s: code sent again at the request of %s", row["deposit_id"], actor)
        return CodeResent(
            dossier_code=code,
            phone_masked=mask_phone(row["phone"]),
            pickup_until=issued.expires_at,
            next_resend_at=(now + period).isoformat(),
        )

    def _resend_refusal(
        self, conn: sqlite3.Connection, row: sqlite3.Row, now: datetime
    ) -> LockerError | None:
        """Why a resend is refused now, or None."""
        if DepositState(row["state"]) is not DepositState.CODE_SENT or row["locked"]:
            return Conflict(
                "resend_not_possible",
                "Không thể gửi lại mã cho hồ sơ này; quý khách vui lòng hỏi tại quầy. / "
                "The code cannot be sent again for this dossier; please ask at the counter.",
            )
        cfg = self._cfg.dossiers
        done, last = audit.count_of(conn, row["deposit_id"], RESEND_ACTION)
        if done >= cfg.resend_max_per_deposit:
            return Conflict(
                "resend_not_possible",
                "Mã đã được gửi lại nhiều lần; quý khách vui lòng hỏi tại quầy. / "
                "The code was sent again too many times; please ask at the counter.",
            )
        if last is not None:
            ready = last + cfg.resend_period_h * 3600
            if ready > epoch(now):
                wait = max(1, int(ready - epoch(now) + 0.999))
                return Throttled(
                    "resend_too_soon",
                    "Mã vừa được gửi lại; quý khách kiểm tra tin nhắn trên điện thoại. / "
                    "The code was sent again recently; please check the messages on your phone.",
                    retry_after_s=wait,
                    next_resend_at=iso(ready),
                )
        return None
