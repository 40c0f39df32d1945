"""Province hub benchmark: ingest over the HTTP API next to a plain COPY of the same rows.

200 simulated centers post a day's events each (2,000) concurrently, in batches of the uplink's
`batch_max_events` as shipped (one kept-alive connection each, their batches JSON-encoded before
the clock starts, as a real center encodes its outbox on its own machine) to
`python -m hub` in its own process, on a private PostgreSQL 15 cluster started here in a temp
dir (loopback, `synchronous_commit` as shipped). Then the same rows go with `COPY` into an empty
`events` table of a second database on the same cluster: the ceiling for storing those rows at
all. Goal: the API stores at least half the COPY rate. Both figures come from the same run on
the same machine (shared: the clients, the hub and PostgreSQL share its cores). Two references
follow, not goals: the same bodies stored with the plainest SQL in one transaction, and the same
again with a commit per batch from as many connections as the hub's pool (the shape any API whose
answer means "stored" has), to show what PostgreSQL costs apart from the hub.

`python -m bench hub` (env BENCH_HUB_CENTERS=N, BENCH_HUB_EVENTS=N per center, BENCH_HUB_BATCH=N).
Then the catch-up storm: 1,000 centers, each holding a day offline (~2,000 events), reconnect at
once and send their backlog batch after batch; the figure is the time until every center is
acknowledged (goal: under 2 minutes). Env BENCH_HUB_STORM_CENTERS / BENCH_HUB_STORM_EVENTS
scale it (0 centers: skipped). Last, the dashboards: the overview, a center's summary and its trends by
day and by month (the center page), and the fleet alarms, over
3,300 centers x 365 days of rollups (one service row per center and day), p50/p95 over HTTP
(BENCH_HUB_DASH_CENTERS / BENCH_HUB_DASH_DAYS; 0 centers: skipped), with 30 days of raw events
for the first 300 centers, 1,000 a center and day (BENCH_HUB_DASH_EVENT_CENTERS / _EVENT_DAYS /
_EVENTS_PER_DAY): a center page's counter openings and hours are read from them, so its trends
are timed for centers that have them. The pages' HTML (overview, a center) is timed too.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.common import print_table, write_results
from hub import schema
from hub.cluster import PrivateCluster
from hub.config import HubConfig
from hub.tokens import add_center
from uplink.config import UplinkConfig

REPO = Path(__file__).resolve().parent.parent
KINDS = ("ticket.issued", "ticket.called", "ticket.served")
BENCH_DAY = date(2026, 1, 5)  # the simulated centers' day
HUB_POOL_SIZE = HubConfig().pool_max_connections  # the hub's connections to PostgreSQL, as shipped


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _events(center: int, n: int, first: int = 0) -> list[dict[str, Any]]:
    """Events `first+1` .. `first+n` of a simulated center's day."""
    base = datetime(BENCH_DAY.year, BENCH_DAY.month, BENCH_DAY.day, 1, 0, tzinfo=UTC).timestamp()
    out = []
    for i in range(first, first + n):
        kind = KINDS[i % 3]
        data: dict[str, Any] = {"service": f"S{(center + i) % 5}", "channel": "kiosk"}
        if kind == "ticket.called":
            data["wait_s"] = 60.0 + i % 600
        out.append(
            {"seq": i + 1, "at": base + i * 20, "day": BENCH_DAY.isoformat(), "kind": kind, "data": data}
        )
    return out


def _bodies(idx: int, per_center: int, batch: int) -> dict[int, bytes]:
    """A center's batches as the JSON bytes it posts, keyed by the seq each one starts after.

    Encoded before the clock starts: a real center encodes its outbox on its own machine, so the
    timed phase spends the shared cores only on sending bytes, the hub and PostgreSQL."""
    events = _events(idx, per_center)
    return {
        start: json.dumps({"stream": "queueing", "events": events[start : start + batch]}).encode()
        for start in range(0, per_center, batch)
    }


