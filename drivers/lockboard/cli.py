"""Commissioning commands of `lockerctl`: open, status, probe, watch, set-pulse (boards directly).

    lockerctl COMMAND ... --port URL --protocol kerong-cu16|bu-8a|modbus-relay [--baud N]
              [--closed-bit 0|1] [--locks N] [--timeout-ms N] [--adapter-echo] [-v]
      open BOARD LOCK [--watch-s S] [--json]   pulse one lock once; exit 0 if acknowledged or seen open
      status BOARD [--json]           door (and item) state of one board
      probe [--first A] [--last B] [--broadcast]   find the boards that answer on this line
      watch [--boards A,B] [--duration-s S] [--json]   live door events until Ctrl-C
      set-pulse BOARD MS              Kerong only: set the board's unlock pulse (10..60000 ms, 10 ms steps)

The line options (--port, --protocol, ...) may also come before COMMAND, as older scripts wrote
them. The parser is `drivers.lockboard.cli_args` (`locker.cli` puts the same subcommands on
`lockerctl`'s one parser); this module's own `main` is the same commands alone
(`python -m drivers.lockboard.cli`).

BOARD is the address set on the board's DIP switch, LOCK the number labelled on the door
(1-based). `probe --broadcast` (Kerong) asks every board at once with one 0x32 instead of
one address after another. `set-pulse` sends one 0x37; its answer's format is not confirmed
by a vendor document (see drivers.lockboard.kerong_admin), so exit 1 means "not confirmed",
not "not applied". Exit codes: 0 done, 1 the board did not confirm (no reply, jammed, none found),
2 wrong usage, 3 the port cannot be used (missing device, permission, in use). Errors are one
line on stderr, never a traceback. Stop the locker daemon first: the port is opened exclusively.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from common.cli_exit import EXIT_FAILED, EXIT_OK, EXIT_USAGE, fail
from common.logsetup import WIRE_LOGGER, add_wire_file
from drivers.lockboard.bus import SerialLockBus
from drivers.lockboard.cli_args import EXIT_PORT, PROGRAM, build_parser, line_defaults
from drivers.lockboard.codec import codec_for
from drivers.lockboard.config import BusConfig
from drivers.lockboard.kerong_admin import check_pulse_ms, read_all_boards, set_pulse
from drivers.lockboard.transactions import to_status
from drivers.lockboard.types import (
    DOOR_SEEN_OPEN,
    BoardStatus,
    BoardTimeout,
    BusUnavailable,
    DoorEvent,
    DoorOutcome,
    DoorState,
    LockBoardError,
    Protocol_,
    UnlockAck,
)

_NO_POLL_MS = 3_600_000  # one-shot commands read on demand only
PROBE_LAST = {Protocol_.KERONG_CU16: 15, Protocol_.BU_8A: 64, Protocol_.MODBUS_RELAY: 32}


def _config(args: argparse.Namespace, boards: list[int], poll_ms: int) -> BusConfig:
    return BusConfig(
        name="rs485",
        url=args.port,
        protocol=Protocol_(args.protocol),
        baud=args.baud,
        closed_bit=args.closed_bit,
        boards=boards,
        locks_per_board=args.locks,
        reply_timeout_ms=args.timeout_ms,
        poll_interval_ms=poll_ms,
        adapter_echo=args.adapter_echo,
    )


def _doors_text(status: BoardStatus) -> str:
    parts = []
    for lock, state in sorted(status.doors.items()):
        item = " +item" if status.items.get(lock) else ""
        parts.append(f"{lock}:{state.value}{item}")
    return " ".join(parts)


def cmd_open(bus: SerialLockBus, args: argparse.Namespace) -> int:
    """Pulse once and report ack and door outcome."""
    r = bus.open_door(args.board, args.lock, watch_s=args.watch_s)
    where = f"board {args.board} lock {args.lock}"
    if r.pulse_sent_at is None:
        return fail(PROGRAM, f"{where}: unlock not sent, the port is down", EXIT_PORT)
    acks = {
        UnlockAck.ACKED: "board acknowledged",
        UnlockAck.NO_ACK_EXPECTED: "board does not acknowledge unlocks",
        UnlockAck.NO_REPLY: "no reply from the board (not re-sent)",
    }
    doors = {
        DoorOutcome.OPENED: "door opened",
        DoorOutcome.ALREADY_OPEN: "door was already open",
        DoorOutcome.JAMMED: "door still shut (jammed, or wrong lock/board?)",
        DoorOutcome.UNKNOWN: "door state unknown (no sensor reply)",
    }
    ok = r.ack is UnlockAck.ACKED or r.outcome in DOOR_SEEN_OPEN
    line = f"{where}: {doors[r.outcome]}; {acks[r.ack]}"
    if args.json:
        out = {"board": r.board, "lock": r.lock, "ack": r.ack.value, "outcome": r.outcome.value, "ok": ok}
        print(json.dumps(out))
    if not ok:
        return fail(PROGRAM, line, EXIT_FAILED)
    if not args.json:
        print(line)
    return EXIT_OK


def cmd_status(bus: SerialLockBus, args: argparse.Namespace) -> int:
    """Read one board; JSON or one text line."""
    try:
        status = bus.read_board(args.board)
    except LockBoardError as err:
        if isinstance(err, BusUnavailable):
            raise
        if args.json:
            unknown = {str(n): DoorState.UNKNOWN.value for n in range(1, bus.config.locks_per_board + 1)}
            print(json.dumps({"board": args.board, "doors": unknown}))
        return fail(PROGRAM, err, EXIT_FAILED)
    if args.json:
        out: dict[str, object] = {
            "board": status.board,
            "doors": {str(n): s.value for n, s in sorted(status.doors.items())},
        }
        if status.items:
            out["items"] = {str(n): present for n, present in sorted(status.items.items())}
        print(json.dumps(out))
    else:
        print(f"board {status.board}: {_doors_text(status)}")
    return EXIT_OK


def raw_time() -> datetime:
    """Wall-clock time for a one-shot reading."""
    return datetime.now(UTC)


def _kerong_only(bus: SerialLockBus, what: str) -> bool:
    if bus.config.protocol is Protocol_.KERONG_CU16:
        return True
    fail(
        PROGRAM,
        f"{what} is a Kerong KR-CU16 command; {bus.config.protocol.value} boards have none "
        "(8A/BU: the pulse is set on the board; Modbus: pulse_ms in the bus config)",
        EXIT_USAGE,
    )
    return False


def cmd_probe_broadcast(bus: SerialLockBus) -> int:
    """Kerong 0x32: every board answers at once; list them."""
    if not _kerong_only(bus, "probe --broadcast"):
        return EXIT_USAGE
    raws = bus.transact(lambda link: read_all_boards(link, bus.config))
    for raw in raws:
        states = list(to_status(raw, bus.config, raw_time()).doors.values())
        print(
            f"board {raw.board}: answers ({states.count(DoorState.CLOSED)} closed, "
            f"{states.count(DoorState.OPEN)} open of {len(states)})"
        )
    if not raws:
        c = bus.config
        return fail(PROGRAM, f"no board answered 0x32 on {c.url} at {c.baud} baud", EXIT_FAILED)
    return EXIT_OK


def cmd_set_pulse(bus: SerialLockBus, args: argparse.Namespace) -> int:
    """Kerong 0x37 once; exit 0 only when the board answered with 0x38."""
    if not _kerong_only(bus, "set-pulse"):
        return EXIT_USAGE
    check_pulse_ms(args.ms)
    where = f"board {args.board}"
    try:
        echoed = bus.transact(lambda link: set_pulse(link, bus.config, args.board, args.ms), args.board)
    except BoardTimeout:
        return fail(
            PROGRAM,
            f"{where}: no answer to set-pulse {args.ms} ms; not confirmed (it may still "
            "have been applied: open a door to check)",
            EXIT_FAILED,
        )
    extra = f" (board reports {echoed} ms)" if echoed is not None else ""
    print(f"{where}: pulse time set to {args.ms} ms; board acknowledged{extra}")
    return EXIT_OK


def cmd_probe(bus: SerialLockBus, args: argparse.Namespace) -> int:
    """Ask every address in range for its status; list those that answer."""
    if args.broadcast:
        return cmd_probe_broadcast(bus)
    low, high = codec_for(bus.config.protocol).board_range
    first = low if args.first is None else args.first
    last = min(high, PROBE_LAST[bus.config.protocol]) if args.last is None else args.last
    if not low <= first <= last <= high:
        return fail(PROGRAM, f"probe range must be within {low}..{high}", EXIT_USAGE)
    print(f"probing addresses {first}..{last} on {bus.config.url} ...", file=sys.stderr)
    found = []
    for board in range(first, last + 1):
        try:
            status = bus.read_board(board)
        except BusUnavailable:
            raise
        except LockBoardError:
            continue
        found.append(board)
        states = list(status.doors.values())
        print(
            f"board {board}: answers ({states.count(DoorState.CLOSED)} closed, "
            f"{states.count(DoorState.OPEN)} open of {len(states)})"
        )
    if not found:
        return fail(
            PROGRAM,
            f"no board answered on {bus.config.url} at {bus.config.baud} baud "
            "(check wiring A/B, power, protocol and --baud)",
            EXIT_FAILED,
        )
    return EXIT_OK


def cmd_watch(bus: SerialLockBus, args: argparse.Namespace, stop: threading.Event) -> int:
    """Print the boards' state, then every event, until Ctrl-C or --duration-s."""

    def show(event: DoorEvent) -> None:
        if args.json:
            at = event.at.isoformat(timespec="seconds")
            record = {"at": at, "event": event.kind.value, "board": event.board, "lock": event.lock}
            print(json.dumps(record), flush=True)
            return
        where = f"board {event.board}" if event.board is not None else "bus"
        if event.lock is not None:
            where += f" lock {event.lock}"
        print(f"{event.at.isoformat(timespec='seconds')} {where}: {event.kind.value}", flush=True)

    bus.subscribe(show)
    for board in [] if args.json else bus.config.boards:
        try:
            print(f"board {board}: {_doors_text(bus.read_board(board))}", flush=True)
        except LockBoardError as err:
            if isinstance(err, BusUnavailable):
                raise
            print(f"board {board}: no answer ({err})", flush=True)
    print("watching; Ctrl-C to stop", file=sys.stderr, flush=True)
    stop.wait(args.duration_s)
    return EXIT_OK


