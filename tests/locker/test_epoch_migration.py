"""Locker step 6 (locker/schema_epoch.py): a database the previous schema (v5, ISO 8601 text) made
is migrated to epoch seconds exactly, answers the same bodies, and the locker works on it.

The v5 file is made from a real working day: the locker runs (loads, a pickup, a wrong code, an
alarm, sign-ins), then every row is written into a v5 schema with each time as the text the
previous code wrote (`datetime.isoformat()` of the same UTC instant, microseconds included), so
the audit chain's hashes are those the previous code computed."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from common.migrations import Schema
from common.timestamps import iso
from locker.schema_epoch import EPOCH_SCHEMA, epoch_of
from locker.staff import Role
from locker.store import MIGRATIONS
from tests.locker.conftest import Harness

V5 = Schema("locker", MIGRATIONS.steps[:5])
NOT_TIMES = {"last_failure_mono"}


def _time_columns(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """Each table's time columns (REAL in today's schema; the hub's events are not the locker's)."""
    out: dict[str, list[str]] = {}
    tables = conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
    for (table,) in tables.fetchall():
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[2] == "REAL"]
        cols = [c for c in cols if c not in NOT_TIMES]
        if cols and table != "hub_events":
            out[table] = cols
    return out


def _as_v5(db: Path) -> dict[str, list[dict[str, Any]]]:
    """Rewrite the closed v6 file `db` as the previous schema made it; every row, as written."""
    src = sqlite3.connect(db)
    src.row_factory = sqlite3.Row
    times = _time_columns(src)
    names = "SELECT name FROM sqlite_master WHERE type='table' AND name != 'sqlite_sequence'"
    tables = [r[0] for r in src.execute(names)]
    rows = {t: [dict(r) for r in src.execute(f"SELECT * FROM {t} ORDER BY rowid")] for t in tables}
    sequence = src.execute("SELECT name, seq FROM sqlite_sequence ORDER BY rowid").fetchall()
    src.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    old = sqlite3.connect(db, isolation_level=None)
    V5.apply(old, db)
    old.execute("DROP TRIGGER audit_no_update")  # none of the rows below is updated; kept apart
    old.execute("BEGIN")
    written: dict[str, list[dict[str, Any]]] = {}
    for table, table_rows in rows.items():
        written[table] = []
        for row in table_rows:
            v5 = {k: (iso(v) if k in times.get(table, ()) and v is not None else v) for k, v in row.items()}
            old.execute(
                f"INSERT INTO {table}({', '.join(v5)}) VALUES ({', '.join('?' * len(v5))})",
                tuple(v5.values()),
            )
            written[table].append(v5)
    old.execute("DELETE FROM sqlite_sequence")
    old.executemany("INSERT INTO sqlite_sequence(name, seq) VALUES (?,?)", [tuple(r) for r in sequence])
    old.execute("COMMIT")
    old.execute(
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
        " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    )
    assert old.execute("SELECT typeof(at) FROM audit LIMIT 1").fetchone()[0] == "text"
    old.close()
    return written


def _working_day(h: Harness) -> tuple[str, str]:
    """Loads, a pickup, a wrong code, an alarm; (the waiting deposit's id, its code)."""
    h.clock.advance(0.123456)  # times with microseconds, as the system clock makes them
    token = h.sign_in("loader1")
    collected, code1 = h.load(token, "HS-1")
    h.clock.advance(61.5)
    waiting, code2 = h.load(token, "HS-2", phone="0900000002")
    assert h.pickup("000000").status_code == 401  # a wrong code: failures, kiosk throttle rows
    h.clock.advance(3600.25)
    r = h.pickup(code1)
    assert r.status_code == 200 and r.json()["door"] == "opened", r.text
    h.set_item(collected["compartment"], False)
    h.set_door(collected["compartment"], False)
    alarm_id = h.svc.alarms.raise_("door_left_open", collected["compartment"], "thử / test")
    h.svc.alarms.raise_("board_unreachable", None, "an open one")
    h.clock.advance(7.000001)
    boss = h.sign_in("boss", Role.SUPERVISOR)
    assert h.req("POST", f"/api/v1/alarms/{alarm_id}/ack", boss).status_code == 200
    h.svc.worker.run_once()
    return waiting["deposit_id"], code2


def _answers(h: Harness, token: str, deposit_ids: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"deposits": h.req("GET", "/api/v1/deposits", token).json()}
    out["alarms"] = h.req("GET", "/api/v1/alarms", token).json()
    for d in deposit_ids:
        out[d] = h.req("GET", f"/api/v1/deposits/{d}", token).json()
        out[f"audit {d}"] = h.req("GET", f"/api/v1/audit?deposit_id={d}", token).json()
        out[f"audit {d}"].pop("chain_records")  # the whole chain's length: the boot adds records
    return out


def test_a_v5_database_is_migrated_exactly_and_the_locker_works_on_it(h: Harness) -> None:
    waiting_id, code = _working_day(h)
    boss = h.sign_in("boss")
    deposit_ids = [r["deposit_id"] for r in h.req("GET", "/api/v1/deposits", boss).json()]
    before = _answers(h, boss, deposit_ids)
    assert before["audit " + waiting_id]["chain_ok"] is True

    db = h.paths.db
    written: dict[str, list[dict[str, Any]]] = {}
    h.server.before_start = lambda: written.update(_as_v5(db))
    h.restart()  # the service opens the v5 file: backup, then steps 6..

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    times = _time_columns(conn)
    assert set(times) >= {"deposits", "unlocks", "pickups", "staff", "sessions", "alarms", "audit", "outbox"}
    converted = 0
    for table, cols in times.items():
        after = [dict(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]
        old = written[table]
        assert len(after) >= len(old), table  # the boot may add rows (audit, reconciliation)
        after = after[: len(old)]
        for a, o in zip(after, old, strict=True):
            for k, v in o.items():
                if k in cols and v is not None:
                    exact = datetime.fromisoformat(v).timestamp()
                    assert isinstance(a[k], float) and a[k] == exact, (table, k)
                    assert iso(a[k]) == v  # back to the very text: the wire is unchanged
                    converted += 1
                else:
                    assert a[k] == v, (table, k)
    assert converted > 50
    assert any(".123456" in str(v) for r in written["audit"] for v in r.values())
    conn.close()
    assert len(list(db.parent.glob("locker.db.pre-v5-*.bak"))) == 1

    boss = h.sign_in("boss")
    assert _answers(h, boss, deposit_ids) == before  # the same bodies, audit chain included
    h.clock.advance(10)
    r = h.pickup(code)  # the app works on the migrated file
    assert r.status_code == 200 and r.json()["door"] == "opened", r.text
    audit = h.req("GET", f"/api/v1/audit?deposit_id={waiting_id}", boss).json()
    assert audit["chain_ok"] is True and len(audit["records"]) > len(before["audit " + waiting_id]["records"])
    csv = h.req("GET", f"/api/v1/audit?deposit_id={waiting_id}&format=csv", boss)
    assert csv.status_code == 200 and audit["records"][-1]["at"] in csv.text

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    for table, cols in _time_columns(conn).items():  # no code path wrote a text time since
        for col in cols:
            kinds = {r[0] for r in conn.execute(f"SELECT DISTINCT typeof({col}) FROM {table}")}
            assert kinds <= {"real", "null"}, (table, col, kinds)
    conn.close()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-05T08:00:00+00:00", 1767600000.0),
        ("2026-01-05T08:00:00.123456+00:00", 1767600000.123456),
        ("2026-01-05T15:00:00.5+07:00", 1767600000.5),  # an offset other than UTC
        ("2026-01-05T01:00:00.25-07:00", 1767600000.25),
        ("2026-01-05T08:00:00.999999Z", 1767600000.999999),
        ("2026-01-05T08:00:00", 1767600000.0),  # no offset: UTC
        (None, None),
        ("not a time", "not a time"),  # kept as it is: nothing is lost
    ],
)
def test_each_stored_form_converts_exactly(text: str | None, expected: object) -> None:
    conn = sqlite3.connect(":memory:")
    got = conn.execute(f"SELECT {epoch_of('?1')}", (text,)).fetchone()[0]
    conn.close()
    assert got == expected and type(got) is type(expected)