class _Center:
    """One simulated center's keep-alive HTTP/1.1 connection to the hub: it writes a request's bytes
    and reads the answer, nothing more (an HTTP client library's own work per request would be
    the bench's CPU taken from the hub on this shared machine)."""

    def __init__(self, url: str, token: str) -> None:
        parts = httpx.URL(url)
        self.host, self.port = parts.host, parts.port or 80
        self.head = (
            f"POST /api/v1/events HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        ).encode()
        self.stream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, body: bytes) -> dict[str, Any]:
        """The answer to one batch (sent again on a fresh connection if the kept one was closed)."""
        for attempt in range(5):  # as the uplink does: a batch is safe to send again
            try:
                if self.stream is None:
                    self.stream = await asyncio.open_connection(self.host, self.port)
                reader, writer = self.stream
                writer.writelines([self.head, b"Content-Length: %d\r\n\r\n" % len(body), body])
                await writer.drain()
                status = int((await reader.readline()).split()[1])
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                answer = await reader.readexactly(length)
                break
            except (OSError, IndexError, asyncio.IncompleteReadError):
                await self.close()
                if attempt == 4:
                    raise
        if status != 200:
            raise RuntimeError(f"hub answered {status}: {answer[:300]!r}")
        return dict(json.loads(answer))

    async def close(self) -> None:
        if self.stream is not None:
            self.stream[1].close()
            self.stream = None


async def _post_all(
    url: str, tokens: list[str], bodies: list[dict[int, bytes]], per_center: int, batch: int
) -> float:
    async def one_center(idx: int, token: str) -> None:
        center = _Center(url, token)
        for start, body in bodies[idx].items():
            assert (await center.post(body))["acked_seq"] == min(start + batch, per_center)
        await center.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(one_center(i, t) for i, t in enumerate(tokens)))
    return time.perf_counter() - t0


async def _storm(
    url: str, tokens: list[str], bodies: list[dict[int, bytes]], per_center: int, batch: int
) -> tuple[float, list[float]]:
    """Every center sends its whole backlog at once, batch after batch as the uplink does; returns
    the time until the last one is acknowledged, and each center's own time. A center resends
    from the seq the hub answers (a batch not pre-encoded for that seq is encoded then)."""
    done: list[float] = []

    async def one_center(idx: int, token: str, t0: float) -> None:
        center = _Center(url, token)
        acked = 0
        while acked < per_center:
            body = bodies[idx].get(acked)
            if body is None:
                events = _events(idx, min(batch, per_center - acked), acked)
                body = json.dumps({"stream": "queueing", "events": events}).encode()
            acked = (await center.post(body))["acked_seq"]
        done.append(time.perf_counter() - t0)
        await center.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(one_center(i, t, t0) for i, t in enumerate(tokens)))
    return time.perf_counter() - t0, done


