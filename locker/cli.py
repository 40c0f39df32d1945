"""`lockerctl`: one tool for technicians and administrators.

Commissioning commands (open, status, probe, watch) talk to the boards directly and live in
drivers.lockboard.cli; administration commands (staff, audit, ...) work on the locker data
directory and live in locker.admin_cli.
"""

from __future__ import annotations

import sys

COMMISSIONING = {"open", "status", "probe", "watch"}


def main(argv: list[str] | None = None) -> int:
    """Dispatch to the commissioning or the administration command set."""
    args = list(sys.argv[1:] if argv is None else argv)
    words = [a for a in args if not a.startswith("-")]
    # The first bare word that is a known command decides; flag values never match these names.
    if any(w in COMMISSIONING for w in words[:4]) and not (words and words[0] in {"staff", "audit"}):
        from drivers.lockboard.cli import main as commissioning_main

        return commissioning_main(args)
    from locker.admin_cli import main as admin_main

    return admin_main(args)


if __name__ == "__main__":
    raise SystemExit(main())
