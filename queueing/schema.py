"""The queue database's schema and its versions (`common.migrations`): tickets, numbering,
events, counters, sessions, appointments and their SMS; opened by `queueing.store.Store`.

An event is written in the same transaction as the change it reports; the partial unique index
`tickets_number` allows each day's number once (a transfer keeps its number).
"""

from __future__ import annotations

from common import outbox
from common.migrations import Schema, Step
from queueing import counter_time_repo
from queueing.appointment_sms_repo import APPOINTMENT_HUB_SCHEMA, APPOINTMENT_MOVES_SCHEMA
from queueing.ratings_schema import RATINGS_SCHEMA

SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id TEXT NOT NULL UNIQUE,
    day TEXT NOT NULL,
    service TEXT NOT NULL,
    prefix TEXT NOT NULL,
    serial INTEGER NOT NULL,
    number TEXT NOT NULL,
    priority TEXT,
    weight REAL NOT NULL DEFAULT 0,
    channel TEXT NOT NULL,
    delivery TEXT,
    id_hash TEXT,
    device TEXT,
    state TEXT NOT NULL,
    issued_at REAL NOT NULL,
    waiting_since REAL NOT NULL,
    rank_key REAL NOT NULL,
    called_at REAL,
    started_at REAL,
    finished_at REAL,
    counter INTEGER,
    staff_id TEXT,
    call_count INTEGER NOT NULL DEFAULT 0,
    est_wait_s REAL,
    transferred_from TEXT,
    transferred_to TEXT,
    rating INTEGER,
    void_reason TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS tickets_number ON tickets(day, prefix, serial)
    WHERE transferred_from IS NULL;
CREATE INDEX IF NOT EXISTS tickets_queue ON tickets(service, state, rank_key);
CREATE INDEX IF NOT EXISTS tickets_day ON tickets(day, service);
CREATE INDEX IF NOT EXISTS tickets_state ON tickets(state, issued_at);
CREATE TABLE IF NOT EXISTS numbering (
    day TEXT NOT NULL, prefix TEXT NOT NULL, last_serial INTEGER NOT NULL,
    PRIMARY KEY (day, prefix)
);
CREATE TABLE IF NOT EXISTS service_state (
    day TEXT NOT NULL, service TEXT NOT NULL, normal_streak INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, service)
);
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY, ticket_id TEXT NOT NULL, service TEXT NOT NULL, created_at REAL NOT NULL
);
-- appointments (queueing/appointments.py): phone and ID number only as keyed hashes
CREATE TABLE IF NOT EXISTS appointments (
    appointment_id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    service TEXT NOT NULL,
    day TEXT NOT NULL,
    slot_start REAL NOT NULL,
    slot_end REAL NOT NULL,
    phone_hash TEXT NOT NULL,
    phone_masked TEXT NOT NULL,
    id_hash TEXT,
    manage_hash TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    created_at REAL NOT NULL,
    cancelled_at REAL,
    checked_in_at REAL,
    checkin_attempts INTEGER NOT NULL DEFAULT 0,
    ticket_id TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS appointments_code ON appointments(code) WHERE state = 'booked';
CREATE INDEX IF NOT EXISTS appointments_slot ON appointments(service, slot_start, state);
CREATE INDEX IF NOT EXISTS appointments_phone ON appointments(phone_hash, state, slot_start);
CREATE INDEX IF NOT EXISTS appointments_id ON appointments(id_hash) WHERE id_hash IS NOT NULL;
CREATE INDEX IF NOT EXISTS appointments_ticket ON appointments(ticket_id) WHERE ticket_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, kind TEXT NOT NULL, data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
    number INTEGER PRIMARY KEY,
    status TEXT NOT NULL DEFAULT 'closed',
    staff_id TEXT,
    current_ticket TEXT,
    since REAL,
    last_recall REAL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL,
    counter INTEGER,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
"""

APPOINTMENT_SMS_SCHEMA = """
-- the phone and manage link of a booking, sealed (AES-256-GCM, key outside the database) and
-- erased when the appointment ends; when it was last moved (reminders follow the new time)
ALTER TABLE appointments ADD COLUMN contact_sealed TEXT;
ALTER TABLE appointments ADD COLUMN moved_at REAL;
-- the booking's SMS outbox: the text is rendered at send time (never stored)
CREATE TABLE appointment_sms (
    msg_id INTEGER PRIMARY KEY AUTOINCREMENT,
    appointment_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    idem_key TEXT NOT NULL UNIQUE,
    day TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    created_at REAL NOT NULL,
    sent_at REAL,
    last_error TEXT
);
CREATE INDEX appointment_sms_due ON appointment_sms(state, next_attempt_at);
CREATE INDEX appointment_sms_appt ON appointment_sms(appointment_id, state);
CREATE INDEX appointment_sms_day ON appointment_sms(day, state);
CREATE INDEX appointments_contact ON appointments(slot_start) WHERE contact_sealed IS NOT NULL;
"""

MIGRATIONS = Schema(
    "queue",
    (
        # v1: the baseline, IF NOT EXISTS throughout. On a file from before versioning (release
        # 48f1bf6) it adds what that release lacked: the appointments table and its indexes, and
        # the province outbox (`common.outbox`). The staff tables are created by
        # `queueing.staff_accounts.ensure_schema` at start.
        Step(1, "baseline schema: appointments, province outbox", SCHEMA + outbox.SCHEMA),
        # SCHEMA (and common.outbox.SCHEMA) are v1's text from here on, and each step's text is
        # that version's: never edit them; a schema change is a new step at the end with
        # ALTER TABLE / CREATE TABLE.
        # v2: the booking's SMS (queueing/appointment_sms.py)
        Step(2, "appointment SMS: sealed contact, moves, SMS outbox", APPOINTMENT_SMS_SCHEMA),
        # v3: rating tablets (queueing/tablets.py, queueing/ratings.py)
        Step(3, "rating tablets and ticket ratings", RATINGS_SCHEMA),
        # v4: a paused counter's reason, and the spans of time open, paused and idle while
        # citizens waited (queueing/counter_time.py, its SQL in queueing/counter_time_repo.py)
        Step(4, "counter pause reasons and time spans", counter_time_repo.SCHEMA),
        # v5: appointments' no-shows sent to the province hub once (queueing/appointment_hub.py,
        # its SQL in queueing/appointment_sms_repo.py)
        Step(5, "appointment no-shows sent to the hub", APPOINTMENT_HUB_SCHEMA),
        # v6: moves per booking counted; SMS to a number found by their time (queueing/appointment_move.py,
        # queueing/appointment_sms.py)
        Step(6, "appointment moves counted", APPOINTMENT_MOVES_SCHEMA),
    ),
)
"""The queue database's versions (`common.migrations`): a schema change is a new step at the end."""