def _dashboards(
    base: str, cluster_url: str, port: int, centers: int, days: int, raw: tuple[int, int, int]
) -> dict[str, Any]:
    """The pages' API calls over `centers` x `days` of rollups and, for the first `raw[0]`
    centers, `raw[1]` days of raw events, `raw[2]` a center and day: p50/p95 over HTTP."""
    import random
    import statistics

    from bench.bench_hub_counters import fill_events
    from hub.tokens import add_reader

    raw_centers, raw_days, raw_per_day = raw

    with psycopg.connect(cluster_url, autocommit=True) as conn:
        conn.execute("CREATE DATABASE bench_dash")
    url_db = f"{base}/bench_dash"
    with psycopg.connect(url_db, autocommit=True) as conn:
        schema.migrate(conn)
        reader = add_reader(conn, "bench")
        conn.execute(
            "INSERT INTO centers(center_id, name, last_event_at, alarms_open) "
            "SELECT 'D' || lpad(i::text, 4, '0'), 'Trung tâm ' || i, now(), i %% 3 "
            "FROM generate_series(1, %s) i",
            (centers,),
        )
        t0 = time.perf_counter()
        conn.execute(
            "INSERT INTO daily(center_id, day, service, tickets_issued, tickets_called, tickets_served, "
            "wait_s_sum, wait_n, ratings_n, ratings_sum) "
            "SELECT 'D' || lpad(i::text, 4, '0'), DATE '2026-01-05' - d, 'S' || (i %% 6), "
            "200 + (i + d) %% 90, 190, 180, 190 * 600.0, 190, 40, 170 "
            "FROM generate_series(1, %s) i, generate_series(0, %s - 1) d",
            (centers, days),
        )
        # the raw events a center page reads (its counter openings and hours come from them)
        fill_events(conn, min(raw_centers, centers), raw_days, raw_per_day, BENCH_DAY)
        conn.execute("ANALYZE")
        fill_s = time.perf_counter() - t0
        raw_rows = conn.execute("SELECT count(*) FROM events").fetchone()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub", "--database", url_db, "--port", str(port), "--log-level", "WARNING"],
        cwd=REPO,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_up(url)
        headers = {"Authorization": f"Bearer {reader}"}
        rng = random.Random(7)
        with httpx.Client(headers=headers, timeout=60) as client:

            def timed(path: Any, n: int) -> list[float]:
                out = []
                for _ in range(n):
                    t = time.perf_counter()
                    r = client.get(url + path() if callable(path) else url + path)
                    r.raise_for_status()
                    out.append((time.perf_counter() - t) * 1000)
                return out

            timed("/api/v1/overview?day=2026-01-05", 3)  # warm
            overview_ms = timed("/api/v1/overview?day=2026-01-05", 40)
            page_ms = timed("/", 20) + timed(lambda: f"/centers/D{rng.randint(1, centers):04d}", 20)
            summary_ms = timed(
                lambda: (
                    f"/api/v1/centers/D{rng.randint(1, centers):04d}/summary?day=2026-01-0{rng.randint(1, 5)}"
                ),
                200,
            )
            # the center page: its trend by day (31 rows), week and month (12 months: 365 days read),
            # for centers with raw events (their counter openings and hours read those)
            with_raw = max(1, min(raw_centers, centers))
            trend_ms = {
                by: timed(
                    lambda by=by: (
                        f"/api/v1/centers/D{rng.randint(1, with_raw):04d}/trends?by={by}&to=2026-01-05"
                    ),
                    100,
                )
                for by in ("day", "week", "month")
            }
            alarms_ms = timed("/api/v1/alarms", 20)
    finally:
        proc.terminate()
        proc.wait(timeout=15)

    def p(values: list[float], q: int) -> float:
        return round(statistics.quantiles(values, n=100)[q - 1], 1)

    return {
        "dash_centers": centers,
        "dash_days": days,
        "dash_rollup_rows": centers * days,
        "dash_raw_event_centers": min(raw_centers, centers),
        "dash_raw_event_days": raw_days,
        "dash_raw_event_rows": int(raw_rows[0]) if raw_rows else 0,
        "dash_fill_s": round(fill_s, 1),
        "pages_html_p95_ms": p(page_ms, 95),
        "overview_p50_ms": p(overview_ms, 50),
        "overview_p95_ms": p(overview_ms, 95),
        "summary_p50_ms": p(summary_ms, 50),
        "summary_p95_ms": p(summary_ms, 95),
        **{f"trends_by_{by}_p{q}_ms": p(ms, q) for by, ms in trend_ms.items() for q in (50, 95)},
        "fleet_alarms_p95_ms": p(alarms_ms, 95),
        "dash_goal_p95_ms": 100,
    }


def _copy(url: str, centers: int, per_center: int) -> tuple[float, float]:
    """The same rows with one COPY; its text is formatted before the clock starts (as the API's
    bodies are encoded before it), so the time is PostgreSQL's taking the rows, nothing else.
    Returns the seconds and the CPU seconds of the PostgreSQL backend that took them."""
    lines = []
    for c in range(centers):
        for e in _events(c, per_center):
            at = datetime.fromtimestamp(e["at"], UTC).isoformat()
            data = json.dumps(e["data"], separators=(",", ":"))
            fields = [
                f"C{c:04d}",
                "queueing",
                str(e["seq"]),
                at,
                BENCH_DAY.isoformat(),
                e["kind"],
                e["data"]["service"],
                data,
            ]
            line = "\t".join(fields) + "\n"
            assert "\\" not in line  # nothing to escape in these rows
            lines.append(line)
    chunks = ["".join(lines[i : i + 5000]).encode() for i in range(0, len(lines), 5000)]
    with psycopg.connect(url, autocommit=True) as conn:
        backend = conn.info.backend_pid
        cpu0, t0 = _cpu_s(backend), time.perf_counter()
        with conn.transaction(), conn.cursor() as cur:
            with cur.copy(
                "COPY events (center_id, stream, seq, at, day, kind, service, data) FROM STDIN"
            ) as copy:
                for chunk in chunks:
                    copy.write(chunk)
        return time.perf_counter() - t0, _cpu_s(backend) - cpu0


#: The plainest SQL that stores a batch's events from its JSON body (the references below).
_BARE_INSERT = (
    "INSERT INTO events (center_id, stream, seq, at, day, kind, service, data) "
    "SELECT %s, 'queueing', seq, to_timestamp(at), day, kind, COALESCE(data->>'service', ''), data "
    "FROM jsonb_to_recordset(%s::jsonb -> 'events') "
    "AS (seq bigint, at float8, day date, kind text, data jsonb)"
)


