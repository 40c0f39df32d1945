"""Staff actions once the code is sent: withdraw, re-issue, unblock, force open, and listing."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from common import outbox as hub_outbox
from common.timestamps import iso
from contracts.locker_compartments import ForcedOpen
from contracts.locker_deposits import CodeIssued, DepositUnblocked, DepositWithdrawn
from drivers.lockboard.types import DOOR_SEEN_OPEN
from locker import audit, deposits_repo, outbox, status_sms
from locker.deposits import REISSUABLE, Deposits
from locker.deposits_repo import deposit_row, set_state
from locker.domain import DepositState, UnlockPurpose, mask_phone
from locker.errors import Conflict, InvalidInput, Unavailable
from locker.staff import StaffSession, require_supervisor
from locker.wiring import Part, Wiring

log = logging.getLogger(__name__)


class Custody(Part):
    """What staff do with deposits already in the cabinet."""

    def __init__(self, wiring: Wiring, deposits: Deposits) -> None:
        super().__init__(wiring)
        self._deposits = deposits

    def withdraw(self, sess: StaffSession, deposit_id: str) -> DepositWithdrawn:
        """Staff take an expired item back (supervisors: any item still in the cabinet)."""
        with self._store.read() as conn:
            row = deposit_row(conn, deposit_id)
        allowed = {DepositState.EXPIRED}
        if sess.role.value == "supervisor":
            allowed |= {DepositState.CODE_SENT, DepositState.PICKUP_JAMMED, DepositState.PICKUP_UNKNOWN}

        def withdrawable(state: str) -> None:
            if DepositState(state) not in allowed:
                raise Conflict(
                    "not_withdrawable",
                    f"a deposit in state {state} cannot be withdrawn; only expired ones "
                    "(supervisors: any loaded one)",
                )

        def still_withdrawable(conn: sqlite3.Connection) -> None:
            # in the unlock intent's transaction, before any frame: a citizen's pickup that began
            # meanwhile wins (409 here), and from now on the code opens nothing, so no pickup can
            # take the door while staff hold it open, nor after a crash before WITHDRAWN is written
            withdrawable(deposit_row(conn, deposit_id)["state"])
            deposits_repo.kill_code(conn, deposit_id)

        withdrawable(row["state"])
        result = self._cabinet.pulse(
            row["compartment"],
            UnlockPurpose.WITHDRAW,
            sess.staff_id,
            deposit_id=deposit_id,
            before=still_withdrawable,
        )
        if result.outcome is None:
            raise Unavailable(
                "locker_unavailable",
                f"compartment {row['compartment']} cannot be opened now "
                f"({result.error}); try again or call a technician",
            )
        if result.outcome in DOOR_SEEN_OPEN:
            now = self._clock.now()
            with self._store.tx() as conn:
                set_state(conn, deposit_id, DepositState.WITHDRAWN, now, sess.staff_id, code_digest=None)
                hub_outbox.add_now(conn, now, self._tz, "deposit.withdrawn", size=row["size"])
                outbox.enqueue_sms(  # the citizen is told where the result is now (locker.status_sms)
                    conn,
                    now,
                    self._codes.sms_box,
                    f"{deposit_id}:withdrawn",
                    row["phone"],
                    status_sms.text(self._cfg, self._tz, self._cfg.sms.withdrawn_template, row),
                    deposit_id,
                )
                outbox.enqueue(
                    conn,
                    now,
                    outbox.RETURNED,
                    f"{deposit_id}:withdrawn",
                    {
                        "dossier_code": row["dossier_code"],
                        "deposit_id": deposit_id,
                        "event": {
                            "status": "withdrawn_by_staff",
                            "at": now.isoformat(),
                            "staff_id": sess.staff_id,
                            "compartment": row["compartment"],
                        },
                    },
                )
            self._kick()
        return DepositWithdrawn.model_validate(
            {"deposit_id": deposit_id, "door": result.door, "state": self._deposits.state_of(deposit_id)}
        )

    def reissue(self, sess: StaffSession, deposit_id: str) -> CodeIssued:
        """Supervisor: a new code (the old one dies), a new window, tries reset."""
        require_supervisor(sess)
        state = self._deposits.state_of(deposit_id)
        if state not in REISSUABLE:
            raise Conflict("not_reissuable", f"a deposit in state {state.value} has no code to re-issue")
        return self._deposits.issue_code(sess.staff_id, deposit_id, reissue=True)

    def unblock(self, sess: StaffSession, deposit_id: str) -> DepositUnblocked:
        """Supervisor: a deposit locked after wrong codes can be tried again."""
        require_supervisor(sess)
        now = self._clock.now()
        with self._store.tx() as conn:
            row = deposit_row(conn, deposit_id)
            deposits_repo.unblock(conn, deposit_id, now)
            audit.append(
                conn,
                now,
                sess.staff_id,
                "deposit_unblocked",
                deposit_id=deposit_id,
                compartment=row["compartment"],
            )
        return DepositUnblocked.model_validate(
            {"deposit_id": deposit_id, "state": row["state"], "locked": False}
        )

    def force_open(self, sess: StaffSession, label: str, reason: str) -> ForcedOpen:
        """Supervisor: open any compartment, with a reason, audited."""
        require_supervisor(sess)
        if not reason.strip():
            raise InvalidInput(
                "reason", "give a reason for opening the compartment (it goes in the audit log)"
            )
        self._cabinet.get(label)
        with self._store.read() as conn:
            dep_id = deposits_repo.active_in(conn, label)
        result = self._cabinet.pulse(
            label,
            UnlockPurpose.FORCE,
            sess.staff_id,
            deposit_id=dep_id,
            reason=reason.strip()[:200],
        )
        return ForcedOpen.model_validate(
            {
                "compartment": label,
                "door": result.door if result.outcome else "not_sent",
                "deposit_id": dep_id,
            }
        )

    # ----- listing -----
    def list(self, state: str | None) -> list[dict[str, Any]]:
        """Deposits, newest first, optionally of one state ('active' = still in the cabinet)."""
        one: DepositState | None = None
        if state and state != "active":
            try:
                one = DepositState(state)
            except ValueError as err:
                raise InvalidInput(
                    "state",
                    f"state must be 'active' or one of {', '.join(s.value for s in DepositState)}",
                ) from err
        with self._store.read() as conn:
            rows = deposits_repo.active_rows(conn) if state == "active" else deposits_repo.in_state(conn, one)
        return [_public(r) for r in rows]

    def get(self, deposit_id: str) -> dict[str, Any]:
        """One deposit (no phone number, no code), or NotFound."""
        with self._store.read() as conn:
            return _public(deposit_row(conn, deposit_id))


def _public(r: Any) -> dict[str, Any]:
    """The staff view of a deposit row."""
    return {
        "deposit_id": r["deposit_id"],
        "dossier_code": r["dossier_code"],
        "compartment": r["compartment"],
        "state": r["state"],
        "expires_at": iso(r["expires_at"]),
        "phone_masked": mask_phone(r["phone"]),
        "locked": bool(r["locked"]),
        "wrong_tries": r["wrong_tries"],
        "created_by": r["created_by"],
        "created_at": iso(r["created_at"]),
        "collected_at": iso(r["collected_at"]),
        "size": r["size"],
        "authorised": bool(r["authorised_id_digest"]),  # an authorised person may collect
    }
