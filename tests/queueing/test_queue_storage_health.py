"""A data directory or database file deleted or replaced while the service runs is noticed:
health 503 with the reason, writes refused with a 503 saying what to do, nothing new created."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import requests

from tests.harness import QueueingProcess, QueueingServer, free_port
from tests.queueing.helpers import make_config
from tests.queueing.test_queue_api import counter, issue


def test_deleted_data_dir_fails_loudly_and_creates_nothing(tmp_path: Path) -> None:
    with QueueingProcess(make_config(), tmp_path, free_port()) as srv:
        url = srv.url
        waiting = issue(url)
        desk = counter(url, 2, "cb02", "2222")
        assert requests.get(f"{url}/api/v1/health", timeout=5).json()["status"] == "ok"
        kiosk_auth = srv.kiosk_headers  # read before the token file goes with the directory

        shutil.rmtree(srv.data_dir)

        health = requests.get(f"{url}/api/v1/health", timeout=5)
        assert health.status_code == 503
        body = health.json()
        assert body["status"] == "failed" and str(srv.data_dir) in body["problem"]
        assert "Restore the data directory" in body["action"]

        kiosk = requests.post(
            f"{url}/api/v1/tickets",
            json={"service": "ho_tich"},
            headers={**kiosk_auth, "Idempotency-Key": "gone"},
            timeout=5,
        )
        assert kiosk.status_code == 503
        remote = requests.post(
            f"{url}/api/v1/tickets", json={"service": "ho_tich", "channel": "remote"}, timeout=5
        )
        assert remote.status_code == 503 and remote.json()["error"] == "storage_failed"
        assert "restore the data directory" in remote.json()["message"]
        assert "Retry-After" not in remote.headers, "retrying does not help: staff must act"
        call = desk.post(f"{url}/api/v1/counter/call-next", timeout=5)
        assert call.status_code == 503 and call.json()["error"] == "storage_failed"
        void = requests.post(
            f"{url}/api/v1/tickets/{waiting['ticket_id']}/void", headers=kiosk_auth, timeout=5
        )
        assert void.status_code == 503
        assert not srv.data_dir.exists(), "no new database made behind the operator's back"

        srv.data_dir.mkdir()  # someone makes the folder again: still failed until a restart
        assert requests.get(f"{url}/api/v1/health", timeout=5).status_code == 503
        srv.data_dir.rmdir()
    assert not srv.data_dir.exists(), "nothing created at shutdown either"
    log = srv.log_path.read_text()
    assert "storage failed: data directory" in log and "restart the service" in log


def test_replaced_database_file_is_refused(tmp_path: Path) -> None:
    with QueueingServer(make_config(), tmp_path, free_port()) as srv:
        url = srv.url
        issue(url)
        restored = tmp_path / "restored.sqlite3"
        sqlite3.connect(restored).close()
        restored.replace(tmp_path / "queue.sqlite3")  # a restore over the live file

        health = requests.get(f"{url}/api/v1/health", timeout=5)
        assert health.status_code == 503 and "replaced" in health.json()["problem"]
        r = requests.post(
            f"{url}/api/v1/tickets", json={"service": "ho_tich", "channel": "remote"}, timeout=5
        )
        assert r.status_code == 503 and r.json()["error"] == "storage_failed"
        assert srv.app.state.queue.store.storage_problem() is not None