def _insert_from_json(url: str, bodies: list[dict[int, bytes]]) -> tuple[float, float]:
    """A reference, not a goal: the same batches' bodies stored with the plainest SQL from JSON
    (one `INSERT ... SELECT FROM jsonb_to_recordset` a batch, one transaction as the `COPY` has):
    no HTTP, no validation, no allow-list, no duplicate check, no rollups, no ack. What is left
    of the API's PostgreSQL work once everything the issue asks on top is taken away.
    Returns the seconds and the backend's CPU seconds."""
    sql = _BARE_INSERT
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE events")
        backend = conn.info.backend_pid
        cpu0, t0 = _cpu_s(backend), time.perf_counter()
        with conn.transaction():
            for idx, batches in enumerate(bodies):
                for body in batches.values():
                    conn.execute(sql, (f"C{idx:04d}", body.decode()))
        return time.perf_counter() - t0, _cpu_s(backend) - cpu0


def _insert_per_batch(
    url: str, cluster_dir: Path, bodies: list[dict[int, bytes]], connections: int
) -> tuple[float, float]:
    """A second reference, not a goal: the same plain SQL as `_insert_from_json`, but as an API whose
    answer means "stored" must run it: each batch its own transaction and commit, from `connections`
    connections at once (the hub's pool size). Still no HTTP, no validation, no allow-list, no
    duplicate check, no rollups, no ack. Returns the seconds and the CPU seconds of the whole cluster
    (as counted for the API)."""
    sql = _BARE_INSERT
    work = [(f"C{idx:04d}", body.decode()) for idx, batches in enumerate(bodies) for body in batches.values()]
    conns = [psycopg.connect(url, autocommit=True) for _ in range(connections)]
    try:
        conns[0].execute("TRUNCATE events")

        def one_connection(k: int) -> None:
            for center_id, body in work[k::connections]:
                with conns[k].transaction():
                    conns[k].execute(sql, (center_id, body))

        threads = [threading.Thread(target=one_connection, args=(k,)) for k in range(connections)]
        cpu0, t0 = _postgres_cpu_s(cluster_dir), time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - t0, _postgres_cpu_s(cluster_dir) - cpu0
    finally:
        for conn in conns:
            conn.close()


