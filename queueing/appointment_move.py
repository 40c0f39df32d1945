"""Moving a booking from its manage link to another free slot of the same service.

The move is one conditional UPDATE in one write transaction: the row changes slot only if the new
slot has a place left, so the old place is freed and the new one taken together, and a crowd of
moves into the last place never over-books it (SQLite has one writer; the count is read inside
the statement). The same rules as booking apply (a slot of the day's list, the lead time, the
days ahead); the phone's limits are untouched, since a move adds no booking. The booking's
pending messages are dropped and a new confirmation is enqueued; the reminders are computed by
the sweep from the new time (`queueing.appointment_sms`).
"""

from __future__ import annotations

import logging
from datetime import datetime

from common.timestamps import iso_utc
from contracts.queueing_appointments import AppointmentView
from queueing import appointment_hub, appointments_repo, events_repo, texts
from queueing.appointment_booking import AppointmentBooking
from queueing.appointment_sms_texts import MOVED
from queueing.errors import QueueError
from queueing.wiring import Part, Wiring

log = logging.getLogger(__name__)


class AppointmentMoves(Part):
    """Moving a booking to another slot (a part using the booking part's rules)."""

    def __init__(self, wiring: Wiring, booking: AppointmentBooking) -> None:
        super().__init__(wiring)
        self.booking = booking

    def move(self, token: str, start: datetime) -> AppointmentView:
        """Move the booking behind `token` to the slot starting at `start`: the booking's view
        at its new time; 409 `slot_full`, `not_a_slot` or `cannot_move`."""
        with self.store.read() as conn:
            row = self.booking.by_token(conn, token)
        if self.booking.state_now(row) != "booked":
            raise QueueError(409, "cannot_move", texts.say("cannot_move"), state=self.booking.state_now(row))
        slot_cfg = self.booking.slots_cfg(row["service"])
        try:
            local = start.astimezone(self.tz) if start.tzinfo else start.replace(tzinfo=self.tz)
        except (OverflowError, ValueError) as err:
            raise QueueError(409, "not_a_slot", texts.say("not_a_slot"), field="start") from err
        slots = self.booking.bookable_slots(row["service"], local.date())
        slot = next((s for s in slots if s[0] == local), None)
        if slot is None:
            raise QueueError(409, "not_a_slot", texts.say("not_a_slot"), field="start")
        start_ts, end_ts = slot[0].timestamp(), slot[1].timestamp()
        if start_ts == row["slot_start"]:
            return self.booking.view(token)  # already there: nothing changes, nothing is sent
        cap = self.booking.capacity(slot_cfg)
        now = self.w.now_ts()
        day = local.date().isoformat()
        with self.store.tx() as conn:
            row = self.booking.by_token(conn, token)  # again, inside the write: a cancel may have come first
            state = self.booking.state_now(row)
            if state != "booked":
                raise QueueError(409, "cannot_move", texts.say("cannot_move"), state=state)
            if int(row["moves"]) >= self.booking.cfg.moves_per_booking:
                raise QueueError(
                    409, "cannot_move", texts.say("moved_enough", n=row["moves"]), state="moved_enough"
                )
            moved = appointments_repo.move_if_free(conn, row, start_ts, end_ts, day, now, cap)
            if not moved:
                raise QueueError(409, "slot_full", texts.say("slot_full"), start=self.booking.iso(start_ts))
            events_repo.append(
                conn,
                now,
                "appointment",
                {
                    "service": row["service"],
                    "start": iso_utc(start_ts),
                    "from": iso_utc(row["slot_start"]),
                    "state": "moved",
                },
            )
            if appointment_hub.known(row):
                appointment_hub.send(
                    conn,
                    self.tz,
                    now,
                    "moved",
                    row["service"],
                    start_ts,
                    from_day=appointment_hub.slot_fields(float(row["slot_start"]), self.tz)[0],
                )
            if self.booking.sms:
                self.booking.sms.drop_pending(conn, row["appointment_id"])  # the old time's messages
                self.booking.sms.enqueue(conn, row["appointment_id"], MOVED, start_ts, day, now)
        if self.booking.sms:
            self.booking.sms.kick()
        log.info(
            "appointment %s moved: %s -> %s",
            row["appointment_id"][:4],
            self.booking.iso(row["slot_start"]),
            self.booking.iso(start_ts),
        )
        self.booking.load.refresh()
        return self.booking.view(token)
