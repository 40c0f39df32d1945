"""Citizen pickup: code (+ second factor) -> the right door opens once -> collected.

Guessing is limited by locker.attempts: wrong tries per deposit (then the deposit is locked until a
supervisor unblocks it), growing delays per kiosk, a cabinet-wide slow-down and alarms.
Every failed attempt is audited (never with the typed code).

The first look (throttle, code, deposit) is a read snapshot; every try is then admitted by the
store's one writer, in the unit of work that records it: a wrong one in `Attempts.fail`, the
right one in the unit of its unlock intent (`before`), which checks the throttle and the
deposit's lock again. So concurrent tries cannot all pass one stale look.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from datetime import datetime
from typing import Any

from common.timestamps import epoch
from contracts.locker_loading import CollectedBy
from contracts.locker_pickup import PickupAnswer, PickupRetryAnswer, Receipt
from drivers.lockboard.types import DOOR_SEEN_OPEN, DoorOutcome
from locker import audit, authorised, deposits_repo, pickups_repo
from locker.attempts import Attempts
from locker.authorised import Collector
from locker.config import SecondFactor
from locker.deposits_repo import deposit_row, mark_collected, set_state
from locker.domain import DepositState, UnlockPurpose, mask_name
from locker.errors import AuthError, Conflict, Gone, NotFound, Unavailable
from locker.wiring import Part, Wiring

log = logging.getLogger(__name__)


class _LockedMeanwhile(Exception):
    """The deposit was locked (concurrent wrong tries) between the first look and the intent."""


class Pickups(Part):
    """The kiosk's side of the locker."""

    def __init__(self, wiring: Wiring) -> None:
        super().__init__(wiring)
        self._attempts = Attempts(wiring.cfg, wiring.store, wiring.clock, wiring.alarms)

    # ----- pickup -----
    def _waiting_deposit(
        self, kiosk: str, code: str, id_number: str | None, phone_last4: str | None, now: datetime
    ) -> sqlite3.Row:
        """The deposit whose code this is and that waits for pickup; every other case is a refused
        try (audited, counted where it must be) raised as the kiosk's answer."""
        row: sqlite3.Row | None = None
        with self._store.read() as conn:  # one snapshot: throttle state and the code's deposit
            self._attempts.check(conn, kiosk, now)
            if self._codes.well_formed(code):
                # one indexed lookup by the code's HMAC (never a scan over live codes)
                digest = self._codes.digest(code)
                row = deposits_repo.by_code_digest(conn, digest)
        if row is not None and not self._codes.matches(code, row["code_digest"]):
            row = None
        if row is None:
            dep_id, comp = self._identify_by_factor(id_number, phone_last4)
            left = self._attempts.fail(kiosk, "wrong_code", dep_id, comp, count_on_deposit=dep_id is not None)
            raise AuthError(
                "wrong_code", "this code is not right; check the SMS and type it again", tries_left=left
            )
        deposit_id, label = row["deposit_id"], row["compartment"]
        state = DepositState(row["state"])
        if row["locked"]:
            self._attempts.fail(kiosk, "deposit_locked", deposit_id, label)
            raise self._attempts.locked_error()
        if state is DepositState.EXPIRED or (
            state is DepositState.CODE_SENT
            and row["expires_at"] is not None
            and row["expires_at"] <= epoch(now)
        ):
            self._audit(kiosk, "pickup_refused", deposit_id, label, reason="code_expired")
            raise Gone(
                "code_expired",
                "this code has expired; the documents wait for you at the counter "
                f"(hotline {self._cfg.hotline})",
            )
        if state in (DepositState.PICKUP_JAMMED, DepositState.PICKUP_UNKNOWN, DepositState.PICKUP_OPENING):
            self._audit(kiosk, "pickup_refused", deposit_id, label, reason="already_used")
            raise Conflict(
                "staff_alerted",
                f"this code was already used; if the door did not open, call the hotline {self._cfg.hotline}",
            )
        if state is not DepositState.CODE_SENT:
            self._attempts.fail(kiosk, "wrong_code", None, None)
            raise AuthError(
                "wrong_code", "this code is not right; check the SMS and type it again", tries_left=None
            )
        return row

    def pickup(
        self,
        kiosk: str,
        code: str,
        id_number: str | None,
        phone_last4: str | None,
    ) -> PickupAnswer:
        """Check the code and factor, open the door once, return receipt data."""
        now = self._clock.now()
        row = self._waiting_deposit(kiosk, code.strip(), id_number, phone_last4, now)
        deposit_id, label = row["deposit_id"], row["compartment"]
        collector = self._check_factor(kiosk, row, id_number, phone_last4)
        pickup_id = "p" + uuid.uuid4().hex[:12]

        def before(conn: sqlite3.Connection) -> None:
            # the admission of the right code, on the store's writer (see the module docstring)
            self._attempts.admit_in(conn, kiosk, self._clock.now())
            fresh = deposit_row(conn, deposit_id)
            if fresh["locked"]:
                raise _LockedMeanwhile
            if fresh["state"] != DepositState.CODE_SENT.value:
                raise Conflict("staff_alerted", "this code was just used at another kiosk")
            set_state(conn, deposit_id, DepositState.PICKUP_OPENING, now, f"kiosk:{kiosk}", wrong_tries=0)
            who, masked = collector.who.value, collector.masked
            pickups_repo.insert(conn, pickup_id, deposit_id, kiosk, now, who, masked)
            self._attempts.forget_in(conn, kiosk)
            audit.append(
                conn,
                now,
                f"kiosk:{kiosk}",
                "pickup_accepted",
                deposit_id=deposit_id,
                compartment=label,
                pickup_id=pickup_id,
                **collector.detail(),
            )

        collected: dict[str, str] = {}

        def after(conn: sqlite3.Connection, outcome: DoorOutcome | None) -> None:
            collected_at = self._settle(conn, kiosk, pickup_id, deposit_id, outcome, retry=False)
            if collected_at:
                collected["at"] = collected_at

        try:
            result = self._cabinet.pulse(
                label,
                UnlockPurpose.PICKUP,
                f"kiosk:{kiosk}",
                deposit_id=deposit_id,
                pickup_id=pickup_id,
                before=before,
                after=after,
            )
        except _LockedMeanwhile:
            self._attempts.fail(kiosk, "deposit_locked", deposit_id, label)
            raise self._attempts.locked_error() from None
        door = result.door
        if result.outcome in DOOR_SEEN_OPEN:
            self._kick()
        if result.outcome is None:
            raise Unavailable(
                "locker_unavailable",
                "the locker cannot open doors right now; try again in a "
                f"few minutes or call the hotline {self._cfg.hotline}",
            )
        return PickupAnswer.model_validate(
            {
                "pickup_id": pickup_id,
                "compartment": label,
                "door": door,
                "dossier_code": row["dossier_code"],
                "receipt": self._receipt(row, collected.get("at"), pickup_id, collector),
            }
        )

    def _identify_by_factor(
        self, id_number: str | None, phone_last4: str | None
    ) -> tuple[str | None, str | None]:
        """With a second factor, a wrong code can be pinned on one deposit (so its tries count)."""
        factor = self._cfg.codes.second_factor
        with self._store.read() as conn:
            found: list[tuple[str, str]] = []
            if factor is SecondFactor.ID_NUMBER and id_number:
                found = deposits_repo.waiting_matching_id(conn, self._codes.id_digest(id_number))
            elif factor is SecondFactor.PHONE_LAST4 and phone_last4 and len(phone_last4) == 4:
                found = deposits_repo.waiting_matching_phone(conn, phone_last4)
        if len(found) == 1:
            return found[0]
        return None, None

    def _check_factor(
        self, kiosk: str, row: sqlite3.Row, id_number: str | None, phone_last4: str | None
    ) -> Collector:
        """Who is collecting: the citizen or the authorised person (either's factor is accepted,
        see locker.authorised); AuthError when the factor is missing or nobody's."""
        factor = self._cfg.codes.second_factor
        if factor is SecondFactor.NONE:
            return Collector(CollectedBy.UNVERIFIED)
        if factor is SecondFactor.ID_NUMBER and row["id_digest"] is None:
            # staff had no ID number for the citizen: the authorised person's card still works
            who = authorised.match(self._codes, factor, row, id_number) if id_number else None
            if who is not None:
                return who
            factor = SecondFactor.PHONE_LAST4  # the citizen: the last 4 digits of their phone
        given = id_number if factor is SecondFactor.ID_NUMBER else phone_last4
        if not given:
            # this answer tells the code is right: only for a try the throttle admits
            self._attempts.admit(kiosk)
            raise AuthError(
                "second_factor_required",
                "show your ID card's QR code"
                if factor is SecondFactor.ID_NUMBER
                else "type the last 4 digits of your phone number",
                factor=factor.value,
            )
        collector = authorised.match(self._codes, factor, row, given)
        if collector is None:
            left = self._attempts.fail(
                kiosk,
                "second_factor_wrong",
                row["deposit_id"],
                row["compartment"],
                count_on_deposit=True,
                refuse_if_locked=True,  # locked by concurrent tries since the first look: 423
            )
            raise AuthError(
                "second_factor_wrong",
                "this does not match the person the documents are for",
                factor=factor.value,
                tries_left=left,
            )
        return collector

    def _settle(
        self, conn: sqlite3.Connection, kiosk: str, pickup_id: str, deposit_id: str, outcome: Any, retry: bool
    ) -> str | None:
        """Record what the door did (inside the pulse's result transaction): seen open -> collected
        (returns the collection time); else jammed/unknown (staff are alerted after the second
        pulse) and returns None."""
        now = self._clock.now()
        actor = f"kiosk:{kiosk}"
        row = deposit_row(conn, deposit_id)
        door = "unknown" if outcome is None else outcome.value
        pickups_repo.set_door(conn, pickup_id, door)
        if outcome in DOOR_SEEN_OPEN:
            collected_by, collector_masked = pickups_repo.collector(conn, pickup_id)
            mark_collected(
                conn,
                now,
                actor,
                row,
                tz=self._tz,
                pickup_id=pickup_id,
                collected_by=collected_by or CollectedBy.UNVERIFIED.value,
                collector_masked=collector_masked or "",
            )
            return now.isoformat()
        if outcome is None and not retry:
            set_state(conn, deposit_id, DepositState.CODE_SENT, now, actor)
            pickups_repo.delete(conn, pickup_id)
        else:
            new = DepositState.PICKUP_JAMMED if outcome is DoorOutcome.JAMMED else DepositState.PICKUP_UNKNOWN
            set_state(conn, deposit_id, new, now, actor)
            if retry:
                self._alarms.raise_in(
                    conn,
                    "door_jammed",
                    row["compartment"],
                    f"compartment {row['compartment']} did not open after a second pulse "
                    f"(pickup {pickup_id}); the citizen needs help",
                )
        return None

    def retry(self, kiosk: str, pickup_id: str) -> PickupRetryAnswer:
        """A second pulse for a jammed door, allowed once; then staff are alerted."""
        with self._store.read() as conn:
            p = pickups_repo.get(conn, pickup_id)
            if p is None:
                raise NotFound("unknown_pickup", "this pickup is not known; start again with the code")
            row = deposit_row(conn, p["deposit_id"])
        state = DepositState(row["state"])
        if state is DepositState.COLLECTED:
            raise Conflict("already_collected", "the door was already seen open; the documents are collected")
        if state not in (DepositState.PICKUP_JAMMED, DepositState.PICKUP_UNKNOWN) or p["retries_used"] >= 1:
            with self._store.tx() as conn:
                self._alarms.raise_in(
                    conn,
                    "door_jammed",
                    row["compartment"],
                    f"compartment {row['compartment']} did not open for pickup {pickup_id}",
                )
            raise Conflict(
                "staff_alerted", f"staff have been alerted and will help you; hotline {self._cfg.hotline}"
            )
        now = self._clock.now()

        def before(conn: sqlite3.Connection) -> None:
            if not pickups_repo.use_retry(conn, pickup_id):
                raise Conflict("staff_alerted", "staff have been alerted and will help you")
            set_state(conn, p["deposit_id"], DepositState.PICKUP_OPENING, now, f"kiosk:{kiosk}")

        result = self._cabinet.pulse(
            row["compartment"],
            UnlockPurpose.PICKUP_RETRY,
            f"kiosk:{kiosk}",
            deposit_id=p["deposit_id"],
            pickup_id=pickup_id,
            before=before,
            after=lambda conn, outcome: self._settle(
                conn, kiosk, pickup_id, p["deposit_id"], outcome, retry=True
            ),
        )
        if result.outcome in DOOR_SEEN_OPEN:
            self._kick()
        return PickupRetryAnswer.model_validate(
            {"pickup_id": pickup_id, "compartment": row["compartment"], "door": result.door}
        )

    def _receipt(
        self, row: sqlite3.Row, collected_at: str | None, pickup_id: str, collector: Collector
    ) -> Receipt:
        """Receipt data from the deposit as read before the pulse (dossier, compartment and name
        do not change during a pickup) and the collection time recorded with the door's outcome."""
        collected = collected_at or self._clock.now().isoformat()
        return Receipt(
            center_name=self._cfg.center_name,
            dossier_code=row["dossier_code"],
            compartment=row["compartment"],
            collected_at=collected,
            citizen_name_masked=mask_name(row["citizen_name"]),
            # an unguessable token (pickup id + MAC), never the dossier code: see locker.receipts
            verify_url=f"{self._cfg.verify_base_url}/{self._codes.receipt_token(pickup_id)}",
            collected_by=collector.who,
            collector_masked=collector.masked,
        )

    def _audit(self, kiosk: str, action: str, deposit_id: str, label: str, **detail: Any) -> None:
        """Audit a refused try; a throttled kiosk gets 429 instead (admitted under the lock)."""
        with self._store.tx() as conn:
            now = self._clock.now()
            self._attempts.admit_in(conn, kiosk, now)
            audit.append(
                conn,
                now,
                f"kiosk:{kiosk}",
                action,
                deposit_id=deposit_id,
                compartment=label,
                **detail,
            )
