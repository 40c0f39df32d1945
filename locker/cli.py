"""`lockerctl`: one tool for technicians and administrators, one command line.

Commissioning commands (open, status, probe, watch, set-pulse) talk to the boards directly; their
parsing and running live in drivers.lockboard.cli. Administration commands (staff, audit) work on
the locker data directory and live in locker.admin_cli; backup and restore (both databases and
the key files) live in locker.backup_cli. This module builds the one parser that
holds both, so `lockerctl --help` lists every command, and runs whichever was named.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence

from common.cli_exit import EXIT_USAGE
from drivers.lockboard import cli as commissioning
from drivers.lockboard import cli_args
from locker import admin_cli, backup_cli

EPILOG = """\
commissioning (stop the locker daemon first: the port is opened exclusively):
  lockerctl open BOARD LOCK --port URL --protocol P [--watch-s S] [--json]
  lockerctl status BOARD --port URL --protocol P [--json]
  lockerctl probe --port URL --protocol P [--first A] [--last B] [--broadcast]
  lockerctl watch --port URL --protocol P [--boards A,B] [--duration-s S] [--json]
  lockerctl set-pulse BOARD MS --port URL --protocol kerong-cu16
  line options: --port --protocol --baud --closed-bit --locks --timeout-ms --adapter-echo -v
  (see `lockerctl open --help`); they may also come before the command.

administration (works on the locker data directory; safe while the daemon runs):
  lockerctl staff add STAFF_ID --role loader|supervisor --pin-stdin [--qr]   (PIN on stdin)
  lockerctl staff list | disable STAFF_ID | enable STAFF_ID
  lockerctl staff reenrol STAFF_ID [--qr]
  lockerctl staff reset-key --yes
  lockerctl audit verify
  lockerctl audit export (--deposit-id ID | --day YYYY-MM-DD) [--out FILE]
  lockerctl backup [DIR] [--keep-days N] [--no-keys]   (both databases + key files; [backup])
  lockerctl restore BACKUP [--yes]                     (services stopped; old files kept aside)
  --config FILE and --data-dir DIR may come before or after the command words.

exit codes: 0 done, 1 not confirmed or failed, 2 wrong usage, 3 port unusable.
"""


def build_parser() -> argparse.ArgumentParser:
    """Every `lockerctl` command in one parser."""
    p = cli_args.UsageParser(
        prog="lockerctl",
        description="Commission lock boards and administer the locker (staff accounts, audit log).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    admin_cli.add_global_options(p)
    cli_args.add_line_options(p, show=False)
    sub = p.add_subparsers(
        dest="command",
        required=True,
        metavar="COMMAND",
        title="commands",
        parser_class=cli_args.UsageParser,
    )
    cli_args.add_commands(sub)
    admin_cli.add_commands(sub)
    backup_cli.add_commands(sub)
    return p


def main(argv: Sequence[str] | None = None, *, stop: threading.Event | None = None) -> int:
    """Parse one `lockerctl` command line and run it; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
        if args.command in cli_args.COMMANDS:
            cli_args.line_defaults(args, parser)
        else:
            given = [f"--{n.replace('_', '-')}" for n in cli_args.LINE_DEFAULTS if hasattr(args, n)]
            if given:
                parser.error(f"{', '.join(given)}: only for {', '.join(cli_args.COMMANDS)}")
    except SystemExit as done:  # --help, or a usage error already printed as one line
        return done.code if isinstance(done.code, int) else EXIT_USAGE
    if args.command in cli_args.COMMANDS:
        return commissioning.run(args, stop=stop)
    if args.command in backup_cli.COMMANDS:
        return backup_cli.run(args)
    args.group = args.command
    return admin_cli.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
