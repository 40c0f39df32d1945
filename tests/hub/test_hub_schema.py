"""Schema migrations: applied once, in order, each step keeping the data of the one before."""

from __future__ import annotations

import psycopg

from hub import schema


def migrate_to(conn: psycopg.Connection, version: int) -> None:
    """The database as the release whose last migration was `version` left it."""
    original = schema.MIGRATIONS
    schema.MIGRATIONS = [m for m in original if m[0] <= version]
    try:
        assert schema.migrate(conn) == version
    finally:
        schema.MIGRATIONS = original


def test_migrations_upgrade_a_database_in_place(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        migrate_to(conn, 2)
        conn.execute("INSERT INTO centers(center_id, name) VALUES ('C1', 'Một')")
        conn.execute(
            "INSERT INTO daily(center_id, day, alarms_raised, alarms_cleared) VALUES "
            "('C1', '2026-01-04', 3, 1), ('C1', '2026-01-05', 1, 0)"
        )
        assert schema.migrate(conn) == len(schema.MIGRATIONS)
        assert conn.execute("SELECT alarms_open FROM centers").fetchone() == (3,)
        assert schema.migrate(conn) == len(schema.MIGRATIONS)  # nothing left to do
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY version")]
        assert versions == [m[0] for m in schema.MIGRATIONS]


def test_months_archived_before_migration_13_are_recorded(database_url: str) -> None:
    """`archive` came one release before `archived_months`: a month it took away (in the rollups,
    old enough, no partition, nothing in events_default) is recorded by the migration, so a late
    event no longer makes its partition again."""
    from datetime import date

    from hub.partitions import add_months

    first = date.today().replace(day=1)
    gone, kept, recent = add_months(first, -5), add_months(first, -4), first
    with psycopg.connect(database_url, autocommit=True) as conn:
        migrate_to(conn, 12)
        conn.execute("INSERT INTO centers(center_id, name) VALUES ('C1', 'Một')")
        for month in (gone, kept, recent):
            conn.execute("INSERT INTO daily(center_id, day, tickets_issued) VALUES ('C1', %s, 1)", (month,))
        conn.execute("SELECT hub_event_month(%s)", (kept,))
        conn.execute("SELECT hub_event_month(%s)", (recent,))
        schema.migrate(conn)
        rows = conn.execute("SELECT month, file FROM archived_months").fetchall()
        assert rows == [(gone, "(archived before migration 13)")]
        conn.execute("SELECT hub_event_month(%s)", (gone,))  # a late event of it
        assert conn.execute("SELECT to_regclass(%s)", (f"events_{gone:%Y_%m}",)).fetchone() == (None,)
