"""Counter-hours on a center page, computed at query time from raw events (issue 15).

A private PostgreSQL 15 cluster in a temp dir, the hub's schema, 300 centers x 30 days of raw
events (BENCH_COUNTERS_CENTERS, _DAYS, _EVENTS per center and day; 32 of each day's events are
counter events: 8 counters opened, paused, resumed and closed, the rest tickets) and one rollup
row per center and day. Timed in process (the query, not HTTP): `hub.trends.trends` by day (31
days) and by month (12 months) for random centers, with the counters' columns and without them
(the rollups only), p50/p95. Goal: the center page's p95 under 100 ms.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg

from bench.common import percentile, print_table, write_results
from hub import schema
from hub.cluster import PrivateCluster
from hub.trends import span, trends

LAST = date(2026, 1, 31)


def fill_events(conn: psycopg.Connection, centers: int, days: int, per_day: int, last: date) -> None:
    """Raw events of centers D0001.. for the `days` days up to `last`, `per_day` a center and day:
    32 counter events (8 counters opened, paused, resumed and closed), the rest tickets."""
    conn.execute(  # the months' partitions first, as the hub makes them with their first event
        "SELECT hub_event_month(d::date) FROM generate_series("
        "  date_trunc('month', %(last)s::date - %(days)s + 1), %(last)s::date, interval '1 month') d",
        {"last": last, "days": days},
    )
    conn.execute(
        "INSERT INTO events(center_id, stream, seq, at, day, kind, service, data) "
        "SELECT 'D' || lpad(i::text, 4, '0'), 'queueing', d * %(n)s + k + 1, "
        "  (%(last)s::date - d)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh' + interval '7 hours 30 minutes' "
        "    + CASE WHEN k < 32 THEN (k %% 4) * interval '2 hours' + (k / 4) * interval '1 minute' "
        "      ELSE k * interval '1 second' * 30 END, "
        "  %(last)s::date - d, "
        "  CASE WHEN k >= 32 THEN 'ticket.issued' ELSE (ARRAY['counter.opened', 'counter.paused', "
        "    'counter.resumed', 'counter.closed'])[k %% 4 + 1] END, "
        "  CASE WHEN k >= 32 THEN 'S1' ELSE '' END, "
        '  CASE WHEN k >= 32 THEN \'{"service": "S1"}\'::jsonb '
        "    ELSE jsonb_build_object('counter', k / 4 + 1) END "
        "FROM generate_series(1, %(c)s) i, generate_series(0, %(days)s - 1) d, "
        "  generate_series(0, %(n)s - 1) k",
        {"n": per_day, "last": last, "c": centers, "days": days},
    )


def _fill(conn: psycopg.Connection, centers: int, days: int, per_day: int) -> float:
    t0 = time.perf_counter()
    conn.execute(
        "INSERT INTO centers(center_id, name) SELECT 'D' || lpad(i::text, 4, '0'), 'Trung tâm ' || i "
        "FROM generate_series(1, %s) i",
        (centers,),
    )
    fill_events(conn, centers, days, per_day, LAST)
    conn.execute(
        "INSERT INTO daily(center_id, day, service, tickets_issued, tickets_served, wait_s_sum, wait_n) "
        "SELECT 'D' || lpad(i::text, 4, '0'), %s::date - d, 'S1', 200, 180, 190 * 600.0, 190 "
        "FROM generate_series(1, %s) i, generate_series(0, 364) d",
        (LAST, centers),
    )
    conn.execute("ANALYZE")
    return time.perf_counter() - t0


def main() -> None:
    centers = int(os.environ.get("BENCH_COUNTERS_CENTERS", "300"))
    days = int(os.environ.get("BENCH_COUNTERS_DAYS", "30"))
    per_day = int(os.environ.get("BENCH_COUNTERS_EVENTS", "400"))
    tmp = Path(tempfile.mkdtemp(prefix="bench-hub-counters-"))
    cluster = PrivateCluster(tmp / "pg")
    cluster.start()
    try:
        with psycopg.connect(cluster.url, autocommit=True) as conn:
            schema.migrate(conn)
            fill_s = _fill(conn, centers, days, per_day)
            rows = conn.execute("SELECT count(*) FROM events").fetchone()
            now = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)
            rng = random.Random(7)
            figures: dict[str, float] = {}
            for by in ("day", "month"):
                first, last = span(by, None, LAST)  # type: ignore[arg-type]
                for label, when in (("rollups_only", None), ("with_counters", now)):
                    ms = []
                    for _ in range(200):
                        center = f"D{rng.randint(1, centers):04d}"
                        t = time.perf_counter()
                        found = trends(conn, center, by, first, last, 30.0, when, "Asia/Ho_Chi_Minh")  # type: ignore[arg-type]
                        ms.append((time.perf_counter() - t) * 1000)
                        assert found is not None
                    figures[f"trends_{by}_{label}_p50_ms"] = round(percentile(ms, 50), 2)
                    figures[f"trends_{by}_{label}_p95_ms"] = round(percentile(ms, 95), 2)
            check = trends(conn, "D0001", "day", LAST, LAST, 30.0, now, "Asia/Ho_Chi_Minh")
            assert check is not None and check.rows[0].counter_openings == 8, check
            load = os.getloadavg()[0]
    finally:
        cluster.stop("immediate")
        shutil.rmtree(tmp, ignore_errors=True)
    result = {
        "centers": centers,
        "days_of_events": days,
        "events_per_center_day": per_day,
        "event_rows": int(rows[0]) if rows else 0,
        "fill_s": round(fill_s, 1),
        "load_average_1min": round(load, 1),
        "goal_p95_ms": 100,
        **figures,
    }
    print_table("center page trends (query only)", ["figure", "value"], sorted(result.items()))
    write_results("hub_counters", result)


if __name__ == "__main__":
    main()
