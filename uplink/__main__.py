"""`python -m uplink [--config FILE]`: send this center's outbox events to the province hub."""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any

from common.cli_exit import fail
from common.config import ConfigError
from common.logsetup import setup_logging


def main(argv: list[str] | None = None) -> int:
    """Run until SIGTERM or Ctrl-C."""
    p = argparse.ArgumentParser(prog="python -m uplink", description="Send this center's events to the hub")
    p.add_argument("--config", help="site TOML merged over config/default.toml (or $KIOSK_CONFIG)")
    p.add_argument("--log-level", default="INFO")
    args = p.parse_args(argv)
    setup_logging(args.log_level)
    from uplink.config import load_setup
    from uplink.sender import Uplink

    try:
        setup = load_setup(args.config)
    except ConfigError as err:
        return fail("uplink", err)
    stop = threading.Event()

    def on_signal(*_a: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    Uplink(setup).run(stop)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
