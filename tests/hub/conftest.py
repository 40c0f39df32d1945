"""Hub test set-up: one private PostgreSQL cluster for the session, a fresh database per test,
and the hub served in a thread (controlled clock) or as a real `python -m hub` process."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests
import uvicorn

from common.clock import Clock, ManualClock
from hub.app import create_app
from hub.cluster import PrivateCluster, pg_bin
from hub.config import HubConfig
from hub.tokens import add_center, add_reader
from tests.conftest import REPO_ROOT, free_port, wait_until

#: 09:00 in Ho Chi Minh City on Monday 5 January 2026 (as the queueing tests).
from tests.queueing.helpers import MONDAY_9AM

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


def bearer(token: str) -> dict[str, str]:
    """The Authorization header."""
    return {"Authorization": f"Bearer {token}"}


class HubThread:
    """The hub app under uvicorn in a thread of the test process (real HTTP, controlled clock)."""

    def __init__(self, database_url: str, clock: Clock, **config: Any) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app = create_app(HubConfig(**config), database_url, clock)
        self.server = uvicorn.Server(
            uvicorn.Config(
                app, host="127.0.0.1", port=self.port, log_level="warning", timeout_graceful_shutdown=1
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> HubThread:
        self.thread.start()
        wait_until(lambda: self.server.started, 30, "hub start")
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def clock() -> ManualClock:
    """Monday 09:00 local time."""
    return ManualClock(MONDAY_9AM)


@pytest.fixture
def hub(database_url: str, clock: ManualClock) -> Iterator[HubThread]:
    """A hub on a fresh database, in a thread."""
    with HubThread(database_url, clock) as h:
        yield h


class HubProcess:
    """`python -m hub --database URL --port P` as a child process, killable and restartable."""

    def __init__(self, database_url: str, tmp: Path) -> None:
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp / "hub.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start and wait for /api/v1/health."""
        with self.log_path.open("ab") as log_file:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "hub", "--database", self.database_url, "--port", str(self.port),
                 "--log-level", "WARNING"],
                cwd=REPO_ROOT, stdout=log_file, stderr=subprocess.STDOUT,
            )  # fmt: skip

        def up() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"hub exited: {self.log_path.read_text()[-2000:]}")
            try:
                return requests.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200
            except requests.RequestException:
                return False

        wait_until(up, 30, "hub process")

    def kill(self) -> None:
        """SIGKILL and wait."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def __enter__(self) -> HubProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()


class UplinkProcess:
    """`python -m uplink --config SITE` as a child process."""

    def __init__(self, site: Path, tmp: Path) -> None:
        self.site = site
        self.log_path = tmp / "uplink.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start (it needs no answer from anyone to run)."""
        with self.log_path.open("ab") as log_file:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "uplink", "--config", str(self.site), "--log-level", "DEBUG"],
                cwd=REPO_ROOT, stdout=log_file, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal (SIGKILL by default) and wait."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
            self.proc.wait(timeout=10)
        self.proc = None

    def __enter__(self) -> UplinkProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill(signal.SIGTERM)


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
