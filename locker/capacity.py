"""A full cabinet (issue 16): say so at once, offer the next size up or the counter, and warn
before it happens ("locker nearly full", at `[locker.capacity] nearly_full_alarm_pct`).

"Keep at the counter" is recorded here too: no compartment, an audit record, and the citizen's
SMS (through the outbox, one GSM-7 segment: `[locker.sms] counter_template`) saying to collect
the result at the counter.
"""

from __future__ import annotations

import logging
import sqlite3

from common import sms_text
from common.timestamps import iso
from contracts.locker_loading import KeptAtCounter
from drivers.gateways.backoffice import BackOffice
from drivers.gateways.errors import GatewayError
from locker import audit, deposits_repo, outbox
from locker.config import Size
from locker.domain import mask_phone, normalize_phone
from locker.errors import Conflict, InvalidInput
from locker.staff import StaffSession
from locker.wiring import Part, Wiring

log = logging.getLogger(__name__)

SIZES = tuple(sorted(Size, key=lambda s: s.rank))
"""The sizes, smallest first."""


def full_error(want: Size | None, next_size: Size | None) -> Conflict:
    """409 `no_free_compartment`: what is full, and what staff can do instead (`next_size`: the
    smallest bigger size with a free compartment, or null; the counter is always possible)."""
    what = f"no {want.value} compartment is free" if want else "no compartment is free"
    if next_size is not None:
        todo = f"take a {next_size.value} one (send size={next_size.value}) or keep the result at the counter"
    else:
        todo = "keep the result at the counter (POST /api/v1/counter-results): the citizen gets an SMS"
    return Conflict("no_free_compartment", f"{what}; {todo}", next_size=next_size, counter=True)


def resolve_phone(backoffice: BackOffice, dossier_code: str, phone: str | None) -> tuple[str, str]:
    """(normalised phone, citizen name): the typed phone, else the back office's; InvalidInput
    `phone` when neither gives one (the name is "" when the back office cannot say)."""
    name = ""
    try:
        dossier = backoffice.lookup(dossier_code)
        name = dossier.citizen_name if dossier else ""
    except GatewayError as err:
        if not phone:
            raise InvalidInput(
                "phone", f"the back office cannot be reached ({err}); type the phone number"
            ) from err
        dossier = None
    if not phone:
        if dossier is None or not dossier.phone:
            raise InvalidInput("phone", "the back office does not know this dossier's phone; type it")
        phone = dossier.phone
    try:
        return normalize_phone(phone), name
    except ValueError as err:
        raise InvalidInput("phone", str(err)) from err


class Capacity(Part):
    """Occupancy, the nearly-full alarm and results kept at the counter."""

    def __init__(self, wiring: Wiring, backoffice: BackOffice) -> None:
        super().__init__(wiring)
        self._backoffice = backoffice

    def occupancy(self, conn: sqlite3.Connection) -> tuple[int, int]:
        """(compartments holding an active deposit, compartments in service)."""
        in_service = [c.label for c in self._cabinet.compartments.values() if not c.disabled]
        return deposits_repo.count_active_compartments(conn), len(in_service)

    def check_nearly_full(self, conn: sqlite3.Connection) -> None:
        """Raise `locker_nearly_full` (once while open) when occupancy reaches the threshold; in
        the caller's transaction, so it reaches the province hub through the outbox with it."""
        pct = self._cfg.capacity.nearly_full_alarm_pct
        used, total = self.occupancy(conn)
        if pct <= 0 or total == 0 or used * 100 < pct * total:
            return
        self._alarms.raise_in(
            conn,
            "locker_nearly_full",
            None,
            f"{used} of {total} compartments are in use ({pct}% or more): withdraw expired "
            "results, or keep new ones at the counter",
        )

    def keep_at_counter(self, sess: StaffSession, dossier_code: str, phone: str | None) -> KeptAtCounter:
        """Record that the result stays at the counter and queue the citizen's SMS saying so."""
        phone, _name = resolve_phone(self._backoffice, dossier_code, phone)
        now = self._clock.now()
        sms = self._cfg.sms
        text = sms_text.render(
            sms.counter_template,
            {"center": self._cfg.sms_center_name(), "dossier": dossier_code, "hotline": self._cfg.hotline},
            sms.dossier_max_chars,
        )
        with self._store.tx() as conn:
            if deposits_repo.dossier_active(conn, dossier_code):
                raise Conflict("dossier_in_locker", f"dossier {dossier_code} is already in the locker")
            kept_at = deposits_repo.counter_result_at(conn, dossier_code)
            if kept_at is not None:  # a repeated tap: the citizen was told once
                return self._answer(dossier_code, iso(kept_at), phone, sms_queued=False)
            counter_id = deposits_repo.add_counter_result(conn, dossier_code, sess.staff_id, now)
            outbox.enqueue_sms(conn, now, self._codes.sms_box, f"counter:{counter_id}", phone, text, None)
            audit.append(conn, now, sess.staff_id, "kept_at_counter", dossier_code=dossier_code)
        self._kick()
        return self._answer(dossier_code, now.isoformat(), phone)

    @staticmethod
    def _answer(dossier_code: str, kept_at: str, phone: str, sms_queued: bool = True) -> KeptAtCounter:
        return KeptAtCounter(
            dossier_code=dossier_code, kept_at=kept_at, phone_masked=mask_phone(phone), sms_queued=sms_queued
        )
