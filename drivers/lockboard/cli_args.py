"""The command line of the commissioning commands (`lockerctl open|status|probe|watch|set-pulse`):
the parser, the line options that may come before or after the command, and the exit code of a
port that cannot be used (the others are common.cli_exit's).
`drivers.lockboard.cli` runs the commands; `locker.cli` puts them on `lockerctl`'s one parser.
"""

from __future__ import annotations

import argparse

from common.cli_exit import EXIT_USAGE, fail
from drivers.lockboard.types import Protocol_

#: Beyond common.cli_exit's 0 done, 1 not confirmed, 2 wrong usage: the port cannot be used.
EXIT_PORT = 3
PROGRAM = "lockerctl"


class UsageParser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit code 2 (no usage dump)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise SystemExit(fail(PROGRAM, f"{message} (see {self.prog} --help)", EXIT_USAGE))


COMMANDS = ("open", "status", "probe", "watch", "set-pulse")
# The line options may come before the command (`lockerctl --port URL --protocol P open 1 3`) or
# after it. Both places store into the same names with no default of their own, so neither
# overwrites the other; `line_defaults` fills in what was not given.
LINE_DEFAULTS: dict[str, object] = {
    "port": None,
    "protocol": None,
    "baud": 0,
    "closed_bit": 1,
    "locks": 0,
    "timeout_ms": 0,
    "adapter_echo": False,
    "verbose": 0,
    "wire_log": None,
}


def add_line_options(p: argparse.ArgumentParser, *, show: bool = True) -> None:
    """--port, --protocol and the line settings; `show=False` keeps them out of the help text."""

    def h(text: str) -> str:
        return text if show else argparse.SUPPRESS

    g = p.add_argument_group("lock-board line") if show else p
    quiet = argparse.SUPPRESS
    g.add_argument(
        "--port",
        metavar="URL",
        default=quiet,
        help=h("required: /dev/ttyUSB0, /dev/serial/by-id/..., socket://h:p"),
    )
    g.add_argument(
        "--protocol",
        choices=[x.value for x in Protocol_],
        default=quiet,
        help=h("required: the boards' protocol"),
    )
    g.add_argument("--baud", type=int, default=quiet, help=h("line speed (default: the protocol's)"))
    g.add_argument(
        "--closed-bit",
        type=int,
        choices=[0, 1],
        default=quiet,
        help=h("sensor bit meaning 'closed' (default 1)"),
    )
    g.add_argument("--locks", type=int, default=quiet, help=h("locks per board (default: the protocol's)"))
    g.add_argument("--timeout-ms", type=int, default=quiet, help=h("reply timeout (default: the protocol's)"))
    g.add_argument(
        "--adapter-echo", action="store_true", default=quiet, help=h("the RS485 adapter echoes what is sent")
    )
    g.add_argument("-v", "--verbose", action="count", default=quiet, help=h("-v log, -vv also wire bytes"))
    g.add_argument(
        "--wire-log",
        metavar="FILE",
        default=quiet,
        help=h("also write every frame sent and received to FILE (rotating, 5 MB x 3)"),
    )


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The commissioning subcommands, each with the line options, on `sub`."""
    o = sub.add_parser("open", help="pulse one lock once (commissioning)")
    o.add_argument("board", type=int, help="address set on the board's DIP switch")
    o.add_argument("lock", type=int, help="number labelled on the door (1-based)")
    o.add_argument("--watch-s", type=float, default=3.0, help="how long to watch the door sensor")
    o.add_argument("--json", action="store_true", help="one JSON object: board, lock, ack, outcome, ok")
    s = sub.add_parser("status", help="door (and item) state of one board")
    s.add_argument("board", type=int)
    s.add_argument("--json", action="store_true", help='one JSON object: {"board": B, "doors": {...}}')
    pr = sub.add_parser("probe", help="find the boards that answer on the line")
    pr.add_argument("--first", type=int, default=None)
    pr.add_argument("--last", type=int, default=None)
    pr.add_argument("--broadcast", action="store_true", help="Kerong: one 0x32 to every board at once")
    w = sub.add_parser("watch", help="live door events until Ctrl-C")
    w.add_argument("--boards", default="", help="comma-separated addresses (default: the protocol's first)")
    w.add_argument("--duration-s", type=float, default=None, help="stop after S seconds (for scripts)")
    w.add_argument("--json", action="store_true", help="events as JSON lines (no initial state)")
    sp = sub.add_parser("set-pulse", help="Kerong: set a board's unlock pulse time")
    sp.add_argument("board", type=int)
    sp.add_argument("ms", type=int, help="pulse length in ms, 10..60000 in steps of 10")
    for cmd in (o, s, pr, w, sp):
        add_line_options(cmd)


def line_defaults(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Fill in the line options not given; a missing --port or --protocol is a usage error."""
    for name, value in LINE_DEFAULTS.items():
        if not hasattr(args, name):
            setattr(args, name, value)
    missing = [f"--{n}" for n in ("port", "protocol") if getattr(args, n) is None]
    if missing:
        what = " and ".join(missing)
        see = f"{parser.prog} {args.command} --help"
        raise SystemExit(fail(PROGRAM, f"{args.command} needs {what} (see {see})"))


def build_parser() -> argparse.ArgumentParser:
    """The commissioning command line alone (`python -m drivers.lockboard.cli`)."""
    p = UsageParser(
        prog="lockerctl", description="Commission lock boards: open, status, probe, watch, set-pulse."
    )
    add_line_options(p, show=False)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=UsageParser)
    add_commands(sub)
    return p
