"""Regenerate the receipt-verification screenshots: `python -m locker.screenshots --out docs/screens`.

Starts a real locker service (shipped config, simulated cabinet on a pty, throw-away data
directory) with its HTTP API on a free loopback port, loads one invented dossier and collects it
through the API the way staff and a kiosk do, then opens the receipt's verification page in
Debian's headless Chromium at a phone-sized viewport and writes `locker-verify-genuine.png` (the
real token the pickup returned) and `locker-verify-forged.png` (the same token with one MAC
character changed), and `locker-dossier-late.png`: the phone page of the sample receipt's dossier
(`/dossier/{code}`, late). Nothing is hard-coded: the token is the one the service issued. Tests
never write into the repository; this explicit command does.
"""

from __future__ import annotations

import logging
import re
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import requests

from common.chromium import HEADLESS_ARGS, screenshot_args

log = logging.getLogger(__name__)

CHROMIUM_ARGS = HEADLESS_ARGS
SHOTS = ("locker-verify-genuine", "locker-verify-forged", "locker-dossier-late")
#: the sample receipt's dossier (assets/camera-samples, locker.daemon.SAMPLE_DOSSIERS): late
LATE_DOSSIER = "000.00.12.H26-261120-0042"
VIEWPORT = {"width": 390, "height": 760}  # a phone browser's page area, CSS pixels (as web-ticket.png)
DOSSIER = "HS-2026-000123"  # one of the simulated back office's invented dossiers (locker.daemon)
STAFF_ID = "demo_loader"
PIN = "246810"  # invented; the account lives only in the throw-away data directory
T = TypeVar("T")


class ScreenshotError(RuntimeError):
    """The demo could not reach the state a screenshot needs (the message says which step)."""


