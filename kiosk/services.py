"""What the app is given: service clients and devices, each possibly missing with a reason.

`open_services(config)` builds the real ones from the configuration. A device or service that
cannot be opened is left as None with a reason, and the screens show their explicit
"printer unavailable" / "camera unavailable" / out-of-service states: never a silent fake.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from typing import Any

from drivers.camera.model import QrScanner
from drivers.printer.model import ReceiptPrinter
from kiosk.clients.queueing import QueueingClient
from kiosk.clients.queueing import from_config as queueing_from_config
from kiosk.config import AppConfig

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything the screens talk to. Tests build one with test doubles from tests/."""

    queueing: QueueingClient | None = None
    locker: Any | None = None  # a kiosk.clients.locker.LockerClient (tests pass doubles of its methods)
    printer: ReceiptPrinter | None = None
    printer_error: str = "printer not configured"
    scanner: QrScanner | None = None
    camera_error: str = "camera not configured"
    closed: bool = False

    def health_targets(self) -> dict[str, Any]:
        """Clients with a `health()` method, by service name, for the health monitor."""
        out: dict[str, Any] = {}
        if self.queueing is not None:
            out["queueing"] = self.queueing
        if self.locker is not None and hasattr(self.locker, "health"):
            out["locker"] = self.locker
        return out

    def close(self) -> None:
        """Release devices and connections, once (later calls do nothing); errors are logged, never
        raised."""
        if self.closed:
            return
        self.closed = True
        for name, obj, method in (
            ("scanner", self.scanner, "stop"),
            ("printer", self.printer, "close"),
            ("queueing", self.queueing, "close"),
            ("locker", self.locker, "close"),
        ):
            if obj is None or not hasattr(obj, method):
                continue
            try:
                getattr(obj, method)()
            except Exception as err:  # noqa: BLE001 - shutting down: log and carry on
                log.warning("closing %s failed: %s", name, err)


def _open_printer(config: AppConfig) -> tuple[Any, str]:
    if not config.kiosk.printer_enabled:
        return None, "printer disabled in [kiosk] printer_enabled"
    section = config.raw.get("printer", {})
    url = section.get("url", "")
    if not url:
        return None, "no [printer] url configured"
    try:
        from common.config import validate

        cfg_mod = importlib.import_module("drivers.printer.config")
        printer_mod = importlib.import_module("drivers.printer.printer")
        cfg = validate(cfg_mod.PrinterConfig, section, "printer")
        # printed times in the center's zone, like the screen's
        return printer_mod.open_from_config(cfg, timezone=config.center.timezone), ""
    except Exception as err:  # noqa: BLE001 - any driver failure means "printer unavailable"
        log.error("printer %s unavailable: %s", url, err)
        return None, f"printer {url}: {err}"


def _open_scanner(config: AppConfig) -> tuple[Any, str]:
    if not config.kiosk.camera_enabled:
        return None, "camera disabled in [kiosk] camera_enabled"
    try:
        cam_config = importlib.import_module("drivers.camera.config")
        scanner_mod = importlib.import_module("drivers.camera.scanner")
        cam_cfg = cam_config.load_camera_config(config.raw)
        return scanner_mod.open_scanner(cam_cfg), ""
    except Exception as err:  # noqa: BLE001 - any driver failure means "camera unavailable"
        log.error("camera unavailable: %s", err)
        return None, f"camera: {err}"


def _open_locker(config: AppConfig) -> Any | None:
    try:
        mod = importlib.import_module("kiosk.clients.locker")
    except ImportError:
        log.info("locker client not installed yet (kiosk.clients.locker)")
        return None
    factory = getattr(mod, "from_config", None)
    if factory is None:
        return None
    try:
        return factory(config)
    except Exception as err:  # noqa: BLE001 - the pickup flow shows out-of-service instead
        log.error("locker client could not be created: %s", err)
        return None


def open_services(config: AppConfig) -> Services:
    """Real clients and devices from the configuration (missing ones carry a reason)."""
    printer, printer_error = _open_printer(config)
    scanner, camera_error = _open_scanner(config)
    return Services(
        queueing=queueing_from_config(config),
        locker=_open_locker(config),
        printer=printer,
        printer_error=printer_error,
        scanner=scanner,
        camera_error=camera_error,
    )
