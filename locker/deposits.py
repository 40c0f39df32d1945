"""Staff use cases: load a compartment, confirm, reopen/bigger/cancel, withdraw, re-issue, unblock.

Every state change is written (with its audit record and outbox messages) before the door is
pulsed; `locker.deposits_repo.set_state` is the one place a deposit's state changes.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid

from common import outbox as hub_outbox
from common import sms_text
from common.timestamps import epoch
from contracts.locker_deposits import (
    CodeIssued,
    DepositCancelled,
    DepositMoved,
    DepositOpened,
    DepositReopened,
)
from drivers.gateways.backoffice import BackOffice
from drivers.lockboard.types import DoorOutcome, DoorState
from locker import audit, authorised, deposits_repo, outbox, pickups_repo, status_sms
from locker.capacity import Capacity, full_error, resolve_phone
from locker.codes import is_ascii_digits
from locker.config import Size
from locker.deposits_repo import NewDeposit, deposit_row, set_state
from locker.domain import (
    BEFORE_CODE,
    DepositState,
    UnlockPurpose,
    expiry_of,
)
from locker.errors import Conflict, Unavailable
from locker.staff import StaffSession
from locker.wiring import Part, Wiring

log = logging.getLogger(__name__)

#: The states a supervisor may give a new code in (checked again in the code's own transaction).
REISSUABLE = frozenset(
    {DepositState.CODE_SENT, DepositState.EXPIRED, DepositState.PICKUP_JAMMED, DepositState.PICKUP_UNKNOWN}
)


class Deposits(Part):
    """What staff do with deposits."""

    def __init__(self, wiring: Wiring, backoffice: BackOffice) -> None:
        super().__init__(wiring)
        self._backoffice = backoffice
        self.capacity = Capacity(wiring, backoffice)

    # ----- choosing a compartment -----
    def _free_compartments(self, conn: sqlite3.Connection, min_size: Size, above: bool = False) -> list[str]:
        busy = deposits_repo.active_compartments(conn)
        choices = []
        for comp in self._cabinet.compartments.values():
            if comp.disabled or comp.label in busy:
                continue
            if comp.size.rank < min_size.rank or (above and comp.size.rank == min_size.rank):
                continue
            if self._cabinet.door(comp.label) is DoorState.OPEN or self._cabinet.item(comp.label):
                continue  # an open door or something inside: not really free, reconcile first
            choices.append((comp.size.rank, _label_key(comp.label), comp.label))
        return [c[2] for c in sorted(choices)]

    def _choose(self, conn: sqlite3.Connection, want: Size, exact: bool) -> str:
        """The compartment to load: the smallest free one that fits; with `exact` (staff chose
        the size) only that size. 409 `no_free_compartment` with the offer when there is none."""
        free = self._free_compartments(conn, want)
        if exact:  # a bigger one only when staff ask for it (next_size in the answer)
            fitting = [c for c in free if self._cabinet.get(c).size is want]
            if not fitting:
                raise full_error(want, self._cabinet.get(free[0]).size if free else None)
            free = fitting
        if not free:
            raise full_error(None, None)
        return free[0]

    @staticmethod
    def _refuse_if_in_locker(conn: sqlite3.Connection, dossier_code: str) -> None:
        """409 `dossier_in_locker` while a deposit of this dossier is active (a load retried after
        a lost answer hears this, whatever else has changed meanwhile)."""
        if deposits_repo.dossier_active(conn, dossier_code):
            raise Conflict("dossier_in_locker", f"dossier {dossier_code} is already in the locker")

    # ----- load -----
    def create(
        self,
        sess: StaffSession,
        dossier_code: str,
        phone: str | None,
        size: Size | None,
        id_number: str | None,
        authorised_id_number: str | None = None,
        authorised_phone: str | None = None,
    ) -> DepositOpened:
        """Reserve the smallest free compartment that fits, open it for loading; with the
        authorised person, if staff give one (see locker.authorised)."""
        want = size or Size.SMALL
        with self._store.read() as conn:  # a full cabinet is said at once, before the back office
            self._refuse_if_in_locker(conn, dossier_code)  # before "full": a retried load is told so
            self._choose(conn, want, size is not None)
        phone, name = resolve_phone(self._backoffice, dossier_code, phone)
        id_digest = authorised.id_digest_of(self._codes, "id_number", id_number)
        auth_digest, auth_phone = authorised.authorised_fields(
            self._codes, authorised_id_number, authorised_phone, phone
        )
        now = self._clock.now()
        deposit_id = "d" + uuid.uuid4().hex[:12]
        with self._store.tx() as conn:
            self._refuse_if_in_locker(conn, dossier_code)
            label = self._choose(conn, want, size is not None)
            comp = self._cabinet.get(label)
            new = NewDeposit(
                deposit_id,
                dossier_code,
                phone,
                name,
                id_digest,
                auth_digest,
                auth_phone,
                label,
                comp.size.value,
                sess.staff_id,
            )
            deposits_repo.insert(conn, new, now)
            audit.append(
                conn,
                now,
                sess.staff_id,
                "deposit_reserved",
                deposit_id=deposit_id,
                compartment=label,
                dossier_code=dossier_code,
                size_requested=want.value,
                size=comp.size.value,
                authorised=auth_digest is not None,
            )
            self.capacity.check_nearly_full(conn)
        door = self._open_for_loading(deposit_id, label, sess.staff_id, UnlockPurpose.LOAD)
        state = self.state_of(deposit_id)
        return DepositOpened.model_validate(
            {"deposit_id": deposit_id, "compartment": label, "door": door, "state": state, "size": comp.size}
        )

    def _open_for_loading(self, deposit_id: str, label: str, actor: str, purpose: UnlockPurpose) -> str:
        def after(conn: sqlite3.Connection, outcome: DoorOutcome | None) -> None:
            # a jammed or unsent pulse leaves the deposit reserved: staff reopen, take bigger or cancel
            if outcome is None or outcome is DoorOutcome.JAMMED:
                return
            if deposit_row(conn, deposit_id)["state"] in (DepositState.RESERVED, DepositState.LOADING):
                set_state(conn, deposit_id, DepositState.LOADING, self._clock.now(), actor)

        result = self._cabinet.pulse(label, purpose, actor, deposit_id=deposit_id, after=after)
        if result.outcome is None:
            raise Unavailable(
                "locker_unavailable",
                f"compartment {label} cannot be opened now ({result.error}); try again or call a technician",
                deposit_id=deposit_id,
                compartment=label,
            )
        return result.door

    def state_of(self, deposit_id: str) -> DepositState:
        with self._store.read() as conn:
            return DepositState(deposit_row(conn, deposit_id)["state"])

    def _before_code(self, deposit_id: str) -> sqlite3.Row:
        with self._store.read() as conn:
            row = deposit_row(conn, deposit_id)
        if DepositState(row["state"]) not in BEFORE_CODE:
            raise Conflict(
                "code_already_sent", "the code was already sent; this is only possible before that"
            )
        return row

    def confirm(self, actor: str, deposit_id: str) -> CodeIssued:
        """The door is shut with the documents inside: issue the code and queue the SMS."""
        row = self._before_code(deposit_id)
        if DepositState(row["state"]) is not DepositState.LOADING:
            raise Conflict("door_not_opened", "the door was never opened for loading; use reopen")
        door, item = self._cabinet.read_live(row["compartment"])
        if door is DoorState.OPEN:
            raise Conflict(
                "door_open", f"close the door of compartment {row['compartment']} first, then confirm"
            )
        if door is DoorState.UNKNOWN:
            raise Conflict(
                "door_unknown",
                f"the door sensor of compartment {row['compartment']} does not answer; "
                "check the door is shut and try again, or call a technician",
            )
        return self.issue_code(actor, deposit_id, reissue=False, item=item)

    def issue_code(self, actor: str, deposit_id: str, reissue: bool, item: bool | None = None) -> CodeIssued:
        """Draw a new code (the old one dies), store its HMAC and queue the sealed SMS."""
        now = self._clock.now()
        codes_cfg = self._cfg.codes
        expires = expiry_of(
            now, codes_cfg.valid_days, self._tz, codes_cfg.working_days, set(codes_cfg.holidays)
        )
        for _ in range(20):
            code = self._codes.new_code()
            digest = self._codes.digest(code)
            with self._store.tx() as conn:
                if deposits_repo.code_digest_taken(conn, digest):
                    continue  # collision with a live code: draw again
                row = deposit_row(conn, deposit_id)
                if not reissue and DepositState(row["state"]) is not DepositState.LOADING:
                    raise Conflict("code_already_sent", "the code was already sent")
                if reissue and DepositState(row["state"]) not in REISSUABLE:  # again, in the write:
                    # a pickup that began since (pickup_opening) or ended must not get a new code
                    raise Conflict(
                        "not_reissuable", f"a deposit in state {row['state']} has no code to re-issue"
                    )
                if reissue:
                    pickups_repo.forget_of_deposit(conn, deposit_id)  # a jammed pickup is over
                set_state(
                    conn,
                    deposit_id,
                    DepositState.CODE_SENT,
                    now,
                    actor,
                    code_digest=digest,
                    expires_at=epoch(expires),
                    wrong_tries=0,
                    locked=0,
                    reminder_sent=0 if status_sms.reminder_needed(self._cfg, now, expires) else 1,
                )
                n, _last = audit.count_of(conn, deposit_id, "code_issued")
                text = sms_text.render(
                    self._cfg.sms.template,
                    {
                        "center": self._cfg.sms_center_name(),
                        "dossier": row["dossier_code"],
                        "compartment": row["compartment"],
                        "code": code,
                        "expires": expires.astimezone(self._tz).strftime(sms_text.DATE_FORMAT),
                        "hotline": self._cfg.hotline,
                    },
                    self._cfg.sms.dossier_max_chars,
                )
                key = f"{deposit_id}:code:{n + 1}"
                for suffix, to in authorised.recipients(row):  # sealed: never written in clear
                    outbox.enqueue_sms(conn, now, self._codes.sms_box, key + suffix, to, text, deposit_id)
                audit.append(
                    conn,
                    now,
                    actor,
                    "code_issued",
                    deposit_id=deposit_id,
                    compartment=row["compartment"],
                    reissue=reissue,
                    expires_at=expires.isoformat(),
                    item_seen=item,
                    number=n + 1,
                )
                if not reissue:  # a re-issued code is the same deposit: counted once, when loaded
                    hub_outbox.add_now(conn, now, self._tz, "deposit.loaded", size=row["size"])
            self._kick()
            return CodeIssued(
                deposit_id=deposit_id,
                state=DepositState.CODE_SENT,
                expires_at=expires.isoformat(),
                compartment=row["compartment"],
            )
        raise Conflict("code_space_full", "could not draw a unique code; raise locker.codes.length_digits")

    def reopen(self, sess: StaffSession, deposit_id: str) -> DepositReopened:
        """Open the door again while loading."""
        row = self._before_code(deposit_id)
        door = self._open_for_loading(deposit_id, row["compartment"], sess.staff_id, UnlockPurpose.REOPEN)
        return DepositReopened.model_validate(
            {
                "deposit_id": deposit_id,
                "compartment": row["compartment"],
                "door": door,
                "state": self.state_of(deposit_id),
            }
        )

    def bigger(self, sess: StaffSession, deposit_id: str) -> DepositMoved:
        """Move the deposit to a free compartment of a bigger size and open that one."""
        row = self._before_code(deposit_id)
        now = self._clock.now()
        with self._store.tx() as conn:
            free = self._free_compartments(conn, Size(row["size"]), above=True)
            if not free:
                raise Conflict(
                    "no_bigger_compartment", "no bigger compartment is free; use the counter instead"
                )
            label = free[0]
            size = self._cabinet.get(label).size
            set_state(
                conn,
                deposit_id,
                DepositState.RESERVED,
                now,
                sess.staff_id,
                compartment=label,
                size=size.value,
            )
            audit.append(
                conn,
                now,
                sess.staff_id,
                "deposit_moved",
                deposit_id=deposit_id,
                compartment=label,
                old_compartment=row["compartment"],
                size=size.value,
            )
        door = self._open_for_loading(deposit_id, label, sess.staff_id, UnlockPurpose.LOAD)
        return DepositMoved.model_validate(
            {
                "deposit_id": deposit_id,
                "compartment": label,
                "door": door,
                "state": self.state_of(deposit_id),
                "old_compartment": row["compartment"],
            }
        )

    def cancel(self, sess: StaffSession, deposit_id: str) -> DepositCancelled:
        """Give up loading: the compartment is free again (take the documents back first)."""
        row = self._before_code(deposit_id)
        with self._store.tx() as conn:
            set_state(conn, deposit_id, DepositState.CANCELLED, self._clock.now(), sess.staff_id)
        return DepositCancelled(
            deposit_id=deposit_id, compartment=row["compartment"], state=DepositState.CANCELLED
        )


def _label_key(label: str) -> tuple[int, str]:
    return (int(label), label) if is_ascii_digits(label) else (10**9, label)
