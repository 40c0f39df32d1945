"""The doctor's device checks: serial ports, lock boards, printer, camera, the province hub.

Each device is opened through the same driver and config the services use. The lock boards are
asked through the running locker daemon when it answers (it holds the ports exclusively),
otherwise directly, one status read per configured board.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from doctor.checks import Site
from doctor.report import Result, fail, ok, skip, warn

SERIAL_ADVICE = (
    "plug in the USB-RS485 adapter, check the path (ls -l /dev/serial/by-id/) and that this user is "
    "in the dialout group"
)


def _is_device_path(url: str) -> bool:
    return "://" not in url


def check_serial_ports(site: Site) -> list[Result]:
    """Every real bus's port exists and this user may read and write it."""
    if site.locker is None:
        return [skip("serial ports", "[locker] did not validate")]
    out: list[Result] = []
    for entry in site.locker.buses:
        url = str((entry.model_extra or {}).get("url", ""))
        name = f"serial port {entry.name}"
        if entry.simulate:
            found = "simulated lock boards (simulate = true)"
            out.append(warn(name, found, "set simulate = false") if site.site else ok(name, found))
        elif not _is_device_path(url):
            out.append(ok(name, f"{url.split('://')[0]}:// bridge (reached by the board check)"))
        elif not os.path.exists(url):
            out.append(fail(name, f"{url} does not exist", SERIAL_ADVICE))
        elif not os.access(url, os.R_OK | os.W_OK):
            out.append(fail(name, f"{url}: no read/write permission for this user", SERIAL_ADVICE))
        else:
            out.append(ok(name, f"{url} present, readable and writable"))
    return out


def _daemon_health(site: Site, get: Callable[..., Any]) -> dict[str, Any] | None:
    """The running locker daemon's health answer, or None when it does not answer."""
    if site.app is None:
        return None
    url = site.app.kiosk.locker_url.rstrip("/") + "/api/v1/health"
    try:
        answer = get(url, timeout=2.0, verify=site.app.kiosk.ca_bundle() or True)
        body = answer.json()
    except Exception:  # noqa: BLE001 - any failure means "not running here"
        return None
    return body if isinstance(body, dict) and "buses" in body else None


def _boards_of(site: Site, bus: str) -> list[int]:
    return sorted({c.board for c in site.locker.compartments if c.bus == bus and not c.disabled})


def check_lock_boards(site: Site, get: Callable[..., Any] | None = None) -> list[Result]:
    """Each configured board answers a status read."""
    if site.locker is None:
        return [skip("lock boards", "[locker] did not validate")]
    if get is None:
        import requests

        get = requests.get
    health = _daemon_health(site, get)
    if health is not None:
        return _boards_from_daemon(health)
    return _boards_directly(site)


def _boards_from_daemon(health: dict[str, Any]) -> list[Result]:
    out = []
    for bus in health.get("buses", []):
        name = bus.get("bus", "?")
        if not bus.get("connected"):
            out.append(fail(f"lock bus {name}", "the locker daemon cannot open its port", SERIAL_ADVICE))
            continue
        for board, state in sorted((bus.get("boards") or {}).items()):
            check = f"lock board {name}/{board}"
            if state == "ok":
                out.append(ok(check, "answers (asked through the running locker daemon)"))
            else:
                todo = "check the board's power, address and RS485 wiring"
                out.append(fail(check, f"{state} (locker daemon)", todo))
    return out


