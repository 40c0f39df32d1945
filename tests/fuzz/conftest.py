"""Fuzz set-up: both HTTP services as real child processes on loopback, with valid credentials.

Each service runs once per test module (`python -m locker` / `python -m queueing` on a free port
with a temporary data directory), so the property-based runs and the hand-written nasty cases
hit the same process a center would run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.harness import LockerProcess, QueueingProcess, enrol_locker_staff, free_port, sign_in_locker_staff
from tests.queueing.helpers import make_config

#: Invented accounts for the fuzz runs.
LOCKER_SUPERVISOR = "fuzzsup"
LOCKER_SPARE = "fuzzspare"
LOCKER_PIN = "246810"
QUEUE_STAFF = "cb01"


@dataclass
class Service:
    """A running service: its base URL and the headers of each kind of caller."""

    url: str
    auth: dict[str, dict[str, str]] = field(default_factory=dict)
    spare: dict[str, str] = field(default_factory=dict)
    log_path: Path | None = None
    data_dir: Path | None = None


@pytest.fixture(scope="module")
def locker_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """`python -m locker` (embedded simulated cabinet) with a supervisor signed in and the kiosk token."""
    tmp = tmp_path_factory.mktemp("locker-fuzz")
    data = tmp / "data"
    data.mkdir()
    supervisor = enrol_locker_staff(data, LOCKER_SUPERVISOR, "supervisor", LOCKER_PIN)
    spare = enrol_locker_staff(data, LOCKER_SPARE, "loader", LOCKER_PIN)
    # cwd: relative var/ paths (sms, back office) land in the temporary directory
    daemon = LockerProcess(tmp, data_dir=data, cwd=tmp)
    url = daemon.url
    log_path = daemon.log_path
    try:
        daemon.start(60)
        kiosk_token = daemon.kiosk_token

        svc = Service(url, log_path=log_path, data_dir=data)
        staff_token = sign_in_locker_staff(url, LOCKER_SUPERVISOR, LOCKER_PIN, supervisor)
        svc.auth["staff"] = {"Authorization": f"Bearer {staff_token}"}
        svc.auth["kiosk"] = {"Authorization": f"Bearer {kiosk_token}", "X-Kiosk-Id": "fuzz-kiosk"}
        svc.spare = {"Authorization": f"Bearer {sign_in_locker_staff(url, LOCKER_SPARE, LOCKER_PIN, spare)}"}
        yield svc
    finally:
        daemon.stop(30)


@pytest.fixture(scope="module")
def queueing_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """`python -m queueing` (shipped services, open all day) with a counter session signed in."""
    tmp = tmp_path_factory.mktemp("queueing-fuzz")
    with QueueingProcess(make_config(), tmp, free_port()) as srv:
        pin = next(s.pin for s in make_config().demo_staff if s.staff_id == QUEUE_STAFF)
        r = requests.post(
            srv.url + "/api/v1/counter/sessions",
            json={"staff_id": QUEUE_STAFF, "pin": pin, "counter": 1},
            timeout=15,
        )
        assert r.status_code == 200, r.text
        svc = Service(srv.url, log_path=srv.log_path, data_dir=srv.data_dir)
        svc.auth["staff"] = {"Authorization": f"Bearer {r.json()['token']}"}
        svc.auth["kiosk"] = srv.kiosk_headers
        yield svc