def main(argv: Sequence[str] | None = None, *, stop: threading.Event | None = None) -> int:
    """Run one commissioning command; returns the exit code (see the module docstring)."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
        line_defaults(args, parser)
    except SystemExit as done:  # --help, or a usage error already printed as one line
        return done.code if isinstance(done.code, int) else EXIT_USAGE
    return run(args, stop=stop)


def run(args: argparse.Namespace, *, stop: threading.Event | None = None) -> int:
    """Run the commissioning command parsed into `args` (line defaults filled in)."""
    level = {0: logging.CRITICAL + 1, 1: logging.INFO}.get(args.verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(asctime)s %(name)s: %(message)s", stream=sys.stderr)
    if args.verbose >= 2:
        wire = logging.getLogger(WIRE_LOGGER)
        wire.setLevel(logging.DEBUG)
        wire.addHandler(logging.StreamHandler(sys.stderr))
    if args.wire_log:
        add_wire_file(Path(args.wire_log))
    try:
        if args.command == "watch":
            boards = [int(b) for b in args.boards.split(",") if b.strip()] if args.boards else []
            config = _config(args, boards, 500)
        else:
            board = getattr(args, "board", None)
            low, high = codec_for(args.protocol).board_range
            config = _config(args, [board] if board is not None and low <= board <= high else [], _NO_POLL_MS)
    except ValueError as err:  # includes pydantic's ValidationError
        detail = err.errors()[0]["msg"] if isinstance(err, ValidationError) else str(err)
        return fail(PROGRAM, f"invalid option: {detail}", EXIT_USAGE)
    bus = SerialLockBus(config)
    try:
        bus.open()
    except LockBoardError as err:
        return fail(PROGRAM, err, EXIT_PORT)
    try:
        if args.command == "open":
            return cmd_open(bus, args)
        if args.command == "status":
            return cmd_status(bus, args)
        if args.command == "probe":
            return cmd_probe(bus, args)
        if args.command == "set-pulse":
            return cmd_set_pulse(bus, args)
        return cmd_watch(bus, args, stop or threading.Event())
    except KeyboardInterrupt:
        return EXIT_OK
    except ValueError as err:
        return fail(PROGRAM, err, EXIT_USAGE)
    except BusUnavailable as err:
        return fail(PROGRAM, err, EXIT_PORT)
    except LockBoardError as err:
        return fail(PROGRAM, err, EXIT_FAILED)
    finally:
        bus.close()


if __name__ == "__main__":
    raise SystemExit(main())