def _wait_up(url: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("hub did not start")
        time.sleep(0.2)


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds a process used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss_mb(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return 0


def _postgres_cpu_s(cluster_dir: Path) -> float:
    """CPU seconds the cluster's postmaster and its children (backends, writers) used so far."""
    postmaster = int((cluster_dir / "postmaster.pid").read_text().split()[0])
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[1]) == postmaster or int(stat.parent.name) == postmaster:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def main() -> None:
    centers = int(os.environ.get("BENCH_HUB_CENTERS", "200"))
    per_center = int(os.environ.get("BENCH_HUB_EVENTS", "2000"))
    batch = int(os.environ.get("BENCH_HUB_BATCH", str(UplinkConfig().batch_max_events)))
    total = centers * per_center
    tmp = Path(tempfile.mkdtemp(prefix="bench-hub-"))
    cluster = PrivateCluster(tmp, _free_port())
    hub: subprocess.Popen[bytes] | None = None
    try:
        cluster.start()
        base = cluster.url.rsplit("/", 1)[0]
        with psycopg.connect(cluster.url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE bench_api")
            conn.execute("CREATE DATABASE bench_copy")
        api_url, copy_url = f"{base}/bench_api", f"{base}/bench_copy"
        for url_db in (api_url, copy_url):  # the month's partition made before either clock starts
            with psycopg.connect(url_db, autocommit=True) as conn:
                schema.migrate(conn)
                conn.execute("SELECT hub_event_month(%s)", (BENCH_DAY,))
        with psycopg.connect(api_url, autocommit=True) as conn:
            tokens = [add_center(conn, f"C{i:04d}", f"Trung tâm {i}") for i in range(centers)]
        port = _free_port()
        hub = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hub",
                "--database",
                api_url,
                "--port",
                str(port),
                "--log-level",
                "WARNING",
            ],
            cwd=REPO,
        )
        url = f"http://127.0.0.1:{port}"
        _wait_up(url)
        bodies = [_bodies(i, per_center, batch) for i in range(centers)]  # before the clock
        cpu0, hub_cpu0, pg_cpu0 = time.process_time(), _cpu_s(hub.pid), _postgres_cpu_s(cluster.dir)
        api_s = asyncio.run(_post_all(url, tokens, bodies, per_center, batch))
        client_cpu_s = time.process_time() - cpu0
        hub_cpu_s = _cpu_s(hub.pid) - hub_cpu0
        api_peak_rss_mb = _peak_rss_mb(hub.pid)
        pg_cpu_s = _postgres_cpu_s(cluster.dir) - pg_cpu0
        with psycopg.connect(api_url) as conn:
            stored = conn.execute("SELECT count(*) FROM events").fetchone()
            counted = conn.execute(
                "SELECT sum(tickets_issued + tickets_called + tickets_served) FROM daily"
            ).fetchone()
        assert stored == (total,) and counted == (total,), (stored, counted)
        copy_s, copy_pg_cpu_s = _copy(copy_url, centers, per_center)
        plain_s, plain_pg_cpu_s = _insert_from_json(copy_url, bodies)
        per_batch_s, per_batch_pg_cpu_s = _insert_per_batch(copy_url, cluster.dir, bodies, HUB_POOL_SIZE)
        storm_centers = int(os.environ.get("BENCH_HUB_STORM_CENTERS", "1000"))
        storm_events = int(os.environ.get("BENCH_HUB_STORM_EVENTS", "2000"))
        storm: dict[str, Any] = {}
        if storm_centers > 0:
            with psycopg.connect(cluster.url, autocommit=True) as conn:
                conn.execute("CREATE DATABASE bench_storm")
            storm_url = f"{base}/bench_storm"
            with psycopg.connect(storm_url, autocommit=True) as conn:
                schema.migrate(conn)
                conn.execute("SELECT hub_event_month(%s)", (BENCH_DAY,))
                storm_tokens = [add_center(conn, f"S{i:04d}", f"Trung tâm {i}") for i in range(storm_centers)]
            hub.terminate()
            hub.wait(timeout=15)
            hub = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "hub",
                    "--database",
                    storm_url,
                    "--port",
                    str(port),
                    "--log-level",
                    "WARNING",
                ],
                cwd=REPO,
            )
            _wait_up(url)
            bodies = [_bodies(i, storm_events, batch) for i in range(storm_centers)]  # before the clock
            storm_s, each = asyncio.run(_storm(url, storm_tokens, bodies, storm_events, batch))
            storm_peak_rss_mb = _peak_rss_mb(hub.pid)
            del bodies
            with psycopg.connect(storm_url) as conn:
                held = conn.execute("SELECT count(*) FROM events").fetchone()
            assert held == (storm_centers * storm_events,), held
            each.sort()
            storm = {
                "storm_centers": storm_centers,
                "storm_events_per_center": storm_events,
                "storm_seconds_all_acked": round(storm_s, 1),
                "storm_first_center_done_s": round(each[0], 1),
                "storm_median_center_done_s": round(each[len(each) // 2], 1),
                "storm_events_per_s": round(storm_centers * storm_events / storm_s),
                "storm_hub_peak_rss_mb": storm_peak_rss_mb,
                "storm_goal_s": 120,
            }
        dash: dict[str, Any] = {}
        dash_centers = int(os.environ.get("BENCH_HUB_DASH_CENTERS", "3300"))
        if dash_centers > 0:
            hub.terminate()
            hub.wait(timeout=15)
            hub = None
            raw = (
                int(os.environ.get("BENCH_HUB_DASH_EVENT_CENTERS", "300")),
                int(os.environ.get("BENCH_HUB_DASH_EVENT_DAYS", "30")),
                int(os.environ.get("BENCH_HUB_DASH_EVENTS_PER_DAY", "1000")),
            )
            dash = _dashboards(
                base, cluster.url, port, dash_centers, int(os.environ.get("BENCH_HUB_DASH_DAYS", "365")), raw
            )
    finally:
        if hub is not None:
            hub.terminate()
            hub.wait(timeout=15)
        cluster.stop("immediate")
        shutil.rmtree(tmp, ignore_errors=True)
    api_rate, copy_rate = total / api_s, total / copy_s
    ratio = api_rate / copy_rate
    print_table(
        f"hub ingest: {centers} centers x {per_center} events, batches of {batch}",
        ["path", "events", "seconds", "events/s"],
        [
            ["HTTP API (dedup + rollups + ack)", total, api_s, api_rate],
            ["plain COPY", total, copy_s, copy_rate],
            ["reference: bare INSERT from the JSON, 1 transaction", total, plain_s, total / plain_s],
            [
                f"reference: the same, a commit per batch, {HUB_POOL_SIZE} connections",
                total,
                per_batch_s,
                total / per_batch_s,
            ],
        ],
    )
    print(f"API / COPY = {ratio:.2f} (goal >= 0.5: {'met' if ratio >= 0.5 else 'NOT met'})")
    print(
        f"CPU per event: API {(hub_cpu_s + pg_cpu_s + client_cpu_s) / total * 1e6:.1f} us "
        f"(hub {hub_cpu_s / total * 1e6:.1f}, PostgreSQL {pg_cpu_s / total * 1e6:.1f}, clients "
        f"{client_cpu_s / total * 1e6:.1f}); COPY: PostgreSQL {copy_pg_cpu_s / total * 1e6:.1f} us; "
        f"bare INSERT from the JSON: PostgreSQL {plain_pg_cpu_s / total * 1e6:.1f} us "
        f"({total / plain_s / copy_rate:.2f} of the COPY rate with nothing the issue asks on top); "
        f"the same with a commit per batch from {HUB_POOL_SIZE} connections: PostgreSQL "
        f"{per_batch_pg_cpu_s / total * 1e6:.1f} us ({total / per_batch_s / copy_rate:.2f} of the COPY rate)"
    )
    print(
        f"CPU during the API run: hub process {hub_cpu_s:.1f} s, PostgreSQL {pg_cpu_s:.1f} s, the "
        f"{centers} clients {client_cpu_s:.1f} s (their bodies JSON-encoded before the clock started)"
    )
    if storm:
        print(
            f"catch-up storm: {storm['storm_centers']} centers x {storm['storm_events_per_center']} events "
            f"reconnecting at once: all acknowledged after {storm['storm_seconds_all_acked']} s "
            f"({storm['storm_events_per_s']} events/s; goal < 120 s); the hub process's peak memory "
            f"{storm['storm_hub_peak_rss_mb']} MB"
        )
    if dash:
        print(
            f"dashboards over {dash['dash_centers']} centers x {dash['dash_days']} days of rollups and "
            f"{dash['dash_raw_event_rows']:,} raw events ({dash['dash_raw_event_centers']} centers x "
            f"{dash['dash_raw_event_days']} days): pages' HTML p95 {dash['pages_html_p95_ms']} ms; "
            f"overview p50 {dash['overview_p50_ms']} ms p95 {dash['overview_p95_ms']} ms; center summary "
            f"p50 {dash['summary_p50_ms']} ms p95 {dash['summary_p95_ms']} ms; center trends by day p95 "
            f"{dash['trends_by_day_p95_ms']} ms, by week p95 {dash['trends_by_week_p95_ms']} ms, "
            f"by month p95 {dash['trends_by_month_p95_ms']} ms; fleet "
            f"alarms p95 {dash['fleet_alarms_p95_ms']} ms (goal p95 < 100 ms)"
        )
    write_results(
        "hub",
        {
            "centers": centers,
            "events_per_center": per_center,
            "batch_events": batch,
            "api_events_per_s": round(api_rate),
            "copy_events_per_s": round(copy_rate),
            "copy_postgres_cpu_s": round(copy_pg_cpu_s, 2),
            "bare_insert_from_json_events_per_s": round(total / plain_s),
            "bare_insert_from_json_postgres_cpu_s": round(plain_pg_cpu_s, 2),
            "bare_insert_per_batch_events_per_s": round(total / per_batch_s),
            "bare_insert_per_batch_postgres_cpu_s": round(per_batch_pg_cpu_s, 2),
            "bare_insert_per_batch_connections": HUB_POOL_SIZE,
            "api_over_copy": round(ratio, 3),
            "hub_process_cpu_s": round(hub_cpu_s, 2),
            "client_cpu_s": round(client_cpu_s, 2),
            "postgres_cpu_s": round(pg_cpu_s, 2),
            "bodies_pre_encoded": True,
            "api_seconds": round(api_s, 2),
            "api_hub_peak_rss_mb": api_peak_rss_mb,
            "goal_api_over_copy": 0.5,
            "cores": os.cpu_count(),
            **storm,
            **dash,
        },
    )
