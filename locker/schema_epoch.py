"""Locker database step 6: every time column becomes UTC epoch seconds (REAL), as in queueing.

Until v5 the locker stored ISO 8601 text (`datetime.isoformat()` of its UTC clock). SQLite
keeps a column's declared affinity, and a number written into a TEXT column is stored as
text, so each table holding a time is rebuilt: create `<table>_v6` with REAL columns, copy
the rows converting every time exactly, drop the old table, rename, and create its indexes
and triggers again. `sqlite_sequence` is put back as it was (each AUTOINCREMENT counter where it
was: an id is never reused).

The conversion is exact to the microsecond: whole seconds come from SQLite's `strftime('%s')`
(which applies the stored offset, `+00:00`, `+07:00` or `Z`; none means UTC) on the text up
to the seconds, the fraction is read as microseconds, and the value is one division of the
integer microseconds, as Python's `datetime.timestamp()` computes it. NULL stays NULL; a text
that is not a time at all (none was ever written by the locker) is copied as it is: nothing is
lost, and the locker's code never writes one (tests/locker/test_epoch_migration.py checks every
time column after a working day).

This text is a released step: never edit it; a change is a new step. It names each table's
columns as of v5: a step that adds a column to one of these tables and is ordered before this
one must add it to `_TABLES` too (tests/locker/test_epoch_migration.py fails until it does).
"""

from __future__ import annotations


def epoch_of(col: str) -> str:
    """SQL: the ISO 8601 text in `col` as epoch seconds (numbers, NULL and a text that is not a
    time pass unchanged)."""
    rest = f"substr({col}, 20)"
    tz_at = f"max(instr({rest}, '+'), instr({rest}, '-'), instr({rest}, 'Z'))"
    tz = f"(CASE WHEN {tz_at} > 0 THEN substr({rest}, {tz_at}) ELSE '' END)"
    digits = (
        f"(CASE WHEN substr({rest}, 1, 1) = '.' THEN substr({rest}, 2,"
        f" CASE WHEN {tz_at} > 0 THEN {tz_at} - 2 ELSE length({rest}) END) ELSE '' END)"
    )
    micros = f"CAST(substr({digits} || '000000', 1, 6) AS INTEGER)"
    secs = f"CAST(strftime('%s', substr({col}, 1, 19) || {tz}) AS INTEGER)"
    parsed = f"(({secs}) * 1000000 + {micros}) / 1000000.0"
    return (
        f"CASE WHEN {col} IS NULL OR typeof({col}) != 'text' THEN {col}"
        f" WHEN strftime('%s', substr({col}, 1, 19) || {tz}) IS NULL THEN {col} ELSE {parsed} END"
    )


def _time(col: str, *, null: bool) -> str:
    return f"{col} REAL{'' if null else ' NOT NULL'}"


