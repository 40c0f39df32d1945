"""Archiving a month of raw events: `python -m hub archive YYYY-MM --to DIR`.

The month's partition (`events_YYYY_MM`, hub.partitions) is detached from `events`, written with
`pg_dump` (custom format) to `DIR/events_YYYY_MM.dump`, the dump is read back (`pg_restore
--list` must show the table and its data), and only then is the table dropped. If the dump fails
or cannot be read, the partition is attached again: nothing is lost. The daily rollups stay, so
every page and CSV of totals is unchanged; a center page's counter openings and hours for that
month (read from raw events) are gone. Only months that ended at least `MIN_MONTHS_AGO` months
ago are archived. An event of an archived month that still comes (a center offline for months)
is stored in `events_default` and counted as usual.

Restore: `pg_restore --dbname URL FILE`, then `ALTER TABLE events ATTACH PARTITION
events_YYYY_MM FOR VALUES FROM ('YYYY-MM-01') TO ('<next month>-01')` (docs/hub.md).
"""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

import psycopg
from psycopg import sql

from hub.cluster import ClusterError, pg_bin
from hub.partitions import add_months

#: A month is archived only when it ended at least this many months before this month began.
MIN_MONTHS_AGO = 2
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class ArchiveError(Exception):
    """The month is not archived; the message says why and what to do."""


def parse_month(text: str) -> date:
    """`YYYY-MM` as the first day of that month, or ArchiveError."""
    found = _MONTH.match(text.strip())
    if not found or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1:
        raise ArchiveError(f"{text!r} is not a month: write it as YYYY-MM, e.g. 2025-01")
    return date(int(found[1]), int(found[2]), 1)


def archive_month(database_url: str, month: date, to_dir: Path, today: date) -> str:
    """Archive `month` (its first day) to `to_dir`; returns one line saying what was done."""
    latest = add_months(today.replace(day=1), -(MIN_MONTHS_AGO + 1))
    if month > latest:
        raise ArchiveError(
            f"{month:%Y-%m} is too recent: centers may still send its events; archive months up to "
            f"{latest:%Y-%m} (at least {MIN_MONTHS_AGO} whole months ago)"
        )
    table = f"events_{month:%Y_%m}"
    target = to_dir / f"{table}.dump"
    if target.exists():
        raise ArchiveError(f"{target} exists already: move it away or archive to another directory")
    try:
        dump, restore = pg_bin("pg_dump"), pg_bin("pg_restore")
    except ClusterError as err:
        raise ArchiveError(str(err)) from err
    with psycopg.connect(database_url, autocommit=True) as conn:
        held = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid "
            "AND i.inhparent = 'events'::regclass) FROM pg_class c "
            "WHERE c.relname = %s AND c.relnamespace = 'public'::regnamespace",
            (table,),
        ).fetchone()
        if held is None:
            raise ArchiveError(_absent(conn, month, table))
        if not held[0]:
            raise ArchiveError(
                f"{table} is not attached to events (an archive stopped half-way?): dump it with pg_dump, "
                "then drop it or attach it again (docs/hub.md)"
            )
        try:  # only now: a refused month leaves no directory behind
            to_dir.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise ArchiveError(f"cannot write to {to_dir}: {err.strerror or err}") from err
        name = sql.Identifier(table)
        (rows,) = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(name)).fetchone() or (0,)
        conn.execute(sql.SQL("ALTER TABLE events DETACH PARTITION {}").format(name))
        try:
            _dump(dump, restore, database_url, table, target)
        except ArchiveError:
            target.unlink(missing_ok=True)
            attach = "ALTER TABLE events ATTACH PARTITION {} FOR VALUES FROM ({}) TO ({})"
            conn.execute(sql.SQL(attach).format(name, month.isoformat(), add_months(month, 1).isoformat()))
            raise
        with conn.transaction():  # a late event of the month now stays in events_default
            conn.execute(
                "INSERT INTO archived_months (month, file, events) VALUES (%s, %s, %s) "
                "ON CONFLICT (month) DO UPDATE SET file = excluded.file, events = excluded.events, "
                "archived_at = now()",
                (month, str(target), rows),
            )
            conn.execute(sql.SQL("DROP TABLE {}").format(name))
    return (
        f"{table}: {rows} events archived to {target} ({target.stat().st_size} bytes); the table is dropped"
    )


def _absent(conn: psycopg.Connection, month: date, table: str) -> str:
    """Why a month with no partition cannot be archived."""
    archived = conn.execute(
        "SELECT archived_at, file FROM archived_months WHERE month = %s", (month,)
    ).fetchone()
    late = conn.execute(
        "SELECT count(*) FROM events_default WHERE day >= %s AND day < %s", (month, add_months(month, 1))
    ).fetchone()
    stray = f"; {late[0]} of its events are in events_default (docs/hub.md)" if late and late[0] else ""
    if archived is not None:
        return f"{month:%Y-%m} was archived on {archived[0]:%Y-%m-%d} to {archived[1]}{stray}"
    return f"the hub holds no partition of {month:%Y-%m} ({table} does not exist){stray}"


def _dump(dump: str, restore: str, database_url: str, table: str, target: Path) -> None:
    """`pg_dump` the detached table to `target` and read the dump back, or ArchiveError."""
    made = subprocess.run(
        [dump, "--format=custom", f"--table=public.{table}", f"--file={target}", f"--dbname={database_url}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode != 0:
        raise ArchiveError(f"pg_dump failed, the month stays in the hub: {made.stderr.strip()}")
    listed = subprocess.run([restore, "--list", str(target)], capture_output=True, text=True, check=False)
    contents = listed.stdout if listed.returncode == 0 else ""
    if f"TABLE public {table}" not in contents or f"TABLE DATA public {table}" not in contents:
        raise ArchiveError(
            f"the dump of {table} cannot be read back, the month stays in the hub: {listed.stderr.strip()}"
        )
