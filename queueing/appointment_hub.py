"""Appointments for the province hub: the outbox events of a booking's life, and the no-show sweep.

Each change of a booking (booked, moved, cancelled, checked in) writes its `appointment.*` event
with `common.outbox.add` in the transaction that makes the change. A no-show is not a change
anybody makes: a booking whose check-in window passed stays `booked` (the reports read it so). The
sweep (`sweep_no_shows`, run by the queue's sweeper) writes `appointment.no_show` once per such
booking and stamps `no_show_sent_at` in the same transaction, so it is sent exactly once.

Every event counts for the day of the slot (not the day the citizen booked), so the hub's daily
rollups give, per slot day, the bookings held, the check-ins and the no-shows. The data is the
service, the slot start as minutes after local midnight, and for a check-in how early (< 0) or
late it was: nothing about the person, no code, no appointment id.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, tzinfo
from typing import Any

from common import outbox
from queueing import appointment_sms_repo

log = logging.getLogger(__name__)


def known(row: Any) -> bool:
    """Whether the hub knows this booking (booked since step 5): only those send their changes,
    so a booking from before never shows at the hub as a cancel or check-in without its booking."""
    return row["no_show_sent_at"] is None


def slot_fields(start_ts: float, tz: tzinfo) -> tuple[str, int]:
    """(the slot's local day YYYY-MM-DD, its start in minutes after local midnight)."""
    local = datetime.fromtimestamp(start_ts, tz)
    return local.date().isoformat(), local.hour * 60 + local.minute


def send(
    conn: sqlite3.Connection, tz: tzinfo, now: float, state: str, service: str, start_ts: float, **data: Any
) -> None:
    """Write `appointment.<state>` for the hub in the caller's transaction (counted on the slot's day)."""
    day, slot_min = slot_fields(start_ts, tz)
    outbox.add(conn, now, day, f"appointment.{state}", service=service, slot_min=slot_min, **data)


def sweep_no_shows(conn: sqlite3.Connection, tz: tzinfo, now: float, checkin_after_min: int) -> int:
    """Send `appointment.no_show` for each booking whose check-in window has passed; how many."""
    rows = appointment_sms_repo.no_shows_unsent(conn, checkin_after_min * 60, now)
    for r in rows:
        appointment_sms_repo.set_no_show_sent(conn, r["appointment_id"], now)
        send(conn, tz, now, "no_show", r["service"], float(r["slot_start"]))
    if rows:
        log.info("appointment no-shows sent to the hub: %d", len(rows))
    return len(rows)
