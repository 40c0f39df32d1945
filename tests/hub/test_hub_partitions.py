"""`events` by month (migration 12): a month's partition is made with its first event, a day far
from the hub's today goes to `events_default` and moves into its month's partition once that month
gets one; an existing table is carried over whole; a batch sent again still counts once."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any

import psycopg

from hub import partitions, schema
from hub.ingest import parse_batch, store_batch
from hub.tokens import add_center
from tests.hub.test_hub_schema import migrate_to

NOW = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


def _batch(*events: tuple[int, str], stream: str = "queueing") -> Any:
    body = {
        "stream": stream,
        "events": [
            {
                "seq": seq,
                "at": f"{day}T08:00:00+07:00",
                "day": day,
                "kind": "ticket.issued",
                "data": {"service": "HT"},
            }
            for seq, day in events
        ],
    }
    return parse_batch(json.dumps(body).encode())


def _where(conn: psycopg.Connection) -> dict[str, int]:
    """How many events each partition holds."""
    rows = conn.execute("SELECT tableoid::regclass::text, count(*) FROM events GROUP BY 1").fetchall()
    return {name: int(n) for name, n in rows}


def test_months_get_partitions_and_a_far_day_waits_in_the_default_one(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        schema.migrate(conn)
        add_center(conn, "C1", "Một")
        ack = store_batch(conn, "C1", _batch((1, "2025-12-31"), (2, "2026-01-05"), (3, "2031-03-01")), NOW)
        assert (ack.acked_seq, ack.stored) == (3, 3)
        assert _where(conn) == {"events_2025_12": 1, "events_2026_01": 1, "events_default": 1}
        # the same batch again: nothing stored twice (the ack skips it; a gap filler goes through
        # ON CONFLICT on the key that carries the day)
        assert store_batch(conn, "C1", _batch((1, "2025-12-31"), (2, "2026-01-05")), NOW).stored == 0
        assert store_batch(conn, "C1", _batch((5, "2026-01-05")), NOW).acked_seq == 3  # 4 missing
        again = store_batch(conn, "C1", _batch((4, "2026-01-05"), (5, "2026-01-05")), NOW)
        assert (again.acked_seq, again.stored, again.duplicates) == (5, 1, 1)
        # years later the far month comes into the window: its row moves into its partition
        later = datetime(2031, 2, 20, tzinfo=UTC)
        store_batch(conn, "C1", _batch((6, "2031-03-02")), later)
        assert _where(conn) == {"events_2025_12": 1, "events_2026_01": 3, "events_2031_03": 2}
        assert conn.execute("SELECT count(DISTINCT seq), count(*) FROM events").fetchone() == (6, 6)
        issued = conn.execute("SELECT sum(tickets_issued) FROM daily WHERE center_id = 'C1'").fetchone()
        assert issued == (6,)
        # a month makes one partition, however many batches of it come
        months = conn.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass")
        assert months.fetchone() == (4,)  # three months and the default


def test_the_window_is_two_years_back_and_a_month_ahead() -> None:
    assert partitions.window(date(2026, 1, 5)) == (date(2024, 1, 1), date(2026, 2, 1))
    assert partitions.window(date(2026, 12, 31)) == (date(2024, 12, 1), date(2027, 1, 1))


def test_an_unpartitioned_table_is_carried_over_whole(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        migrate_to(conn, 11)
        this_month = date.today().replace(day=1)
        conn.execute("INSERT INTO centers(center_id, name) VALUES ('C1', 'Một')")
        conn.execute(
            "INSERT INTO events(center_id, stream, seq, at, day, kind, data) "
            "SELECT 'C1', 'queueing', i, now(), %s::date - i, "
            "  CASE WHEN i %% 2 = 0 THEN 'counter.opened' ELSE 'ticket.issued' END, '{}' "
            "FROM generate_series(1, 40) i",
            (this_month,),
        )
        conn.execute(
            "INSERT INTO events(center_id, stream, seq, at, day, kind) VALUES "
            "('C1', 'locker', 1, now(), '1990-05-01', 'deposit.loaded')"
        )
        before = conn.execute("SELECT center_id, stream, seq, day, kind FROM events ORDER BY 2, 3").fetchall()
        assert schema.migrate(conn) == len(schema.MIGRATIONS)
        after = conn.execute("SELECT center_id, stream, seq, day, kind FROM events ORDER BY 2, 3").fetchall()
        assert after == before
        where = _where(conn)
        assert where.pop("events_default") == 1  # 1990: far outside the window
        assert sum(where.values()) == 40 and len(where) == 2  # the month before this one, and the one before
        indexes = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'events'")}
        assert indexes == {"events_pkey", "events_day", "events_counters"}
        assert conn.execute("SELECT to_regclass('events_unpartitioned')").fetchone() == (None,)


def test_centers_starting_a_month_at_once_make_its_partition_once(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        schema.migrate(conn)
        for i in range(8):
            add_center(conn, f"C{i}", f"Trung tâm {i}")

    def one(i: int) -> int:
        with psycopg.connect(database_url, autocommit=True) as conn:
            return store_batch(conn, f"C{i}", _batch((1, "2026-02-01"), (2, "2026-02-02")), NOW).acked_seq

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(one, range(8))) == [2] * 8
    with psycopg.connect(database_url) as conn:
        assert _where(conn) == {"events_2026_02": 16}
