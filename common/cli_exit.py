"""How the command lines end on an error: one line on stderr, `PROGRAM: what to do`, no
traceback, and an exit status that says which kind of error it was (the same in every program, so a
script or a systemd unit can tell "refused" from "could not run")."""

from __future__ import annotations

import sys

#: Done.
EXIT_OK = 0
#: The command ran and was refused or failed (unknown account, no such counter, no answer).
EXIT_FAILED = 1
#: The command could not run as given: usage, config, a database or file it cannot use.
EXIT_USAGE = 2


def fail(program: str, error: object, status: int = EXIT_USAGE) -> int:
    """Say `program: error` on stderr; the exit status `status`, to return from `main`."""
    print(f"{program}: {error}", file=sys.stderr)
    return status
