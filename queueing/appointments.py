"""Appointments, composed of parts on the queue's wiring (`queueing.wiring`): free slots, booking
(never over capacity) and the manage link in `queueing.appointment_booking`, moves in
`queueing.appointment_move`, the kiosk check-in that turns a booking into a ticket (called at its
slot ahead of walk-ins) and the no-show round in `queueing.appointment_checkin`, the booking's
SMS in `queueing.appointment_sms`. `Appointments` builds them and offers their use cases.

Storage is the queue's own database (`appointments` table in `queueing.schema.SCHEMA`); every
change is one `Store` transaction with its event (kind `appointment`: service, slot, state; no
phone, code or ID) and its province event (`queueing.appointment_hub`, which also sends
no-shows). Pure rules are in `queueing.slots`, the routes in `queueing.appointments_api`,
the calling order and the booked load of wait estimates in `queueing.appointment_calls`.
"""

from __future__ import annotations

from queueing.appointment_booking import QR_PREFIX, AppointmentBooking, manage_hash
from queueing.appointment_calls import BookedLoad
from queueing.appointment_checkin import CheckIns
from queueing.appointment_move import AppointmentMoves
from queueing.appointment_sms import AppointmentSms
from queueing.appointments_config import AppointmentsConfig
from queueing.service import QueueService

__all__ = ["QR_PREFIX", "Appointments", "manage_hash"]


class Appointments:
    """Booking, the manage link (view, cancel, move) and the kiosk check-in, as one facade."""

    def __init__(self, queue: QueueService, sms: AppointmentSms | None = None) -> None:
        self.q = queue
        self.sms = sms  # confirmations and reminders (None: no SMS, as in a bench)
        self.load = BookedLoad(queue.wiring, queue.estimates)
        self.booking = AppointmentBooking(queue.wiring, self.load, sms)
        self.moves = AppointmentMoves(queue.wiring, self.booking)
        self.checkins = CheckIns(queue.wiring, self.booking, queue.issuing, queue.views)
        # the booking part
        self.hasher = self.booking.hasher
        self.capacity = self.booking.capacity
        self.bookable = self.booking.bookable
        self.free_slots = self.booking.free_slots
        self.book = self.booking.book
        self.view = self.booking.view
        self.cancel = self.booking.cancel
        # the other parts
        self.move = self.moves.move
        self.check_in = self.checkins.check_in
        self.sweep_no_shows = self.checkins.sweep_no_shows

    @property
    def cfg(self) -> AppointmentsConfig:
        """The `[queueing.appointments]` section."""
        return self.booking.cfg
