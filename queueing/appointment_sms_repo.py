"""Appointments in SQL, as the SMS, the hub's no-show sweep and the day report read and write
them (booking, moves, check-in and the calling order: `queueing.appointments_repo`): the
`appointments` table's contact and no-show columns, and the `appointment_sms` outbox
(`queueing.schema` steps 2 and 5). Each function runs in the caller's open connection; when a message
is due, sent or dropped is `queueing.appointment_sms`' rule, the no-show rule
`queueing.appointment_hub`'s.
"""

from __future__ import annotations

import sqlite3
from typing import Any

Row = Any  # a sqlite3.Row

#: Queue database step 5 (`queueing.schema.MIGRATIONS`): when a booking's no-show was sent to the
#: hub. Bookings made before this step are stamped 0: the hub never hears of them (`known`).
APPOINTMENT_HUB_SCHEMA = """
ALTER TABLE appointments ADD COLUMN no_show_sent_at REAL;
UPDATE appointments SET no_show_sent_at = 0;
CREATE INDEX appointments_no_show_due ON appointments(slot_start)
    WHERE no_show_sent_at IS NULL AND state = 'booked';
"""

# ---------------------------------------------------------------------- appointments


def erase_contact(conn: sqlite3.Connection, appointment_id: str) -> None:
    """The appointment's sealed phone and link are erased."""
    conn.execute("UPDATE appointments SET contact_sealed = NULL WHERE appointment_id = ?", (appointment_id,))


def ended_with_contact(conn: sqlite3.Connection, checkin_after_s: float, now: float) -> list[str]:
    """The appointments that still hold a contact but ended (not booked, or their check-in
    window `checkin_after_s` after the slot start passed by `now`)."""
    return [
        r["appointment_id"]
        for r in conn.execute(
            "SELECT appointment_id FROM appointments WHERE contact_sealed IS NOT NULL "
            "AND (state != 'booked' OR slot_start + ? < ?)",
            (checkin_after_s, now),
        ).fetchall()
    ]


# booked, contact kept, and this reminder (the `?` is "-<kind>-") not enqueued yet
_LIVE_NOT_SENT = (
    "SELECT a.appointment_id, a.day, a.slot_start FROM appointments a "
    "WHERE a.contact_sealed IS NOT NULL AND a.state = 'booked' AND NOT EXISTS (SELECT 1 "
    "FROM appointment_sms m WHERE m.idem_key = "
    "'appt-' || a.appointment_id || ? || CAST(a.slot_start AS INTEGER))"
)


def due_soon(conn: sqlite3.Connection, kind: str, now: float, before_s: float) -> list[Row]:
    """Booked appointments with a contact and no `kind` reminder yet whose slot starts within
    `before_s` of `now`, booked (or moved) before that: appointment_id, day, slot_start."""
    return conn.execute(
        _LIVE_NOT_SENT + " AND a.slot_start > ? AND a.slot_start <= ? "
        "AND COALESCE(a.moved_at, a.created_at) < a.slot_start - ?",
        (f"-{kind}-", now, now + before_s, before_s),
    ).fetchall()


def due_tomorrow(
    conn: sqlite3.Connection, kind: str, day_from: float, day_until: float, after: float, booked_before: float
) -> list[Row]:
    """Booked appointments with a contact and no `kind` reminder yet whose slot is in
    [day_from, day_until) and after `after`, booked (or moved) before `booked_before`:
    appointment_id, day, slot_start."""
    return conn.execute(
        _LIVE_NOT_SENT + " AND a.slot_start >= ? AND a.slot_start < ? "
        "AND a.slot_start > ? AND COALESCE(a.moved_at, a.created_at) < ?",
        (f"-{kind}-", day_from, day_until, after, booked_before),
    ).fetchall()


def no_shows_unsent(conn: sqlite3.Connection, checkin_after_s: float, now: float) -> list[Row]:
    """Booked appointments whose check-in window passed and whose no-show the hub has not had:
    appointment_id, service, slot_start."""
    return conn.execute(
        "SELECT appointment_id, service, slot_start FROM appointments "
        "WHERE no_show_sent_at IS NULL AND state = 'booked' AND slot_start + ? < ?",
        (checkin_after_s, now),
    ).fetchall()


def set_no_show_sent(conn: sqlite3.Connection, appointment_id: str, at: float) -> None:
    """The hub was sent the appointment's no-show at `at`."""
    conn.execute("UPDATE appointments SET no_show_sent_at = ? WHERE appointment_id = ?", (at, appointment_id))


