"""`python -m doctor [--config FILE]` (also `kiosk-doctor`): check a site before citizens arrive.

One line per check: `[ OK ]`, `[WARN]`, `[FAIL]` or `[SKIP]`, what was found and, when something
is wrong, what to do. Exit code 0 when nothing failed, 1 when something did, 2 on wrong usage.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

from doctor import checks, devices
from doctor.report import Result, exit_code


def run_all(
    config: str | None, *, get: Callable[..., Any] | None = None, run: checks.Runner = checks.run_command
) -> list[Result]:
    """Every check, in the order an installer fixes things (`get`: HTTP GET, `run`: system commands;
    tests swap them)."""
    site, results = checks.load_site(config)
    if not site.raw:
        return results
    results += checks.check_public_urls(site)
    results += checks.check_demo_accounts(site)
    results += checks.check_tls(site)
    results += checks.check_kiosk_urls(site)
    results += devices.check_serial_ports(site)
    results += devices.check_lock_boards(site, get)
    results += devices.check_printer(site)
    results += devices.check_camera(site)
    results += checks.check_disk(site)
    results += checks.check_clock(run)
    results += devices.check_hub(site, get)
    return results


def main(
    argv: Sequence[str] | None = None,
    *,
    get: Callable[..., Any] | None = None,
    run: checks.Runner = checks.run_command,
) -> int:
    """Run every check and print one line each; returns the exit code."""
    p = argparse.ArgumentParser(
        prog="python -m doctor",
        description="Check a center's site before opening (config, devices, disk, clock).",
    )
    p.add_argument("--config", help="site TOML merged over config/default.toml (or $KIOSK_CONFIG)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.CRITICAL + 1)  # drivers' own logs would interleave the report
    results = run_all(args.config, get=get, run=run)
    for result in results:
        print(result.line())
    failed = sum(1 for r in results if r.level.value == "fail")
    print(f"{len(results)} checks, {failed} failed" + ("" if failed else ": ready to open"))
    return exit_code(results)


if __name__ == "__main__":
    sys.exit(main())
