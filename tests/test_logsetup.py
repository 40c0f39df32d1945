"""The RS485 wire log: its own rotating file, never in the main log (issue 13 item 12)."""

from __future__ import annotations

import logging
from pathlib import Path

from common.logsetup import WIRE_LOGGER, setup_logging
from locker.config import LockerConfig


def test_wire_frames_go_to_their_own_file(tmp_path: Path) -> None:
    wire = logging.getLogger(WIRE_LOGGER)
    before = list(wire.handlers)
    main_log, wire_log = tmp_path / "locker.log", tmp_path / "wire" / "wire.log"
    try:
        setup_logging("INFO", log_file=main_log, wire_file=wire_log)
        wire.debug("TX 02 00 31 03 36")
        logging.getLogger("locker.test").info("a pickup")
        for h in [*logging.getLogger().handlers, *wire.handlers]:
            h.flush()
        assert "TX 02 00 31 03 36" in wire_log.read_text()
        assert "TX 02" not in main_log.read_text() and "a pickup" in main_log.read_text()
    finally:
        for h in [*wire.handlers]:
            if h not in before:
                wire.removeHandler(h)
                h.close()
        root = logging.getLogger()
        for h in list(root.handlers):
            if getattr(h, "baseFilename", None) == str(main_log):
                root.removeHandler(h)
                h.close()


def test_wire_log_is_off_by_default_and_configurable() -> None:
    assert LockerConfig().wire_log_file == ""
    assert LockerConfig(wire_log_file="var/log/wire.log").wire_log_file == "var/log/wire.log"
