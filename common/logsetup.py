"""Logging set-up shared by the daemons and the kiosk. Wire traffic has its own logger."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

WIRE_LOGGER = "wire"


def setup_logging(level: str = "INFO", log_file: Path | None = None, wire_file: Path | None = None) -> None:
    """Console (and optional rotating file) logging; the wire logger goes only to its own file."""
    root = logging.getLogger()
    root.setLevel(level.upper())
    fmt = logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    if not any(isinstance(h, logging.StreamHandler) for h in root.handlers):
        console = logging.StreamHandler()
        console.setFormatter(fmt)
        root.addHandler(console)
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        fh = logging.handlers.RotatingFileHandler(log_file, maxBytes=5_000_000, backupCount=5)
        fh.setFormatter(fmt)
        root.addHandler(fh)
    logging.getLogger(WIRE_LOGGER).propagate = False
    if wire_file is not None:
        add_wire_file(wire_file)


def add_wire_file(wire_file: Path) -> None:
    """Every frame sent and received (the `wire` logger, DEBUG) also goes to a rotating file.

    The wire logger never propagates to the main log: it is verbose and is for a technician
    reading the RS485 traffic (`[locker] wire_log_file`, `lockerctl --wire-log FILE`).
    """
    wire = logging.getLogger(WIRE_LOGGER)
    wire.propagate = False
    wire_file.parent.mkdir(parents=True, exist_ok=True)
    wh = logging.handlers.RotatingFileHandler(wire_file, maxBytes=5_000_000, backupCount=3)
    wh.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    wire.addHandler(wh)
    wire.setLevel(logging.DEBUG)