# (table, column definitions in their order on a v5 file, time columns, indexes and triggers)
_ACTIVE = "'code_sent', 'expired', 'loading', 'pickup_jammed', 'pickup_opening', 'pickup_unknown', 'reserved'"
_TABLES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "deposits",
        (
            "deposit_id TEXT PRIMARY KEY",
            "dossier_code TEXT NOT NULL",
            "phone TEXT NOT NULL",
            "citizen_name TEXT NOT NULL DEFAULT ''",
            "id_digest TEXT",
            "compartment TEXT NOT NULL",
            "size TEXT NOT NULL",
            "state TEXT NOT NULL",
            "code_digest TEXT UNIQUE",
            _time("expires_at", null=True),
            "wrong_tries INTEGER NOT NULL DEFAULT 0",
            "locked INTEGER NOT NULL DEFAULT 0",
            "reminder_sent INTEGER NOT NULL DEFAULT 0",
            "created_by TEXT NOT NULL",
            _time("created_at", null=False),
            _time("updated_at", null=False),
            _time("collected_at", null=True),
            "authorised_id_digest TEXT",
            "authorised_phone TEXT",
        ),
        (
            "CREATE UNIQUE INDEX one_active_per_compartment ON deposits(compartment)"
            f" WHERE state IN ({_ACTIVE})",
            "CREATE UNIQUE INDEX one_active_per_dossier ON deposits(dossier_code)"
            f" WHERE state IN ({_ACTIVE})",
            "CREATE INDEX deposits_state ON deposits(state)",
        ),
    ),
    (
        "unlocks",
        (
            "unlock_id INTEGER PRIMARY KEY AUTOINCREMENT",
            "compartment TEXT NOT NULL",
            "deposit_id TEXT",
            "pickup_id TEXT",
            "purpose TEXT NOT NULL",
            "state TEXT NOT NULL",
            "actor TEXT NOT NULL",
            _time("created_at", null=False),
            _time("finished_at", null=True),
        ),
        ("CREATE INDEX unlocks_state ON unlocks(state)",),
    ),
    (
        "pickups",
        (
            "pickup_id TEXT PRIMARY KEY",
            "deposit_id TEXT NOT NULL UNIQUE",
            "kiosk TEXT NOT NULL",
            "retries_used INTEGER NOT NULL DEFAULT 0",
            "door TEXT NOT NULL DEFAULT 'unknown'",
            _time("created_at", null=False),
            "collected_by TEXT",
            "collector_masked TEXT",
        ),
        (),
    ),
    (
        "staff",
        (
            "staff_id TEXT PRIMARY KEY",
            "role TEXT NOT NULL",
            "pin_hash TEXT NOT NULL",
            "totp_secret TEXT NOT NULL",
            "last_totp_step INTEGER NOT NULL DEFAULT 0",
            "failed_signins INTEGER NOT NULL DEFAULT 0",
            _time("locked_until", null=True),
            "active INTEGER NOT NULL DEFAULT 1",
            _time("created_at", null=False),
        ),
        (),
    ),
    (
        "sessions",
        (
            "token_digest TEXT PRIMARY KEY",
            "staff_id TEXT NOT NULL",
            _time("created_at", null=False),
            _time("last_seen_at", null=False),
            _time("expires_at", null=False),
        ),
        (),
    ),
    (
        "alarms",
        (
            "alarm_id INTEGER PRIMARY KEY AUTOINCREMENT",
            "kind TEXT NOT NULL",
            "compartment TEXT",
            _time("raised_at", null=False),
            "message TEXT NOT NULL",
            "acked INTEGER NOT NULL DEFAULT 0",
            "acked_by TEXT",
            _time("acked_at", null=True),
        ),
        (),
    ),
    (
        "kiosk_failures",
        (
            "kiosk TEXT PRIMARY KEY",
            "consecutive INTEGER NOT NULL",
            "last_failure_mono REAL NOT NULL",
            _time("last_failure_at", null=False),
        ),
        (),
    ),
    (
        "failures",
        (_time("at", null=False), "kiosk TEXT NOT NULL"),
        ("CREATE INDEX failures_at ON failures(at)",),
    ),
    (
        "outbox",
        (
            "msg_id INTEGER PRIMARY KEY AUTOINCREMENT",
            "kind TEXT NOT NULL",
            "idem_key TEXT NOT NULL UNIQUE",
            "payload TEXT NOT NULL",
            "state TEXT NOT NULL DEFAULT 'pending'",
            "attempts INTEGER NOT NULL DEFAULT 0",
            _time("next_attempt_at", null=False),
            "last_error TEXT",
            _time("created_at", null=False),
            _time("sent_at", null=True),
        ),
        ("CREATE INDEX outbox_pending ON outbox(state, next_attempt_at)",),
    ),
    (
        "audit",
        (
            "seq INTEGER PRIMARY KEY",
            _time("at", null=False),
            "actor TEXT NOT NULL",
            "action TEXT NOT NULL",
            "deposit_id TEXT",
            "compartment TEXT",
            "detail TEXT NOT NULL",
            "prev_hash TEXT NOT NULL",
            "hash TEXT NOT NULL",
        ),
        (
            "CREATE INDEX audit_deposit ON audit(deposit_id)",
            "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
            " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
            "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
            " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        ),
    ),
    (
        "handover_photos",
        (
            "pickup_id TEXT PRIMARY KEY",
            "deposit_id TEXT NOT NULL",
            "kiosk TEXT NOT NULL",
            _time("taken_at", null=False),
            "size_bytes INTEGER NOT NULL",
        ),
        ("CREATE INDEX handover_photos_taken ON handover_photos(taken_at)",),
    ),
    (
        "counter_results",
        (
            "counter_id INTEGER PRIMARY KEY AUTOINCREMENT",
            "dossier_code TEXT NOT NULL",
            "created_by TEXT NOT NULL",
            _time("created_at", null=False),
        ),
        (),
    ),
)


_NOT_TIMES = {"last_failure_mono"}  # a REAL already (monotonic seconds), copied as it is


def _rebuild(table: str, columns: tuple[str, ...], after: tuple[str, ...]) -> str:
    names = [c.split()[0] for c in columns]
    copied = [
        epoch_of(n) if " REAL" in c and n not in _NOT_TIMES else n
        for n, c in zip(names, columns, strict=True)
    ]
    new = f"{table}_v6"
    return ";\n".join(
        (
            f"CREATE TABLE {new} (\n    " + ",\n    ".join(columns) + "\n)",
            f"INSERT INTO {new}({', '.join(names)}) SELECT {', '.join(copied)} FROM {table}",  # noqa: S608 - constant
            f"DROP TABLE {table}",
            f"ALTER TABLE {new} RENAME TO {table}",
            *after,
        )
    )


EPOCH_SCHEMA = ";\n".join(
    (
        "CREATE TEMP TABLE v6_sequence AS SELECT rowid AS r, name, seq FROM sqlite_sequence",
        *(_rebuild(t, cols, after) for t, cols, after in _TABLES),
        "DELETE FROM sqlite_sequence",
        "INSERT INTO sqlite_sequence(rowid, name, seq) SELECT r, name, seq FROM v6_sequence ORDER BY r",
        "DROP TABLE v6_sequence",
    )
)
"""The SQL of locker step 6 (run by `common.migrations` in one transaction)."""
