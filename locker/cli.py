"""`lockerctl`: one tool for technicians and administrators.

Commissioning commands (open, status, probe, watch, set-pulse) talk to the boards directly and live in
drivers.lockboard.cli; administration commands (staff, audit, ...) work on the locker data
directory and live in locker.admin_cli.
"""

from __future__ import annotations

import sys

COMMISSIONING = {"open", "status", "probe", "watch", "set-pulse"}


def _is_commissioning(args: list[str]) -> bool:
    """Commissioning talks to a port: `--port` anywhere, or a first bare word naming its command."""
    if any(a == "--port" or a.startswith("--port=") for a in args):
        return True
    words = [a for a in args if not a.startswith("-")]
    return bool(words) and words[0] in COMMISSIONING


def main(argv: list[str] | None = None) -> int:
    """Dispatch to the commissioning or the administration command set."""
    args = list(sys.argv[1:] if argv is None else argv)
    if _is_commissioning(args):
        from drivers.lockboard.cli import main as commissioning_main

        return commissioning_main(args)
    from locker.admin_cli import main as admin_main

    return admin_main(args)


if __name__ == "__main__":
    raise SystemExit(main())