def wait_for(predicate: Callable[[], T | None], timeout_s: float, what: str) -> T:
    """Poll `predicate` until it returns a truthy value; ScreenshotError naming `what` after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise ScreenshotError(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(0.02)


@dataclass
class Demo:
    """A running locker: service, its simulators and the base URL of its API."""

    svc: Any
    sims: dict[str, Any]  # bus name -> SimulatorHandle
    sms_dir: Path
    url: str

    def set_door(self, label: str, is_open: bool) -> None:
        """Move a door in the simulated cabinet and wait until the service's bus has seen it."""
        comp = self.svc.cabinet.get(label)
        self.sims[comp.bus].cabinet.set_door(comp.board, comp.lock, is_open)
        want = "open" if is_open else "closed"
        wait_for(lambda: self.svc.cabinet.door(label).value == want, 10, f"door {label} {want}")

    def code_sms(self, dossier: str) -> str:
        """The pickup code from the simulated phone's inbox (as a citizen would read it)."""
        from drivers.gateways.sms import read_messages

        def find() -> str | None:
            if not self.sms_dir.exists():
                return None
            for msg in read_messages(self.sms_dir):
                m = re.search(r"Ma nhan: (\d+)", msg["text"])
                if dossier in msg["text"] and m:
                    return m.group(1)
            return None

        return wait_for(find, 15, f"the pickup-code SMS for {dossier}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _check(resp: requests.Response, step: str) -> dict[str, Any]:
    if resp.status_code != 200:
        raise ScreenshotError(f"{step}: HTTP {resp.status_code} {resp.text[:300]}")
    body: dict[str, Any] = resp.json()
    return body


@contextmanager
def running_locker(data_dir: Path) -> Iterator[Demo]:
    """The shipped locker config on a simulated cabinet, data under `data_dir`, API on loopback."""
    import uvicorn

    from common.clock import SystemClock
    from common.config import DEFAULT_CONFIG
    from locker.api import create_app
    from locker.config import load_locker_config
    from locker.daemon import build_gateways, close_buses, data_paths, open_buses
    from locker.service import LockerService

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    # the shipped config itself (never $KIOSK_CONFIG's site file): the same pictures on every machine
    cfg = load_locker_config(DEFAULT_CONFIG, {"verify_base_url": f"{url}/verify"})
    if not all(bus.simulate for bus in cfg.buses):
        raise ScreenshotError("the shipped config must use simulated buses for screenshots")
    buses, sims = open_buses(cfg)
    svc = None
    try:
        sms, backoffice = build_gateways(cfg, data_dir)
        svc = LockerService(cfg, data_paths(cfg, str(data_dir)), SystemClock(), buses, sms, backoffice)
        svc.start()
        server = uvicorn.Server(
            uvicorn.Config(create_app(svc), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            wait_for(lambda: server.started or not thread.is_alive(), 20, "the locker API to start")
            if not server.started:
                raise ScreenshotError("the locker API did not start")
            yield Demo(svc, {b.name: s for b, s in zip(cfg.buses, sims, strict=True)}, sms.directory, url)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    finally:
        if svc is not None:
            svc.stop()
        close_buses(buses, sims)


def deposit_and_collect(demo: Demo) -> str:
    """Staff loads DOSSIER, the citizen collects it with the SMS code; the receipt's verify URL."""
    import pyotp

    from locker.staff import Role

    demo.svc.staff.add(STAFF_ID, Role.LOADER, PIN, actor="screenshots")
    totp = pyotp.TOTP(demo.svc.staff.totp_secret(STAFF_ID)).now()
    http = requests.Session()
    signed = _check(
        http.post(
            f"{demo.url}/api/v1/staff/sessions",
            json={"staff_id": STAFF_ID, "pin": PIN, "totp": totp},
            timeout=15,
        ),
        "staff sign-in",
    )
    staff = {"Authorization": f"Bearer {signed['token']}"}
    # the phone and name come from the simulated back office, as at a center
    dep = _check(
        http.post(
            f"{demo.url}/api/v1/deposits",
            json={"dossier_code": DOSSIER, "size": "small"},
            headers=staff,
            timeout=15,
        ),
        "deposit",
    )
    label = dep["compartment"]
    demo.set_door(label, True)  # the pulse opened it; the bus's view agrees before it is shut
    demo.set_door(label, False)  # loaded and shut: the daemon confirms and sends the code
    code = demo.code_sms(DOSSIER)
    kiosk = {"Authorization": f"Bearer {demo.svc.kiosk_token}", "X-Kiosk-Id": "screenshots"}
    picked = _check(
        http.post(f"{demo.url}/api/v1/pickups", json={"code": code}, headers=kiosk, timeout=15), "pickup"
    )
    if picked["door"] != "opened":
        raise ScreenshotError(f"pickup: the door did not open ({picked['door']})")
    verify_url = str(picked["receipt"]["verify_url"])
    token = verify_url.rsplit("/", 1)[1]
    status = _check(http.get(f"{demo.url}/api/v1/receipts/{token}", timeout=15), "receipt lookup")
    if status["status"] != "collected":
        raise ScreenshotError(f"receipt lookup: status {status['status']}, not collected")
    return verify_url


def forge(token: str) -> str:
    """The same token with the last MAC character changed (what a forger or a typo produces)."""
    return token[:-1] + ("A" if token[-1] != "A" else "B")


def capture(browser: Any, verify_url: str, out: Path) -> list[Path]:
    """Screenshot the genuine receipt page, the page for a forged token and the phone page of a late
    dossier into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    base, token = verify_url.rsplit("/", 1)
    page = browser.new_page(viewport=VIEWPORT)
    shots = [out / f"{name}.png" for name in SHOTS]
    try:
        for url, shot, status, marker in (
            (verify_url, shots[0], 200, "Biên nhận hợp lệ"),
            (f"{base}/{forge(token)}", shots[1], 404, "Không xác thực được"),
            (f"{base.rsplit('/', 1)[0]}/dossier/{LATE_DOSSIER}", shots[2], 200, "xin lỗi quý khách"),
        ):
            resp = page.goto(url)
            if resp is None or resp.status != status or marker not in page.inner_text("body"):
                got = resp.status if resp else None
                raise ScreenshotError(f"{url}: expected HTTP {status} with {marker!r}, got {got}")
            page.screenshot(path=str(shot))
    finally:
        page.close()
    return shots


def main(argv: list[str] | None = None) -> int:
    """Start a throw-away locker and Chromium; write the two screenshots into --out."""
    args = screenshot_args("locker.screenshots", __doc__ or "", "locker-*.png", argv)
    if args is None:
        return 2
    from playwright.sync_api import sync_playwright

    from common.config import ConfigError

    try:
        with tempfile.TemporaryDirectory(prefix="locker-shots-") as tmp, running_locker(Path(tmp)) as demo:
            verify_url = deposit_and_collect(demo)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
                try:
                    shots = capture(browser, verify_url, Path(args.out))
                finally:
                    browser.close()
    except (ScreenshotError, ConfigError) as err:
        print(f"locker.screenshots: {err}", file=sys.stderr)
        return 1
    for shot in shots:
        print(shot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
