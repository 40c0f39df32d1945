"""Locker test harness: the real service over the lock-board simulator on a pty, real HTTP.

Each test gets a fresh data directory, a simulated Kerong cabinet (2 boards), the real
SerialLockBus on the simulator's pty, a LockerService with a ManualClock, and uvicorn serving
the API on a free loopback port.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
import requests
import uvicorn

from common.clock import ManualClock
from drivers.gateways.backoffice import FileBackOffice
from drivers.gateways.sms import FileSmsGateway, read_messages
from drivers.lockboard.bus import open_bus
from drivers.lockboard.config import BusConfig
from drivers.lockboard.sim import SimulatorHandle, start_simulator
from locker.api import create_app
from locker.config import LockerConfig
from locker.service import LockerService, Paths
from locker.staff import Role
from tests.conftest import free_port, wait_until

PIN = "246810"

# label, board, lock, size
LAYOUT = [
    ("1", 0, 1, "small"),
    ("2", 0, 2, "small"),
    ("3", 0, 3, "small"),
    ("4", 0, 4, "medium"),
    ("5", 0, 5, "medium"),
    ("6", 0, 6, "large"),
    ("7", 1, 1, "small"),
    ("8", 1, 2, "large"),
]


def make_config(**over: Any) -> LockerConfig:
    """A small cabinet with fast doors; `over` replaces top-level sections/keys."""
    data: dict[str, Any] = {
        "buses": [
            {
                "name": "bank1",
                "protocol": "kerong-cu16",
                "boards": [0, 1],
                "locks_per_board": 16,
                "poll_interval_ms": 40,
                "reply_timeout_ms": 500,  # generous: the shared test machine can be very loaded
                "door_debounce_reads": 1,
                "watch_interval_ms": 20,
            }
        ],
        "compartments": [
            {
                "label": lab,
                "bus": "bank1",
                "board": b,
                "lock": lk,
                "size": size,
                "column": b,
                "row": lk - 1,
                "has_item_sensor": True,
            }
            for lab, b, lk, size in LAYOUT
        ],
        "doors": {"watch_s": 1.0, "auto_confirm_on_close": False},
        "outbox": {"poll_interval_s": 0.05, "first_retry_s": 1.0},
    }
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return LockerConfig.model_validate(data)


class Harness:
    """One running locker for a test."""

    def __init__(self, tmp: Path, cfg: LockerConfig) -> None:
        self.tmp = tmp
        self.cfg = cfg
        self.clock = ManualClock()
        self.sim: SimulatorHandle = start_simulator("kerong-cu16", [0, 1], 16, auto_close_s=None)
        keys = cfg.buses[0].bus_keys()
        keys["url"] = self.sim.url
        self.bus = open_bus(BusConfig.model_validate(keys))
        self.sms_dir = tmp / "sms"
        self.returned = tmp / "backoffice" / "returned.jsonl"
        self.dossiers = tmp / "backoffice" / "dossiers.json"
        self.dossiers.parent.mkdir(parents=True)
        self.dossiers.write_text('{"HS-1": {"citizen_name": "Nguyễn Văn An", "phone": "+84900000001"}}')
        data = tmp / "data"
        self.paths = Paths(data, data / "locker.db", data / "code.key", data / "kiosk.token")
        self.svc = self._service()
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._serve()
        self.kiosk_headers = {"Authorization": f"Bearer {self.svc.kiosk_token}"}
        self.http = requests.Session()

    def _service(self) -> LockerService:
        svc = LockerService(
            self.cfg,
            self.paths,
            self.clock,
            {"bank1": self.bus},
            FileSmsGateway(self.sms_dir),
            FileBackOffice(self.dossiers, self.returned),
        )
        svc.start(sweep_interval_s=3600)
        return svc

    def _serve(self) -> None:
        config = uvicorn.Config(
            create_app(self.svc), host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        wait_until(lambda: self.server.started, 10, "uvicorn to start")

    def restart(self) -> None:
        """Stop the service and HTTP server and start them again on the same data (a restart)."""
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.svc.stop()
        self.svc = self._service()
        self._serve()

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.svc.stop()
        self.bus.close()
        self.sim.close()

    # ----- HTTP -----
    def req(self, method: str, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        headers = kw.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(method, self.base + path, headers=headers, timeout=15, **kw)

    def kiosk(self, method: str, path: str, **kw: Any) -> requests.Response:
        return self.req(method, path, headers=dict(self.kiosk_headers), **kw)

    def pickup(self, code: str, **extra: Any) -> requests.Response:
        return self.kiosk("POST", "/api/v1/pickups", json={"code": code, **extra})

    # ----- staff -----
    def add_staff(self, staff_id: str, role: Role) -> str:
        self.svc.staff.add(staff_id, role, PIN)
        return self.svc.staff.totp_secret(staff_id)

    def sign_in(self, staff_id: str, role: Role = Role.LOADER) -> str:
        try:
            secret = self.svc.staff.totp_secret(staff_id)
        except Exception:
            secret = self.add_staff(staff_id, role)
        self.clock.advance(30)  # a fresh TOTP step for every sign-in
        totp = pyotp.TOTP(secret).at(self.clock.now())
        r = self.req("POST", "/api/v1/staff/sessions", json={"staff_id": staff_id, "pin": PIN, "totp": totp})
        assert r.status_code == 200, r.text
        return str(r.json()["token"])

    # ----- cabinet -----
    def where(self, label: str) -> tuple[int, int]:
        comp = self.svc.cabinet.get(label)
        return comp.board, comp.lock

    def set_door(self, label: str, is_open: bool) -> None:
        self.sim.cabinet.set_door(*self.where(label), is_open)
        wait_until(
            lambda: self.svc.cabinet.door(label).value == ("open" if is_open else "closed"),
            5,
            f"door {label} {'open' if is_open else 'closed'} in the bus's view",
        )

    def set_item(self, label: str, present: bool) -> None:
        self.sim.cabinet.set_item(*self.where(label), present)
        wait_until(lambda: self.svc.cabinet.item(label) is present, 5, f"item {label} {present}")

    def pulses(self, label: str) -> int:
        return self.sim.cabinet.pulses(*self.where(label))

    # ----- flows -----
    def sms(self) -> list[dict[str, str]]:
        return read_messages(self.sms_dir) if self.sms_dir.exists() else []

    def code_for(self, dossier: str, nth: int = 1) -> str:
        def find() -> str | None:
            codes = [m for m in self.sms() if dossier in m["text"] and "Ma nhan" in m["text"]]
            if len(codes) < nth:
                return None
            return re.search(r"Ma nhan: (\d+)", codes[nth - 1]["text"]).group(1)  # type: ignore[union-attr]

        return str(wait_until(find, 5, f"SMS #{nth} for {dossier}"))

    def load(
        self, token: str, dossier: str, size: str = "small", phone: str = "0900000001", **extra: Any
    ) -> tuple[dict[str, Any], str]:
        r = self.req(
            "POST",
            "/api/v1/deposits",
            token,
            json={"dossier_code": dossier, "phone": phone, "size": size, **extra},
        )
        assert r.status_code == 200, r.text
        dep = r.json()
        assert dep["door"] == "opened"
        self.set_item(dep["compartment"], True)
        self.set_door(dep["compartment"], False)
        r = self.req("POST", f"/api/v1/deposits/{dep['deposit_id']}/confirm", token)
        assert r.status_code == 200, r.text
        return dep, self.code_for(dossier)


@pytest.fixture
def make_harness(tmp_path: Path) -> Iterator[Callable[..., Harness]]:
    made: list[Harness] = []

    def make(**over: Any) -> Harness:
        h = Harness(tmp_path / f"h{len(made)}", make_config(**over))
        made.append(h)
        return h

    yield make
    for h in made:
        h.close()


@pytest.fixture
def h(make_harness: Callable[..., Harness]) -> Harness:
    return make_harness()
