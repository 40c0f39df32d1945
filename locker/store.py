"""The locker database: its schema on the services' one store design (`common.sqlite_store`).

One writer thread owns every write: a use case hands it a unit of work (`submit`/`write`, or a
`with store.tx()` block) and gets its answer once the unit is committed, possibly in one COMMIT
(one fsync, WAL with synchronous=FULL) with other units. A unit's after-commit step runs right
after that COMMIT on the writer thread: the locker queues a door's pulse there, so the pulse
follows its committed unlock intent by construction (see `locker.cabinet.Cabinet.pulse`). Reads
use per-thread read-only connections and never wait for the writer's fsync.

The schema is versioned (`MIGRATIONS`, see `common.migrations`): at open, a file written by an
older release is backed up beside itself and brought up to date step by step; one written by a
newer release is refused.

Schema rules that make the locker's promises hold even against bugs and crashes:
- a partial unique index allows at most one active deposit per compartment;
- deposit ids and dossier codes of active deposits are unique;
- the audit table refuses UPDATE and DELETE (triggers), and each row carries the hash of the
  previous one (see locker.audit);
- the outbox row is written in the same transaction as the state change it announces.

A deleted or replaced data directory makes every write fail with `StorageFailed` (and health
answer 503) instead of committing into a file nobody will ever read again.
"""

from __future__ import annotations

from pathlib import Path

from common import outbox as hub_outbox
from common.migrations import Schema, Step
from common.sqlite_store import SqliteStore
from common.wal_checkpoints import CHECKPOINT_EVERY_S
from locker.domain import ACTIVE
from locker.errors import StorageFailed
from locker.handover_schema import HANDOVER_SCHEMA
from locker.schema_epoch import EPOCH_SCHEMA

ACTIVE_SQL = ", ".join(f"'{s.value}'" for s in sorted(ACTIVE))

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS deposits (
    deposit_id TEXT PRIMARY KEY,
    dossier_code TEXT NOT NULL,
    phone TEXT NOT NULL,
    citizen_name TEXT NOT NULL DEFAULT '',
    id_digest TEXT,
    compartment TEXT NOT NULL,
    size TEXT NOT NULL,
    state TEXT NOT NULL,
    code_digest TEXT UNIQUE,
    expires_at TEXT,
    wrong_tries INTEGER NOT NULL DEFAULT 0,
    locked INTEGER NOT NULL DEFAULT 0,
    reminder_sent INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    collected_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS one_active_per_compartment
    ON deposits(compartment) WHERE state IN ({ACTIVE_SQL});
CREATE UNIQUE INDEX IF NOT EXISTS one_active_per_dossier
    ON deposits(dossier_code) WHERE state IN ({ACTIVE_SQL});
CREATE INDEX IF NOT EXISTS deposits_state ON deposits(state);

CREATE TABLE IF NOT EXISTS unlocks (
    unlock_id INTEGER PRIMARY KEY AUTOINCREMENT,
    compartment TEXT NOT NULL,
    deposit_id TEXT,
    pickup_id TEXT,
    purpose TEXT NOT NULL,
    state TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX IF NOT EXISTS unlocks_state ON unlocks(state);

CREATE TABLE IF NOT EXISTS pickups (
    pickup_id TEXT PRIMARY KEY,
    deposit_id TEXT NOT NULL UNIQUE,
    kiosk TEXT NOT NULL,
    retries_used INTEGER NOT NULL DEFAULT 0,
    door TEXT NOT NULL DEFAULT 'unknown',
    created_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS staff (
    staff_id TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    pin_hash TEXT NOT NULL,
    totp_secret TEXT NOT NULL,
    last_totp_step INTEGER NOT NULL DEFAULT 0,
    failed_signins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS sessions (
    token_digest TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS alarms (
    alarm_id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    compartment TEXT,
    raised_at TEXT NOT NULL,
    message TEXT NOT NULL,
    acked INTEGER NOT NULL DEFAULT 0,
    acked_by TEXT,
    acked_at TEXT
);

CREATE TABLE IF NOT EXISTS kiosk_failures (
    kiosk TEXT PRIMARY KEY,
    consecutive INTEGER NOT NULL,
    last_failure_mono REAL NOT NULL,
    last_failure_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS failures (
    at TEXT NOT NULL,
    kiosk TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS failures_at ON failures(at);

CREATE TABLE IF NOT EXISTS outbox (
    msg_id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    idem_key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(state, next_attempt_at);

CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    deposit_id TEXT,
    compartment TEXT,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_deposit ON audit(deposit_id);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""

MIGRATIONS = Schema(
    "locker",
    (
        # v1: the baseline. Written IF NOT EXISTS, so a file from before versioning (release
        # 48f1bf6, whose schema this equals) only gets its version recorded.
        Step(1, "baseline schema", SCHEMA),
        # v2: the province hub's events (`hub_events`, common/outbox.py), read by the uplink
        Step(2, "province hub events", hub_outbox.SCHEMA),
        # v3: evidence of handover, one sealed photo per pickup (locker/handover.py)
        Step(3, "handover photos", HANDOVER_SCHEMA),
        # v4: the authorised person (locker.authorised): their ID digest and phone, and who
        # collected each pickup (citizen / authorised / unverified)
        Step(
            4,
            "authorised person",
            "ALTER TABLE deposits ADD COLUMN authorised_id_digest TEXT;"
            " ALTER TABLE deposits ADD COLUMN authorised_phone TEXT;"
            " ALTER TABLE pickups ADD COLUMN collected_by TEXT;"
            " ALTER TABLE pickups ADD COLUMN collector_masked TEXT;",
        ),
        # v5: results kept at the counter when the cabinet had no fitting compartment
        # (locker.capacity); the citizen's phone is only in the outbox's SMS
        Step(
            5,
            "results kept at the counter",
            "CREATE TABLE counter_results (counter_id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " dossier_code TEXT NOT NULL, created_by TEXT NOT NULL, created_at TEXT NOT NULL);",
        ),
        # v6: every time column holds UTC epoch seconds (REAL), as in queueing (locker.schema_epoch)
        Step(6, "times as epoch seconds", EPOCH_SCHEMA),
        # SCHEMA is v1's text from here on: never edit it; a schema change is a new
        # Step(2, ...) with ALTER TABLE / CREATE TABLE (an edit would never reach existing files).
    ),
)
"""The locker database's versions (`common.migrations`): a schema change is a new step at the end."""

ACTIVE_IN = f"state IN ({ACTIVE_SQL})"
"""SQL condition: the deposit occupies its compartment (constant text, no user input)."""


class Store(SqliteStore):
    """The locker's database file with its schema (see `common.sqlite_store.SqliteStore`)."""

    def __init__(
        self, path: Path, *, max_batch: int = 64, checkpoint_every_s: float = CHECKPOINT_EVERY_S
    ) -> None:
        super().__init__(
            path,
            MIGRATIONS,
            storage_error=StorageFailed,
            max_batch=max_batch,
            checkpoint_every_s=checkpoint_every_s,
            name="locker-db",
        )