def _schema_of(conn: sqlite3.Connection) -> dict[str, set[str]]:
    """Each table's column names, and the names of the indexes and triggers on it."""
    out: dict[str, set[str]] = {}
    for kind, name, table in conn.execute(
        "SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
    ).fetchall():
        if kind == "table":
            out.setdefault(table, set()).update(r[1] for r in conn.execute(f"PRAGMA table_info({name})"))
        else:
            out.setdefault(table, set()).add(f"{kind} {name}")
    return out


def test_the_rebuild_keeps_every_column_index_and_trigger_of_the_steps_before_it(tmp_path: Path) -> None:
    """Step 6 names the tables' columns; a step merged before it that adds one must add it there too."""
    at = next(i for i, s in enumerate(MIGRATIONS.steps) if s.sql == EPOCH_SCHEMA)
    db = tmp_path / "locker.db"
    conn = sqlite3.connect(db, isolation_level=None)
    Schema("locker", MIGRATIONS.steps[:at]).apply(conn, db)
    before = _schema_of(conn)
    Schema("locker", MIGRATIONS.steps[: at + 1]).apply(conn, db)
    after = _schema_of(conn)
    conn.close()
    assert set(after) == set(before)
    for table, names in before.items():
        assert names <= after[table], (table, names - after[table])
