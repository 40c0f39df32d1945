"""Locker test set-up: the real service over the lock-board simulator on a pty, real HTTP.

Each test gets a fresh data directory, a simulated Kerong cabinet (2 boards), the real
SerialLockBus on the simulator's pty, a LockerService with a ManualClock, and its API on a free
loopback port, started by `tests.harness.LockerServer`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
import requests

from common.clock import ManualClock
from drivers.gateways.backoffice import FileBackOffice
from drivers.gateways.sms import FileSmsGateway, read_messages
from drivers.lockboard.bus import open_bus
from drivers.lockboard.config import BusConfig
from drivers.lockboard.sim import SimulatorHandle, start_simulator
from locker.config import LockerConfig
from locker.service import LockerService, Paths
from locker.staff import Role
from tests.harness import LockerServer, wait_until

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
        self.server = LockerServer(
            self.cfg,
            self.paths,
            self.clock,
            {"bank1": self.bus},
            FileSmsGateway(self.sms_dir),
            FileBackOffice(self.dossiers, self.returned),
            before_start=self._before_start,
        )
        self.port = self.server.port
        self.base = self.server.url
        self.kiosk_headers = {"Authorization": f"Bearer {self.server.kiosk_token}"}
        self.http = requests.Session()

    def _before_start(self) -> None:
        """Runs before each start of the service (a subclass sets up the cabinet)."""

    @property
    def svc(self) -> LockerService:
        """The running service."""
        return self.server.svc

    def restart(self) -> None:
        """Stop the service and HTTP server and start them again on the same data (a restart)."""
        self.server.restart()

    def close(self) -> None:
        self.server.stop()
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
