"""`python -m hub ... center add` / `reader add`: one token line on stdout, only its hash stored;
without --database the hub makes and runs its own cluster under --data-dir."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import requests

from hub.cluster import PrivateCluster
from hub.tokens import token_hash
from tests.conftest import REPO_ROOT
from tests.harness import HubProcess
from tests.hub.conftest import bearer, cluster_dir


def hub_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )


def test_tokens_from_the_command_line_work_and_only_hashes_are_kept(
    database_url: str, tmp_path: Path
) -> None:
    center = hub_cli("--database", database_url, "center", "add", "HN-BADINH", "--name", "Ba Đình")
    reader = hub_cli("--database", database_url, "reader", "add", "sở nội vụ")
    assert center.returncode == 0 and reader.returncode == 0, center.stderr + reader.stderr
    assert center.stdout.count("\n") == 1 and reader.stdout.count("\n") == 1
    c_token, r_token = center.stdout.strip(), reader.stdout.strip()
    with psycopg.connect(database_url) as conn:
        stored = {bytes(r[0]) for r in conn.execute("SELECT token_hash FROM tokens")}
        assert conn.execute("SELECT name FROM centers").fetchall() == [("Ba Đình",)]
    assert stored == {token_hash(c_token), token_hash(r_token)}
    with HubProcess(database_url, tmp_path) as hub:
        listed = requests.get(f"{hub.url}/api/v1/centers", headers=bearer(r_token), timeout=10).json()
        assert [c["center_id"] for c in listed] == ["HN-BADINH"]
        beat = requests.post(f"{hub.url}/api/v1/heartbeat", json={}, headers=bearer(c_token), timeout=10)
        assert beat.status_code == 200


def test_bad_center_id_says_what_to_write(database_url: str) -> None:
    bad = hub_cli("--database", database_url, "center", "add", "bad id!", "--name", "x")
    assert bad.returncode == 2 and "HN-BADINH" in bad.stderr and bad.stdout == ""


@pytest.mark.slow
def test_private_cluster_under_the_data_dir() -> None:
    with cluster_dir() as tmp:
        run_in(tmp / "hubdata")


def run_in(data: Path) -> None:
    try:
        first = hub_cli("--data-dir", str(data), "center", "add", "C1", "--name", "Một")
        assert first.returncode == 0, first.stderr
        assert (data / "pg" / "PG_VERSION").exists() and (data / "pg.port").exists()
        # the command started the cluster for itself and stopped it again; the next one reuses it
        assert not PrivateCluster(data).running()
        second = hub_cli("--data-dir", str(data), "reader", "add", "r")
        assert second.returncode == 0, second.stderr
        with_cluster = PrivateCluster(data)
        with_cluster.start()
        with psycopg.connect(with_cluster.url) as conn:
            assert conn.execute("SELECT count(*) FROM tokens").fetchone() == (2,)
    finally:
        PrivateCluster(data).stop("immediate")


@pytest.mark.slow
def test_one_command_serves_on_its_own_cluster_and_stops_it() -> None:
    with cluster_dir() as tmp:
        data = tmp / "hubdata"

        def up() -> bool:
            try:
                return bool(requests.get(f"{hub.url}/api/v1/health", timeout=1).json()["ok"])
            except requests.RequestException:
                return False

        hub = HubProcess(None, tmp, data_dir=data, ready=up)
        try:
            hub.start(60)
            assert requests.get(f"{hub.url}/api/v1/health").json()["schema_version"] >= 2
            assert PrivateCluster(data).running()
        finally:
            hub.stop(60)
        assert not PrivateCluster(data).running()  # the hub stopped the cluster it started
