"""A real locker daemon for the kiosk's pickup/staff tests.

`LockerRig` starts, as separate processes (with tests/harness.py):
- the lock-board simulator (`python -m drivers.lockboard.sim --tcp PORT`), driven through its
  stdin commands (`close B L`, `fault jammed B L`, ...), so tests act like a person at the door;
- the locker daemon (`python -m locker --config SITE --data-dir TMP --port FREE`) talking to that
  simulator over socket://, with SMS files, back office files and the kiosk token under TMP.
Staff accounts come from `lockerctl staff add ... --pin-stdin`; TOTP codes from pyotp; pickup
codes from the simulated SMS files. Nothing here is a fake of the daemon.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pyotp
import requests

from tests.conftest import REPO_ROOT
from tests.harness import (
    LockerProcess,
    SimulatorProcess,
    cabinet_site,
    enrol_locker_staff,
    free_port,
    sign_in_locker_staff,
    wait_until,
)

KERONG_BOARD = 0
PIN = "482916"

# label, lock, size, column, row, height_units: two columns, smallest at the top
LAYOUT = [
    ("1", 1, "small", 0, 0, 1),
    ("2", 2, "small", 0, 1, 1),
    ("3", 3, "medium", 0, 2, 2),
    ("4", 4, "small", 1, 0, 1),
    ("5", 5, "medium", 1, 1, 2),
    ("6", 6, "large", 1, 3, 1),
]


class LockerRig:
    """Simulator + daemon processes in `tmp`; `close()` stops both."""

    def __init__(
        self,
        tmp: Path,
        doors: dict[str, Any] | None = None,
        photo: dict[str, Any] | None = None,
        **codes: Any,
    ) -> None:
        self.tmp = tmp
        self.photo = photo or {}  # [locker.handover_photo]
        self.doors = {"watch_s": 0.8, "auto_confirm_on_close": False, **(doors or {})}
        self.data_dir = tmp / "locker"
        self.sms_dir = self.data_dir / "sms"  # --data-dir relocates the simulated SMS inbox
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "KIOSK_CONFIG": ""}
        self.env.pop("KIOSK_CONFIG")
        self.sim = SimulatorProcess("kerong-cu16", 1, auto_close_s=-1, env=self.env)
        self.daemon = LockerProcess(
            tmp,
            self._site(codes),
            data_dir=self.data_dir,
            port=self.port,
            env=self.env,
            log_path=tmp / "locker.log",
        )
        self.site = self.daemon.site_path
        self.daemon.start(30)
        self.token_file = self.data_dir / "kiosk.token"
        wait_until(self.token_file.exists, 10, "the kiosk token file")
        self.totp: dict[str, pyotp.TOTP] = {}
        self._staff_tokens: dict[str, str] = {}

    # ----- processes -----
    def _site(self, codes: dict[str, Any]) -> dict[str, Any]:
        """The [locker] section: this cabinet on the simulator, files under `tmp` (the harness's
        `cabinet_site`, with the simulated back office, the bus's default polling and the log level
        of config/default.toml, and compartments of the sizes and heights of `LAYOUT`)."""
        base_codes: dict[str, Any] = {
            "second_factor": "none",
            "max_wrong_per_deposit": 3,
            "kiosk_free_failures": 50,
            "kiosk_first_delay_s": 2.0,
            "burst_failures": 100,
        }
        base_codes.update(codes)
        site = cabinet_site(
            self.sim.url,
            [KERONG_BOARD],
            [(label, KERONG_BOARD, lock, col, row) for label, lock, _, col, row, _ in LAYOUT],
            bus={"door_debounce_reads": None, "watch_interval_ms": None},  # None: the default
            log_level=None,
            hotline="1900 1234",
            verify_base_url=self.url + "/verify",
            codes=base_codes,
            doors=self.doors,
            handover_photo=self.photo,
            outbox={"poll_interval_s": 0.1, "first_retry_s": 0.2},
            sms={"outbox_dir": str(self.sms_dir)},
            backoffice={
                "type": "simulated",
                "dossiers_file": str(self.tmp / "bo" / "dossiers.json"),
                "returned_file": str(self.tmp / "bo" / "returned.jsonl"),
            },
        )
        for compartment, (_, _, size, _, _, height) in zip(site["compartments"], LAYOUT, strict=True):
            compartment.update(size=size, height_units=height)
        return site

    def restart_daemon(self) -> None:
        """Stop the daemon and start it again on the same port and data (it re-reads its files)."""
        self.daemon.stop(15)
        self.daemon.start(30)

    def sim_cmd(self, line: str) -> None:
        """A command on the simulator's stdin (`close 0 3`, `fault jammed 0 3`, `clear`)."""
        self.sim.command(line)

    def lock_of(self, label: str) -> int:
        """The lock number wired to compartment `label`."""
        return next(lock for lab, lock, *_ in LAYOUT if lab == label)

    def close_door(self, label: str) -> None:
        """A person shuts the door of `label`."""
        self.sim_cmd(f"close {KERONG_BOARD} {self.lock_of(label)}")

    def shut_after_loading(self, label: str) -> None:
        """A person puts the documents in and shuts the door: only once the daemon's door poll
        has seen it open (a door opened and shut again inside the debounce window of the polls
        is never seen to move, so nothing would confirm by itself)."""
        wait_until(
            lambda: any(
                c["label"] == label and c["door"] == "open"
                for c in self.api("GET", "/api/v1/compartments", "setup")
            ),
            10,
            f"the daemon to see door {label} open",
        )
        self.close_door(label)

    def jam(self, label: str) -> None:
        """The door of `label` stops opening on a pulse."""
        self.sim_cmd(f"fault jammed {KERONG_BOARD} {self.lock_of(label)}")

    def close(self) -> None:
        """Stop both processes (the daemon first, so it does not log the bus vanishing)."""
        self.daemon.stop(10)
        self.sim.close()

    # ----- staff accounts and direct API calls (test set-up only) -----
    def add_staff(self, staff_id: str, role: str = "loader", pin: str = PIN) -> pyotp.TOTP:
        """`lockerctl staff add` with the PIN on stdin; the TOTP from the printed otpauth URI."""
        self.totp[staff_id] = enrol_locker_staff(
            self.data_dir, staff_id, role, pin, site=self.site, env=self.env
        )
        return self.totp[staff_id]

    def new_staff(self, role: str = "supervisor") -> str:
        """A fresh account (each sign-in through the screen needs its own: a TOTP code is single use)."""
        self._n = getattr(self, "_n", 0) + 1
        staff_id = f"nv-{role[:3]}-{self._n}"
        if "setup" in self.totp:
            # enrolled through the API by the set-up supervisor: no lockerctl process per account
            r = requests.post(
                f"{self.url}/api/v1/staff",
                timeout=15,
                headers={"Authorization": f"Bearer {self.staff_token('setup')}"},
                json={"staff_id": staff_id, "role": role, "pin": PIN},
            )
            if r.status_code == 200:
                secret = parse_qs(urlparse(r.json()["otpauth_uri"]).query)["secret"][0]
                self.totp[staff_id] = pyotp.TOTP(secret)
                return staff_id
        self.add_staff(staff_id, role)
        return staff_id

    def staff_token(self, staff_id: str) -> str:
        """A session for set-up calls (a separate session from the kiosk's)."""
        if staff_id not in self._staff_tokens:
            self._staff_tokens[staff_id] = sign_in_locker_staff(self.url, staff_id, PIN, self.totp[staff_id])
        return self._staff_tokens[staff_id]

    def api(self, method: str, path: str, staff_id: str, **kw: Any) -> Any:
        """A staff API call; asserts 2xx and returns the JSON."""
        r = requests.request(
            method,
            f"{self.url}{path}",
            timeout=15,
            headers={"Authorization": f"Bearer {self.staff_token(staff_id)}"},
            **kw,
        )
        assert r.status_code < 300, f"{method} {path}: {r.status_code} {r.text}"
        return r.json()

    def sms_codes(self, dossier: str) -> list[str]:
        """Pickup codes sent for `dossier`, oldest first."""
        from drivers.gateways.sms import read_messages

        msgs = read_messages(self.sms_dir) if self.sms_dir.exists() else []
        return [
            m.group(1)
            for t in msgs
            if dossier in t["text"]
            for m in [re.search(r"Ma nhan: (\d+)", t["text"])]
            if m
        ]

    def wait_code(self, dossier: str, nth: int = 1) -> str:
        """The `nth` code texted for `dossier` (waits for the outbox)."""
        codes = wait_until(
            lambda: (c := self.sms_codes(dossier)) and len(c) >= nth and c, 15, f"SMS for {dossier}"
        )
        return str(codes[nth - 1])

    def load(
        self,
        dossier: str,
        phone: str = "0900000001",
        size: str | None = None,
        id_number: str | None = None,
        staff_id: str = "setup",
    ) -> dict[str, Any]:
        """Load a deposit through the API (set-up for pickup tests): open, close the door, confirm."""
        body: dict[str, Any] = {"dossier_code": dossier, "phone": phone}
        if size:
            body["size"] = size
        if id_number:
            body["id_number"] = id_number
        dep = self.api("POST", "/api/v1/deposits", staff_id, json=body)
        self.close_door(dep["compartment"])
        wait_until(lambda: self._confirm(staff_id, dep["deposit_id"]), 15, "the loading confirm")
        return dict(dep)

    def _confirm(self, staff_id: str, deposit_id: str) -> bool:
        r = requests.post(
            f"{self.url}/api/v1/deposits/{deposit_id}/confirm",
            timeout=15,
            headers={"Authorization": f"Bearer {self.staff_token(staff_id)}"},
        )
        return r.status_code == 200
