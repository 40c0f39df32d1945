"""The kiosk check-in that turns a booking into a ticket (called at its slot ahead of walk-ins),
and the sweep round sending the province hub a no-show for each booking past its window.
A part of `queueing.appointments.Appointments`.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timedelta
from typing import Any

from contracts.queueing_appointments import CheckedInTicket
from queueing import appointment_hub, appointments_repo, texts, tickets_repo
from queueing import slots as rules
from queueing.appointment_booking import AppointmentBooking
from queueing.domain import LIVE_STATES, TicketState
from queueing.errors import QueueError
from queueing.issuing import TicketIssuing
from queueing.slots import AppointmentState, CheckIn
from queueing.ticket_views import TicketViews
from queueing.wiring import Part, Wiring

log = logging.getLogger(__name__)


class CheckIns(Part):
    """The kiosk check-in of a booking and the no-shows sent to the province hub."""

    def __init__(
        self, wiring: Wiring, booking: AppointmentBooking, issuing: TicketIssuing, views: TicketViews
    ) -> None:
        super().__init__(wiring)
        self.booking = booking
        self.issuing = issuing
        self.views = views

    def check_in(self, code: str | None = None, id_hash: str | None = None) -> tuple[int, CheckedInTicket]:
        """A kiosk checks a booking in by its code (or the ID card's hash): 201 and a pending
        kiosk ticket (the kiosk prints and confirms it as any other) carrying `appointment_id`;
        the same ticket again (200) while it is live; 409 too_early / too_late outside the window."""
        now_local = self.w.local_now()
        # one write transaction: two kiosks checking the same booking in at once get one ticket
        with self.store.tx() as conn:
            row = self._find(conn, code, id_hash, now_local.date().isoformat())
            ticket = tickets_repo.by_id(conn, row["ticket_id"] or "")
            if ticket is not None and TicketState(ticket["state"]) in LIVE_STATES:
                return 200, self._ticket_answer(row["ticket_id"], row)
            self._refuse_outside_window(row, now_local)
            attempt = int(row["checkin_attempts"]) + 1
            issued = self.issuing.issue(
                row["service"],
                channel="kiosk",
                idempotency_key=f"appointment:{row['appointment_id']}:{attempt}",
            )
            now = self.w.now_ts()
            appointments_repo.check_in(conn, row["appointment_id"], now, issued.ticket_id, attempt)
            self.booking.event(
                conn,
                now,
                row["service"],
                row["slot_start"],
                AppointmentState.CHECKED_IN,
                # once per booking: a check-in again after a failed print is not a new one
                to_hub=row["state"] == AppointmentState.BOOKED.value and appointment_hub.known(row),
                late_min=round((now - float(row["slot_start"])) / 60, 1),
            )
            if self.booking.sms:
                self.booking.sms.erase(conn, row["appointment_id"])  # the appointment is over: no reminder
        log.info("appointment %s checked in: ticket %s", row["appointment_id"][:4], issued.number)
        self.booking.load.refresh()
        return 201, CheckedInTicket.model_validate({**issued.model_dump(), **self._appointment_fields(row)})

    def sweep_no_shows(self) -> int:
        """Send the hub a no-show for each booking past its check-in window (the sweeper's round)."""
        now = self.w.now_ts()
        after_min = self.booking.cfg.checkin_after_min
        with self.store.read() as conn:
            due = appointments_repo.no_show_due(conn, after_min * 60, now)
        if not due:
            return 0
        with self.store.tx() as conn:
            return appointment_hub.sweep_no_shows(conn, self.tz, now, after_min)

    def _refuse_outside_window(self, row: Any, now_local: datetime) -> None:
        """409 too_early (with when to come back) or too_late outside the check-in window."""
        start = self.booking.local(row["slot_start"])
        verdict = rules.check_in_verdict(
            start, now_local, self.booking.cfg.checkin_before_min, self.booking.cfg.checkin_after_min
        )
        back = start - timedelta(minutes=self.booking.cfg.checkin_before_min)
        if verdict is CheckIn.OK:
            svc = self.w.service_or_404(row["service"])
            if not self.w.opening(svc).open:
                # inside the window but before the service opens (a first slot of the day): the
                # ticket could not be issued yet, so the citizen comes back when it opens
                verdict = CheckIn.TOO_EARLY
                back = self.w.next_opening_at(svc) or start
        if verdict is CheckIn.TOO_EARLY:
            raise QueueError(
                409,
                "too_early",
                texts.say("too_early", **texts.when_fields(back)),
                come_back_at=back.isoformat(timespec="minutes"),
                start=start.isoformat(timespec="minutes"),
            )
        if verdict is CheckIn.TOO_LATE:
            raise QueueError(
                409, "too_late", texts.say("too_late"), start=start.isoformat(timespec="minutes")
            )

    def _find(self, conn: sqlite3.Connection, code: str | None, id_hash: str | None, today: str) -> Any:
        """Today's or a later booking by code or ID hash (a live one first), or 404."""
        column, value = ("code", code) if code else ("id_hash", id_hash)
        row = appointments_repo.live_by(conn, column, value, today)
        if row is None:
            raise QueueError(404, "unknown_appointment", texts.say("unknown_appointment"))
        return row

    def _appointment_fields(self, row: Any) -> dict[str, Any]:
        start = self.booking.iso(row["slot_start"])
        return {"appointment_id": row["appointment_id"], "appointment_start": start}

    def _ticket_answer(self, ticket_id: str, row: Any) -> CheckedInTicket:
        """The live ticket of a booking checked in before (a check-in sent again)."""
        return CheckedInTicket(
            **self.views.status(ticket_id).model_dump(),
            status_url=self.issuing.status_url(ticket_id),
            channel="kiosk",  # a check-in issues a kiosk ticket
            **self._appointment_fields(row),
        )
