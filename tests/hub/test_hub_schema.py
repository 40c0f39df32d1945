"""Schema migrations: applied once, in order, each step keeping the data of the one before."""

from __future__ import annotations

import psycopg

from hub import schema


def test_migrations_upgrade_a_database_in_place(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        first_two = [m for m in schema.MIGRATIONS if m[0] <= 2]
        original = schema.MIGRATIONS
        schema.MIGRATIONS = first_two
        try:
            assert schema.migrate(conn) == 2
        finally:
            schema.MIGRATIONS = original
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
