"""The kiosk's own devices (printer, camera) watched on a timer and reported to staff.

Every `[kiosk] device_poll_s` the printer is asked its status (DLE EOT: a refill is seen at the
next poll, not at the next ticket) and the camera's state is read. A state that differs from
what the locker daemon last accepted is sent to it (`LockerClient.report_device`): `paper_out`,
`cover_open`, `offline` or `missing` become an alarm in the staff's alarm list, `ok` clears it.
A report that does not get through is sent again at the next poll. The app shows a small mark on
home while a device is not ok.

The screen is reported the same way (`set_screen`, called by the app on every screen change):
`out_of_service` with the services it waits for as detail, `in_service` when it serves citizens
again; a change is sent at once, not at the next poll. It is not a device problem on home's mark.
A kiosk out of service because the locker is down cannot report it (the hub sees the locker down).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from contracts.locker import Device, DeviceState
from drivers.camera.model import CameraState
from drivers.printer.model import PrinterState
from kiosk.clients.base import ServiceError
from kiosk.health import Submitter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reading:
    """One device's state now, with the reason in words (for staff and the log)."""

    device: Device
    state: DeviceState
    detail: str = ""


_PRINTER_STATES = {
    PrinterState.READY: DeviceState.OK,
    PrinterState.PAPER_NEAR_END: DeviceState.OK,  # still prints; the detail says so
    PrinterState.PAPER_OUT: DeviceState.PAPER_OUT,
    PrinterState.COVER_OPEN: DeviceState.COVER_OPEN,
    PrinterState.OFFLINE: DeviceState.OFFLINE,
}


def read_printer(printer: Any, enabled: bool, open_error: str) -> Reading | None:
    """The printer's state (blocking: asks the device). None when the kiosk has no printer on purpose."""
    if printer is None:
        if not enabled:
            return None
        return Reading(Device.PRINTER, DeviceState.OFFLINE, open_error or "printer could not be opened")
    report = printer.status_report()
    state = _PRINTER_STATES.get(report.state, DeviceState.OFFLINE)
    detail = f"{report.state.value}: {report.detail}" if report.detail else report.state.value
    return Reading(Device.PRINTER, state, detail)


def read_camera(scanner: Any, enabled: bool, open_error: str, last: Reading | None) -> Reading | None:
    """The camera's state from the scanner; a stopped scanner says nothing new (`last` stands)."""
    if scanner is None:
        if not enabled:
            return None
        return Reading(Device.CAMERA, DeviceState.MISSING, open_error or "camera could not be opened")
    state = scanner.state
    if state == CameraState.UNAVAILABLE:
        return Reading(Device.CAMERA, DeviceState.MISSING, "the camera device is gone (being reopened)")
    if state == CameraState.NO_SIGNAL:
        return Reading(Device.CAMERA, DeviceState.OFFLINE, "no picture (black or frozen frames)")
    if state == CameraState.RUNNING:
        return Reading(Device.CAMERA, DeviceState.OK, "running")
    return last or Reading(Device.CAMERA, DeviceState.OK, "not in use")


class DeviceWatch:
    """Polls the devices in a worker, reports changes to the locker, tells the UI what is wrong.

    `on_change(readings)` runs on the UI thread with every device's current reading whenever one
    of them changed; `problems()` is what the home mark shows.
    """

    def __init__(
        self,
        services: Any,
        worker: Submitter,
        on_change: Callable[[dict[str, Reading]], None],
        printer_enabled: bool = True,
        camera_enabled: bool = True,
    ) -> None:
        self._services = services
        self._worker = worker
        self._on_change = on_change
        self._printer_enabled = printer_enabled
        self._camera_enabled = camera_enabled
        self.current: dict[str, Reading] = {}
        self._reported: dict[str, DeviceState] = {}  # what the locker accepted (worker only)
        self._in_flight = False
        self.screen: Reading | None = None  # the screen's state, once the app has set it
        self._again = False  # the screen changed during a poll: poll again when it ends

    def set_screen(self, out_of_service: bool, reason: str = "") -> None:
        """The screen is out of service (`reason`: the services down) or serving (UI thread);
        a change is reported at once."""
        state = DeviceState.OUT_OF_SERVICE if out_of_service else DeviceState.IN_SERVICE
        if self.screen is not None and self.screen.state is state:
            return
        self.screen = Reading(Device.SCREEN, state, reason if out_of_service else "")
        if self._in_flight:
            self._again = True
        else:
            self.poll()

    def problems(self) -> list[Reading]:
        """Devices that are not ok, printer first."""
        return [r for r in self.current.values() if r.state is not DeviceState.OK]

    def poll(self) -> None:
        """Read every device and report what changed (in a worker; skipped while one runs)."""
        if self._in_flight:
            return
        self._in_flight = True
        last_camera = self.current.get(Device.CAMERA)
        screen = self.screen
        self._worker.submit(lambda: self._read_and_report(last_camera, screen), self._done, self._failed)

    def _read_and_report(self, last_camera: Reading | None, screen: Reading | None) -> dict[str, Reading]:
        s = self._services
        readings: dict[str, Reading] = {}
        for reading in (
            read_printer(s.printer, self._printer_enabled, s.printer_error),
            read_camera(s.scanner, self._camera_enabled, s.camera_error, last_camera),
        ):
            if reading is not None:
                readings[reading.device] = reading
        locker = s.locker
        for r in [*readings.values(), *([screen] if screen else [])]:
            if self._reported.get(r.device) is r.state or locker is None:
                continue
            try:
                locker.report_device(r.device, r.state.value, r.detail)
            except ServiceError as err:
                log.info(
                    "%s %s not reported to the locker yet (%s); again at the next poll",
                    r.device,
                    r.state.value,
                    err,
                )
                continue
            self._reported[r.device] = r.state
        return readings

    def _done(self, readings: dict[str, Reading]) -> None:
        self._in_flight = False
        changed = False
        for name, r in readings.items():
            old = self.current.get(name)
            if old is None or old.state is not r.state:
                changed = True
                level = logging.INFO if r.state is DeviceState.OK else logging.WARNING
                log.log(
                    level,
                    "%s: %s -> %s (%s)",
                    name,
                    old.state.value if old else "unknown",
                    r.state.value,
                    r.detail,
                )
        self.current = readings
        if changed:
            self._on_change(dict(readings))
        self._poll_again()

    def _failed(self, err: BaseException) -> None:
        self._in_flight = False
        self._poll_again()
        log.error("device check failed: %s", err, exc_info=err)

    def _poll_again(self) -> None:
        if self._again:
            self._again = False
            self.poll()
