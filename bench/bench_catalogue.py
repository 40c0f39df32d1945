"""Central catalogue benchmark: what the centers' pulls and the editor's center list cost the hub.

`python -m hub` in its own process on a private PostgreSQL 15 cluster started here in a temp
dir, with 3,300 centers (a tenth with an override). Figures: one poll round (every center asks
once with its ETag: 304), by 20 concurrent clients, as requests per second next to what the
province needs (centers / `[hub] catalogue_interval_s` = 55 per second at 60 s); the same with
full answers (every center's first pull after a change); the supervisor's center list
(`GET /api/v1/catalogue/centers`), p50/p95. All on this shared machine (clients, hub and
PostgreSQL share its cores).

`python -m bench catalogue` (env BENCH_CATALOGUE_CENTERS=N).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pyotp
from psycopg.types.json import Jsonb

from bench.bench_hub import _free_port, _wait_up
from bench.common import print_table, write_results
from common.config import load_raw, section
from hub import schema
from hub.cluster import PrivateCluster
from hub.supervisors import add_supervisor, open_box
from hub.tokens import token_hash

REPO = Path(__file__).resolve().parent.parent
CLIENTS = 20
INTERVAL_S = 60.0


def _fill(url: str, centers: int, key_file: Path) -> tuple[dict[str, str], str]:
    """Centers with tokens, the province's catalogue, overrides for every tenth; a supervisor."""
    q = section(load_raw(), "queueing")
    doc = {
        "services": [dict(s) for s in q["services"]],
        "hours": dict(q["hours"]),
        "holidays": ["2027-01-01"],
    }
    tokens = {f"B{i:04d}": f"bench-token-{i:04d}-{'x' * 24}" for i in range(1, centers + 1)}
    with psycopg.connect(url, autocommit=True) as conn:
        schema.migrate(conn)
        with conn.transaction(), conn.cursor() as cur:
            with cur.copy("COPY centers (center_id, name) FROM STDIN") as copy:
                for c in tokens:
                    copy.write_row((c, f"Trung tâm {c}"))
            with cur.copy("COPY tokens (token_hash, role, center_id, name) FROM STDIN") as copy:
                for c, t in tokens.items():
                    copy.write_row((token_hash(t), "center", c, c))
            cur.execute(
                "INSERT INTO catalogue(scope, document, version, updated_by) "
                "VALUES ('*', %s, nextval('catalogue_version'), 'bench')",
                (Jsonb(doc),),
            )
            for i, c in enumerate(tokens):
                if i % 10 == 0:
                    cur.execute(
                        "INSERT INTO catalogue(scope, document, version, updated_by) "
                        "VALUES (%s, %s, nextval('catalogue_version'), 'bench')",
                        (c, Jsonb({"holidays": ["2027-01-01", f"2027-03-{1 + i % 28:02d}"]})),
                    )
        uri = add_supervisor(conn, open_box(key_file), "bench", "246810")
    return tokens, str(pyotp.parse_uri(uri).secret)


async def _round(
    url: str, tokens: dict[str, str], etags: dict[str, str] | None
) -> tuple[float, dict[str, str]]:
    """Every center pulls once (with its ETag when given); seconds taken and the ETags seen."""
    queue = list(tokens.items())
    seen: dict[str, str] = {}

    async def worker(client: httpx.AsyncClient) -> None:
        while queue:
            center, token = queue.pop()
            headers = {"Authorization": f"Bearer {token}"}
            if etags:
                headers["If-None-Match"] = etags[center]
            r = await client.get(url + "/api/v1/catalogue", headers=headers)
            if r.status_code not in (200, 304):
                raise RuntimeError(f"{center}: HTTP {r.status_code} {r.text[:200]}")
            seen[center] = r.headers["ETag"]

    t0 = time.perf_counter()
    async with httpx.AsyncClient(timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(CLIENTS)))
    return time.perf_counter() - t0, seen


def main() -> None:
    centers = int(os.environ.get("BENCH_CATALOGUE_CENTERS", "3300"))
    tmp = Path(tempfile.mkdtemp(prefix="bench-catalogue-"))
    cluster = PrivateCluster(tmp / "pg", _free_port())
    proc = None
    try:
        cluster.start()
        with psycopg.connect(cluster.url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE bench_catalogue")
        url_db = cluster.url.rsplit("/", 1)[0] + "/bench_catalogue"
        tokens, secret = _fill(url_db, centers, tmp / "supervisor.key")
        port = _free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "hub", "--database", url_db, "--data-dir", str(tmp), "--port", str(port),
             "--log-level", "WARNING"],
            cwd=REPO,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        _wait_up(url)
        full_s, etags = asyncio.run(_round(url, tokens, None))
        cond_s, _ = asyncio.run(_round(url, tokens, etags))
        body = {"name": "bench", "pin": "246810", "totp": pyotp.TOTP(secret).now()}
        session = httpx.post(url + "/api/v1/supervisor/sign-in", json=body, timeout=30).json()["token"]
        list_ms = []
        with httpx.Client(headers={"Authorization": f"Bearer {session}"}, timeout=60) as client:
            for _ in range(12):
                t = time.perf_counter()
                client.get(url + "/api/v1/catalogue/centers").raise_for_status()
                list_ms.append((time.perf_counter() - t) * 1000)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=15)
        cluster.stop("immediate")
        shutil.rmtree(tmp, ignore_errors=True)
    need = centers / INTERVAL_S
    data: dict[str, Any] = {
        "load_average_1min": round(os.getloadavg()[0], 1),  # the machine is shared: say how busy
        "centers": centers,
        "clients": CLIENTS,
        "need_per_s": round(need, 1),
        "pull_304_per_s": round(centers / cond_s, 1),
        "pull_200_per_s": round(centers / full_s, 1),
        "centers_list_p50_ms": round(statistics.median(list_ms[2:]), 1),
        "centers_list_p95_ms": round(statistics.quantiles(list_ms[2:], n=20)[18], 1),
    }
    print_table(
        "central catalogue",
        ["figure", "value", "next to"],
        [
            ["pulls/s, unchanged (304)", data["pull_304_per_s"], f"needed {data['need_per_s']}/s"],
            ["pulls/s, changed (200)", data["pull_200_per_s"], f"needed {data['need_per_s']}/s"],
            ["editor's center list p50 ms", data["centers_list_p50_ms"], f"{centers} centers"],
            ["editor's center list p95 ms", data["centers_list_p95_ms"], ""],
        ],
    )
    write_results("catalogue", data)