def _boards_directly(site: Site) -> list[Result]:
    from drivers.lockboard.types import LockBoardError
    from locker.daemon import close_buses, open_buses

    out: list[Result] = []
    cfg = site.locker
    for entry in cfg.buses:
        url = str((entry.model_extra or {}).get("url", ""))
        if not entry.simulate and _is_device_path(url) and not os.path.exists(url):
            out.append(skip(f"lock bus {entry.name}", "no port (see the serial port line)"))
            continue
        one = cfg.model_copy(update={"buses": [entry]})
        try:
            buses, sims = open_buses(one)
        except (LockBoardError, OSError) as err:
            out.append(fail(f"lock bus {entry.name}", f"cannot open {url}: {err}", SERIAL_ADVICE))
            continue
        try:
            bus = buses[entry.name]
            if not bus.health().get("connected"):
                out.append(
                    fail(
                        f"lock bus {entry.name}", f"cannot open {url} (in use by the daemon?)", SERIAL_ADVICE
                    )
                )
                continue
            for board in _boards_of(site, entry.name):
                check = f"lock board {entry.name}/{board}"
                try:
                    status = bus.read_board(board)
                except LockBoardError as err:
                    out.append(fail(check, str(err), "check the board's power, address switch and wiring"))
                else:
                    out.append(ok(check, f"answers, {len(status.doors)} doors"))
        finally:
            close_buses(buses, sims)
    return out


def check_printer(site: Site) -> list[Result]:
    """The printer answers a status request with paper in."""
    if site.app is not None and not site.app.kiosk.printer_enabled:
        return [skip("printer", "[kiosk] printer_enabled = false")]
    if site.printer is None:
        return [skip("printer", "[printer] did not validate")]
    from drivers.printer.model import PrintError, PrinterState
    from drivers.printer.printer import open_from_config

    url = site.printer.url
    try:
        printer = open_from_config(site.printer, timezone=site.app.center.timezone if site.app else None)
    except PrintError as err:
        return [fail("printer", str(err), "fix [printer] url")]
    try:
        report = printer.status_report()
    finally:
        printer.close()
    simulated = url.startswith(("png://", "dummy://"))
    where = f"{url}: {report}"
    if report.state is PrinterState.READY:
        if simulated and site.site:
            return [warn("printer", where + ", a simulator", "set [printer] url to the real printer")]
        return [ok("printer", where)]
    if report.state is PrinterState.PAPER_NEAR_END:
        return [warn("printer", where, report.advice)]
    return [fail("printer", where, report.advice)]


def check_camera(site: Site) -> list[Result]:
    """The camera opens and gives a frame."""
    if site.app is not None and not site.app.kiosk.camera_enabled:
        return [skip("camera", "[kiosk] camera_enabled = false")]
    if site.camera is None:
        return [skip("camera", "[camera] did not validate")]
    from drivers.camera.sources import CameraError, make_source

    source = make_source(site.camera)
    try:
        source.open()
        frame = source.read()
    except CameraError as err:
        return [fail("camera", str(err), "plug the camera in or fix [camera] source")]
    finally:
        source.close()
    found = f"{site.camera.source}: frame {frame.shape[1]}x{frame.shape[0]}"
    if site.camera.source.startswith(("folder:", "video:")) and site.site:
        return [warn("camera", found + ", a simulator", "set [camera] source to the real camera")]
    return [ok("camera", found)]


def hub_url(raw: dict[str, Any]) -> str:
    """The province hub's base URL from `[hub] url` (the uplink's setting), or ""."""
    hub = raw.get("hub")
    if not isinstance(hub, dict):
        return ""
    return str(hub.get("url") or "").rstrip("/")


def check_hub(site: Site, get: Callable[..., Any] | None = None) -> list[Result]:
    """The province hub answers over HTTP(S) when one is configured."""
    url = hub_url(site.raw)
    if not url:
        return [skip("hub", "no [hub] url configured (the center works alone)")]
    if get is None:
        import requests

        get = requests.get
    try:
        answer = get(f"{url}/api/v1/health", timeout=5.0)
    except Exception as err:  # noqa: BLE001 - any failure is "not reachable", named
        found = f"{url} not reachable ({type(err).__name__})"
        return [warn("hub", found, "check the network; events wait meanwhile")]
    if answer.status_code != 200:
        found = f"{url}/api/v1/health answers HTTP {answer.status_code}"
        return [warn("hub", found, "ask the province's IT team; events wait meanwhile")]
    return [ok("hub", f"{url} answers")]