def of_day_with_call(conn: sqlite3.Connection, day: str) -> list[Row]:
    """The day's appointments (service, state, slot_start) with their ticket's called_at."""
    return conn.execute(
        "SELECT a.service, a.state, a.slot_start, t.called_at FROM appointments a "
        "LEFT JOIN tickets t ON t.ticket_id = a.ticket_id WHERE a.day = ?",
        (day,),
    ).fetchall()


# ---------------------------------------------------------------------- appointment_sms


def add_sms(
    conn: sqlite3.Connection, appointment_id: str, kind: str, idem_key: str, day: str, now: float
) -> int:
    """Add a message due `now` unless its idempotency key is there; 1 when added, else 0."""
    return conn.execute(
        "INSERT OR IGNORE INTO appointment_sms(appointment_id, kind, idem_key, day, next_attempt_at, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (appointment_id, kind, idem_key, day, now, now),
    ).rowcount


#: v6: how often a booking was moved (each move sends an SMS: `moves_per_booking` caps them).
APPOINTMENT_MOVES_SCHEMA = """
ALTER TABLE appointments ADD COLUMN moves INTEGER NOT NULL DEFAULT 0;
CREATE INDEX appointment_sms_created ON appointment_sms(created_at);
"""


def confirmations_to_phone(conn: sqlite3.Connection, appointment_id: str, since: float) -> int:
    """Booking and move messages queued since `since` for the phone number of `appointment_id`
    (every booking made with that number)."""
    row = conn.execute(
        "SELECT COUNT(*) FROM appointment_sms m JOIN appointments a USING (appointment_id) "
        "WHERE a.phone_hash = (SELECT phone_hash FROM appointments WHERE appointment_id = ?) "
        "AND m.kind IN ('confirm', 'moved') AND m.created_at >= ?",
        (appointment_id, since),
    ).fetchone()
    return int(row[0])


def drop_pending_sms(conn: sqlite3.Connection, appointment_id: str) -> None:
    """The appointment's messages not yet sent will not be."""
    conn.execute(
        "UPDATE appointment_sms SET state = 'dropped' WHERE appointment_id = ? AND state = 'pending'",
        (appointment_id,),
    )


def sms_due(conn: sqlite3.Connection, now: float, limit: int) -> list[Row]:
    """Up to `limit` pending messages due by `now`, oldest first, with their appointment (msg_id,
    kind, idem_key, attempts, appointment_id, appt_state, contact_sealed, service, slot_start, code)."""
    return conn.execute(
        "SELECT m.msg_id, m.kind, m.idem_key, m.attempts, a.appointment_id, a.state AS appt_state, "
        "a.contact_sealed, a.service, a.slot_start, a.code FROM appointment_sms m "
        "JOIN appointments a ON a.appointment_id = m.appointment_id "
        "WHERE m.state = 'pending' AND m.next_attempt_at <= ? ORDER BY m.msg_id LIMIT ?",
        (now, limit),
    ).fetchall()


def sms_dropped(conn: sqlite3.Connection, msg_id: int) -> None:
    """The message will not be sent."""
    conn.execute("UPDATE appointment_sms SET state = 'dropped' WHERE msg_id = ?", (msg_id,))


def sms_sent(conn: sqlite3.Connection, msg_id: int, attempts: int, at: float) -> None:
    """The message was sent at `at`, on attempt `attempts`."""
    conn.execute(
        "UPDATE appointment_sms SET state = 'sent', attempts = ?, sent_at = ?, last_error = NULL "
        "WHERE msg_id = ?",
        (attempts, at, msg_id),
    )


def sms_failed(
    conn: sqlite3.Connection, msg_id: int, attempts: int, give_up: bool, next_at: float, error: str
) -> None:
    """Attempt `attempts` failed with `error`: retried at `next_at`, or given up."""
    conn.execute(
        "UPDATE appointment_sms SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ? "
        "WHERE msg_id = ?",
        ("failed" if give_up else "pending", attempts, next_at, error, msg_id),
    )


def sms_counts(conn: sqlite3.Connection, day: str) -> list[Row]:
    """The day's sent and failed messages counted per service and state (service, state, n)."""
    return conn.execute(
        "SELECT a.service, m.state, COUNT(*) AS n FROM appointment_sms m "
        "JOIN appointments a ON a.appointment_id = m.appointment_id "
        "WHERE m.day = ? AND m.state IN ('sent', 'failed') GROUP BY a.service, m.state",
        (day,),
    ).fetchall()
