"""Appointments' booking part: free slots, booking (never over capacity) and the manage link
(view, cancel), plus the helpers the move and check-in parts share (a service's slots, the
booking behind a token, its state now, the change's events). `queueing.appointments.Appointments`
composes the parts; its docstring says where everything else lives.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import sqlite3
import threading
from datetime import date, datetime, timedelta
from typing import Any, Literal, cast

from common.config import resolve_path
from common.timestamps import iso_utc
from contracts.queueing_appointments import AppointmentCancelled, AppointmentView, Booking, Slot
from drivers.camera.cccd import IdHasher
from drivers.camera.keyfile import load_or_create_key
from drivers.camera.payload import APPOINTMENT_QR_PREFIX
from queueing import appointment_hub, appointments_repo, events_repo, texts
from queueing import slots as rules
from queueing.appointment_calls import BookedLoad
from queueing.appointment_sms import AppointmentSms
from queueing.appointment_sms_texts import CODE_DIGITS, CONFIRM, TOKEN_BYTES, manage_link
from queueing.appointments_config import AppointmentsConfig, SlotConfig
from queueing.errors import QueueError
from queueing.slots import AppointmentState
from queueing.wiring import Part, Wiring

#: a booking's state as its manage page shows it (`AppointmentView.state`)
BookingState = Literal["booked", "checked_in", "cancelled", "no_show"]

log = logging.getLogger(__name__)

#: What the booking QR holds before the code (the kiosk's scanner classifies it by this prefix).
QR_PREFIX = APPOINTMENT_QR_PREFIX
_ID_DIGITS = frozenset("0123456789")


def manage_hash(token: str) -> str:
    """What the database keeps of a manage link's token (96 random bits: a plain hash suffices)."""
    return hashlib.sha256(token.encode()).hexdigest()


