"""Hub test set-up: one private PostgreSQL cluster for the session, a fresh database per test,
and the hub served in a thread (controlled clock) or as a real `python -m hub` process, both
started by tests/harness.py."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from common.clock import ManualClock
from hub.cluster import PrivateCluster, pg_bin
from hub.tokens import add_center, add_reader
from tests.conftest import REPO_ROOT
from tests.harness import MONDAY_9AM, HubServer, free_port

DAY = "2026-01-05"


@contextmanager
def cluster_dir() -> Iterator[Path]:
    """A directory for a private cluster, removed afterwards.

    Not under pytest's tmp_path: pytest deletes all but the newest three base directories of a
    user, and another pytest run started meanwhile would delete a running cluster's files.
    """
    path = Path(tempfile.mkdtemp(prefix="hub-test-pg-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PrivateCluster]:
    """One private cluster for every hub test, stopped at the end (immediate: nothing to keep)."""
    try:
        pg_bin("initdb")
    except Exception as err:  # the package is missing: `make test` installs it (make sysdeps)
        pytest.fail(f"PostgreSQL 15 is needed for the hub tests: {err}")
    with cluster_dir() as path:
        cluster = PrivateCluster(path, free_port())
        cluster.start()
        try:
            yield cluster
        finally:
            cluster.stop("immediate")


@pytest.fixture
def database_url(pg_cluster: PrivateCluster) -> Iterator[str]:
    """A new empty database on the session's cluster (dropped after the test)."""
    name = f"hub_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_cluster.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
    yield pg_cluster.url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(pg_cluster.url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # type: ignore[arg-type]


def tokens(database_url: str, *centers: str) -> dict[str, str]:
    """Register `centers` and one reader; their tokens by center id (and "reader")."""
    from hub import schema

    with psycopg.connect(database_url, autocommit=True) as conn:
        schema.migrate(conn)
        out = {c: add_center(conn, c, f"Trung tâm {c}") for c in centers}
        out["reader"] = add_reader(conn, "dashboard")
    return out


def hub_cli(database_url: str, *words: str) -> subprocess.CompletedProcess[str]:
    """`python -m hub --database URL WORDS...` as an operator runs it."""
    return subprocess.run(
        [sys.executable, "-m", "hub", "--database", database_url, *words],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def bearer(token: str) -> dict[str, str]:
    """The Authorization header."""
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def clock() -> ManualClock:
    """Monday 09:00 local time."""
    return ManualClock(MONDAY_9AM)


@pytest.fixture
def hub(database_url: str, clock: ManualClock) -> Iterator[HubServer]:
    """A hub on a fresh database, in a thread."""
    with HubServer(database_url, clock) as h:
        yield h


def site_file(
    tmp: Path,
    hub_url: str,
    token: str,
    center_id: str,
    queue_dir: Path,
    locker_dir: Path | None = None,
    **hub: Any,
) -> Path:
    """A center's site file: its queue (and locker) data dir and the [hub] link (fast retries for tests)."""
    token_file = tmp / "hub.token"
    token_file.write_text(token + "\n", encoding="utf-8")
    keys = {"send_interval_s": 0.1, "retry_min_s": 0.1, "retry_max_s": 0.5, "request_timeout_s": 5, **hub}
    lines = ["[queueing]", f'data_dir = "{queue_dir}"', "", "[hub]", f'url = "{hub_url}"',
             f'center_id = "{center_id}"', f'token_file = "{token_file}"']  # fmt: skip
    lines += [f"{k} = {v!r}" for k, v in keys.items()]
    # never the working tree's var/locker (a demo's locker would be sent too)
    lines += ["", "[locker]", f'data_dir = "{locker_dir or tmp / "no-locker"}"']
    site = tmp / "site.toml"
    site.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return site


def pg_dump(database_url: str) -> str:
    """The whole database as SQL text (the tokens table's rows left out: only hashes we made)."""
    out = subprocess.run(
        [pg_bin("pg_dump"), "--exclude-table-data=tokens", database_url],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return out.stdout