class AppointmentBooking(Part):
    """Booking and the manage link on the queue's wiring (its store, clock and services)."""

    def __init__(self, wiring: Wiring, load: BookedLoad, sms: AppointmentSms | None = None) -> None:
        super().__init__(wiring)
        self.sms = sms  # confirmations and reminders (None: no SMS, as in a bench)
        self.load = load
        self._hasher: IdHasher | None = None
        self._hasher_lock = threading.Lock()

    @property
    def cfg(self) -> AppointmentsConfig:
        """The `[queueing.appointments]` section (read at each use: the live catalogue may change it)."""
        return self.config.appointments

    # ------------------------------------------------------------------ helpers

    def hasher(self) -> IdHasher:
        """The keyed hash of ID numbers and phones (key file read, or made, at first use)."""
        with self._hasher_lock:
            if self._hasher is None:
                self._hasher = IdHasher(load_or_create_key(resolve_path(self.cfg.id_hash_key_file)))
            return self._hasher

    def slots_cfg(self, service: str) -> SlotConfig:
        svc = self.w.service_or_404(service)
        if not self.cfg.enabled:
            raise QueueError(403, "appointments_disabled", texts.say("appointments_disabled"))
        slot_cfg = self.cfg.slots_of(svc.code)
        if slot_cfg is None:
            raise QueueError(
                404,
                "no_appointments",
                texts.say("no_appointments", name_vi=svc.name_vi, name_en=svc.name_en),
                service=svc.code,
            )
        return slot_cfg

    def capacity(self, slot_cfg: SlotConfig) -> int:
        """Bookings one slot of this service takes (the counters' share kept for appointments)."""
        serving = sum(1 for c in self.config.counters if slot_cfg.code in c.services)
        return rules.slot_capacity(slot_cfg, serving)

    def local(self, ts: float) -> datetime:
        return datetime.fromtimestamp(ts, self.tz)

    def iso(self, ts: float) -> str:
        return self.local(ts).isoformat(timespec="minutes")

    def bookable_slots(self, service: str, day: date) -> list[tuple[datetime, datetime]]:
        """The day's slots (aware local times) that may still be booked now; 422 outside the horizon."""
        slot_cfg = self.slots_cfg(service)
        svc = self.w.service_or_404(service)
        today = self.w.local_now().date()
        if not today <= day <= today + timedelta(days=self.cfg.book_days_ahead):
            raise QueueError(
                422,
                "day_out_of_range",
                texts.say("day_out_of_range", days=self.cfg.book_days_ahead),
                field="day",
            )
        earliest = self.w.local_now() + timedelta(minutes=self.cfg.book_lead_min)
        hours = svc.hours or self.config.hours
        out = []
        for start, end in rules.day_slots(hours, day, slot_cfg.slot_length_min, self.config.holidays):
            start_at, end_at = start.replace(tzinfo=self.tz), end.replace(tzinfo=self.tz)
            if start_at >= earliest:
                out.append((start_at, end_at))
        return out

    # ------------------------------------------------------------------ slots and booking

    def bookable(self) -> list[dict[str, Any]]:
        """What the /book page offers: each service taking appointments, with its days that have
        slots (from today up to book_days_ahead)."""
        if not self.cfg.enabled:
            return []
        today = self.w.local_now().date()
        out = []
        for slot_cfg in self.cfg.services:
            svc = self.w.service_or_404(slot_cfg.code)
            if self.capacity(slot_cfg) < 1:
                continue
            hours = svc.hours or self.config.hours
            days = [
                today + timedelta(days=n)
                for n in range(self.cfg.book_days_ahead + 1)
                if rules.day_slots(
                    hours, today + timedelta(days=n), slot_cfg.slot_length_min, self.config.holidays
                )
            ]
            out.append(
                {
                    "code": svc.code,
                    "name_vi": svc.name_vi,
                    "name_en": svc.name_en,
                    "days": [
                        {
                            "day": d.isoformat(),
                            "label_vi": f"{texts.WEEKDAYS_VI[d.weekday()]}, {d:%d/%m}",
                            "label_en": f"{d:%a %d/%m}",
                        }
                        for d in days
                    ],
                }
            )
        return out

    def free_slots(self, service: str, day: date) -> list[Slot]:
        """GET /api/v1/services/{service}/slots: the bookable slots of a day and places left."""
        slot_cfg = self.slots_cfg(service)
        slots = self.bookable_slots(service, day)
        cap = self.capacity(slot_cfg)
        if not slots or cap < 1:
            return []
        with self.store.read() as conn:
            taken = appointments_repo.taken_per_slot(conn, slot_cfg.code, day.isoformat())
        return [
            Slot(
                start=start.isoformat(timespec="minutes"),
                end=end.isoformat(timespec="minutes"),
                free=max(0, cap - taken.get(start.timestamp(), 0)),
            )
            for start, end in slots
        ]

    def book(self, service: str, start: datetime, phone: str, id_number: str | None = None) -> Booking:
        """Book one place in a slot: per-phone limit and capacity checked and the row written in
        one write transaction (a conditional insert), so no slot is ever over-booked."""
        slot_cfg = self.slots_cfg(service)
        number = rules.normalize_phone(phone)
        if number is None:
            raise QueueError(422, "invalid_phone", texts.say("invalid_phone"), field="phone")
        if id_number is not None and (len(id_number) != 12 or not set(id_number) <= _ID_DIGITS):
            raise QueueError(422, "invalid_id_number", texts.say("invalid_id_number"), field="id_number")
        try:
            local = start.astimezone(self.tz) if start.tzinfo else start.replace(tzinfo=self.tz)
        except (OverflowError, ValueError) as err:  # year 1 at +14:00, year 9999 at -12:00
            raise QueueError(409, "not_a_slot", texts.say("not_a_slot"), field="start") from err
        slot = next((s for s in self.bookable_slots(service, local.date()) if s[0] == local), None)
        if slot is None:
            raise QueueError(409, "not_a_slot", texts.say("not_a_slot"), field="start")
        cap = self.capacity(slot_cfg)
        hasher = self.hasher()
        phone_hash = hasher.hash_id("phone:" + number)
        id_hash = hasher.hash_id(id_number) if id_number else None
        now = self.w.now_ts()
        appointment_id = secrets.token_urlsafe(9)
        token = secrets.token_urlsafe(TOKEN_BYTES)  # short: it goes into every SMS
        start_ts, end_ts = slot[0].timestamp(), slot[1].timestamp()
        with self.store.tx() as conn:
            held = appointments_repo.held_by_phone(conn, phone_hash, now - self.cfg.checkin_after_min * 60)
            if held >= self.cfg.bookings_per_phone:
                raise QueueError(
                    429,
                    "phone_limit",
                    texts.say("phone_limit", n=self.cfg.bookings_per_phone),
                    retry_after_s=3600,
                )
            self._refuse_no_show_phone(conn, phone_hash, now)
            code = self._new_code(conn)
            inserted = appointments_repo.insert_if_free(
                conn,
                cap,
                appointment_id=appointment_id,
                code=code,
                service=slot_cfg.code,
                day=local.date().isoformat(),
                slot_start=start_ts,
                slot_end=end_ts,
                phone_hash=phone_hash,
                phone_masked=rules.mask_phone(number),
                id_hash=id_hash,
                manage_hash=manage_hash(token),
                created_at=now,
                contact_sealed=self.sms.seal_contact(appointment_id, number, token) if self.sms else None,
            )
            if not inserted:
                raise QueueError(409, "slot_full", texts.say("slot_full"), start=self.iso(start_ts))
            self.event(conn, now, slot_cfg.code, start_ts, AppointmentState.BOOKED)
            if self.sms:
                self.sms.enqueue(conn, appointment_id, CONFIRM, start_ts, local.date().isoformat(), now)
        if self.sms:
            self.sms.kick()
        log.info("appointment %s booked: %s at %s", appointment_id[:4], slot_cfg.code, self.iso(start_ts))
        self.load.refresh()
        return Booking(
            appointment_id=appointment_id,
            code=code,
            start=self.iso(start_ts),
            service=slot_cfg.code,
            manage_url=manage_link(self.config.public_base_url, token),
        )

    def _refuse_no_show_phone(self, conn: sqlite3.Connection, phone_hash: str, now: float) -> None:
        """403 booking_blocked for a phone with too many recent no-shows."""
        limit = self.cfg.no_shows_before_block
        if not limit:
            return
        missed = appointments_repo.missed_by_phone(
            conn,
            phone_hash,
            now - self.cfg.no_show_block_days * 86400,
            now - self.cfg.checkin_after_min * 60,
        )
        if missed >= limit:
            days = self.cfg.no_show_block_days
            raise QueueError(403, "booking_blocked", texts.say("booking_blocked", n=missed, days=days))

    def _new_code(self, conn: sqlite3.Connection) -> str:
        """A short code no live booking holds (checked inside the write transaction)."""
        while True:
            code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
            if not appointments_repo.code_is_live(conn, code):
                return code

    def event(
        self,
        conn: sqlite3.Connection,
        now: float,
        service: str,
        start_ts: float,
        state: AppointmentState,
        to_hub: bool = True,
        **hub: Any,
    ) -> None:
        """The change's event for the displays and (`to_hub`) its `appointment.*` event for the
        province hub."""
        events_repo.append(
            conn, now, "appointment", {"service": service, "start": iso_utc(start_ts), "state": state.value}
        )
        if to_hub:
            appointment_hub.send(conn, self.tz, now, state.value, service, start_ts, **hub)

    # ------------------------------------------------------------------ the manage link

    def by_token(self, conn: sqlite3.Connection, token: str) -> Any:
        row = appointments_repo.by_manage_hash(conn, manage_hash(token)) if token else None
        if row is None:
            raise QueueError(404, "unknown_appointment", texts.say("unknown_appointment"))
        return row

    def view(self, token: str) -> AppointmentView:
        """What the manage page shows (the code too: whoever holds the link made the booking)."""
        with self.store.read() as conn:
            row = self.by_token(conn, token)
        svc = self.config.service(row["service"])
        start = self.local(row["slot_start"])
        return AppointmentView(
            appointment_id=row["appointment_id"],
            code=row["code"],
            qr=QR_PREFIX + row["code"],
            service=row["service"],
            service_name_vi=svc.name_vi if svc else row["service"],
            service_name_en=svc.name_en if svc else row["service"],
            start=start.isoformat(timespec="minutes"),
            end=self.iso(row["slot_end"]),
            phone=row["phone_masked"],
            state=self.state_now(row),
            checkin_from=(start - timedelta(minutes=self.cfg.checkin_before_min)).isoformat(
                timespec="minutes"
            ),
            checkin_until=(start + timedelta(minutes=self.cfg.checkin_after_min)).isoformat(
                timespec="minutes"
            ),
        )

    def state_now(self, row: Any) -> BookingState:
        """The stored state, or `no_show` for a booking whose check-in window has passed."""
        late = row["slot_start"] + self.cfg.checkin_after_min * 60 < self.w.now_ts()
        return (
            "no_show"
            if row["state"] == AppointmentState.BOOKED.value and late
            else cast(BookingState, row["state"])
        )

    def cancel(self, token: str) -> AppointmentCancelled:
        """Cancel from the manage link: the place goes back to the slot (cancelling twice is fine)."""
        now = self.w.now_ts()
        with self.store.tx() as conn:
            row = self.by_token(conn, token)
            if row["state"] == AppointmentState.BOOKED.value and self.state_now(row) == "booked":
                appointments_repo.cancel(conn, row["appointment_id"], now)
                self.event(
                    conn,
                    now,
                    row["service"],
                    row["slot_start"],
                    AppointmentState.CANCELLED,
                    to_hub=appointment_hub.known(row),
                )
                if self.sms:
                    self.sms.erase(conn, row["appointment_id"])  # no reminder after a cancel
            elif row["state"] != AppointmentState.CANCELLED.value:
                raise QueueError(409, "cannot_cancel", texts.say("cannot_cancel"), state=self.state_now(row))
        self.load.refresh()
        return AppointmentCancelled(appointment_id=row["appointment_id"], state="cancelled")
