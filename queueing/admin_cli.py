"""`python -m queueing staff|kiosk-token|tablet ...`: administration on the
queueing data directory.

Works on the database directly (no running service needed); SQLite's locking makes it safe
while the service runs. PINs are read from stdin, never from the command line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from common.cli_exit import EXIT_FAILED, fail
from common.cli_options import accept_after_command
from common.config import ConfigError, resolve_path
from common.timestamps import utc
from queueing import tablet_cli

if TYPE_CHECKING:
    from queueing.config import QueueingConfig
    from queueing.store import Store

PROGRAM = "queueing"

COMMANDS = frozenset({"staff", "kiosk-token", "tablet"})
#: Options of `python -m queueing` (serving) that take a value.
_VALUE_OPTIONS = frozenset({"--config", "--host", "--port", "--data-dir", "--log-level"})


def is_admin_command(argv: list[str]) -> bool:
    """Whether the first word that is not an option (or an option's value) is a command here."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in _VALUE_OPTIONS:
            skip = True
        elif not word.startswith("-"):
            return word in COMMANDS
    return False


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m queueing", description="Queueing administration (counter staff, kiosk token)"
    )
    p.add_argument("--config", help="site TOML merged over config/default.toml (or $KIOSK_CONFIG)")
    p.add_argument("--data-dir", help="queueing data directory (default [queueing] data_dir)")
    sub = p.add_subparsers(dest="group", required=True)

    staff = sub.add_parser("staff", help="counter staff accounts").add_subparsers(dest="cmd", required=True)
    add = staff.add_parser("add", help="create an account (PIN from stdin)")
    add.add_argument("staff_id")
    add.add_argument("--name", required=True, help="the person's name as the console shows it")
    add.add_argument("--supervisor", action="store_true", help="may see reports and take over counters")
    add.add_argument("--pin-stdin", action="store_true", help="read the PIN from the first line of stdin")
    reset = staff.add_parser("reset-pin", help="a new PIN (from stdin); ends the account's sessions")
    reset.add_argument("staff_id")
    reset.add_argument("--pin-stdin", action="store_true", help="read the PIN from the first line of stdin")
    leaves = [add, reset, staff.add_parser("list", help="list accounts")]
    for name in ("disable", "enable"):
        sp = staff.add_parser(name, help=f"{name} an account")
        sp.add_argument("staff_id")
        leaves.append(sp)

    token = sub.add_parser("kiosk-token", help="the kiosks' token").add_subparsers(dest="cmd", required=True)
    leaves.append(token.add_parser("rotate", help="write a new token; the old one stops working at once"))
    leaves.append(token.add_parser("path", help="print where the token file is"))
    named = token.add_parser("add", help="a token of its own for one kiosk PC (printed, or --to FILE)")
    named.add_argument("name", help="the kiosk's name, e.g. sanh-1 (letters, digits, '-', '_')")
    named.add_argument("--to", metavar="FILE", help="write the token to FILE (mode 600; never overwrites)")
    revoke = token.add_parser("revoke", help="refuse one kiosk's own token at once")
    revoke.add_argument("name")
    leaves += [named, revoke, token.add_parser("list", help="the shared token's file and the named kiosks")]
    tablet_cli.add_parser(sub, leaves)
    accept_after_command(leaves)  # global options after the command words too
    return p


def main(argv: list[str]) -> int:
    """Run one administration command; returns the exit status (`common.cli_exit`)."""
    from common.migrations import MigrationError
    from queueing.config import load_config
    from queueing.errors import QueueError
    from queueing.staff_accounts import ensure_schema
    from queueing.store import Store, StoreError

    args = _parser().parse_args(argv)
    config_path = args.config_late or args.config
    data_dir_flag = args.data_dir_late or args.data_dir
    try:
        cfg = load_config(config_path)
    except ConfigError as err:
        return fail(PROGRAM, err)
    data_dir = Path(data_dir_flag).resolve() if data_dir_flag else resolve_path(cfg.data_dir)
    if args.group == "kiosk-token":
        return _kiosk_token(args, cfg, data_dir, bool(data_dir_flag))
    if args.group == "staff" and args.cmd in ("add", "reset-pin") and not args.pin_stdin:
        return fail(PROGRAM, "give the PIN on stdin with --pin-stdin (never on the command line)")
    from queueing.data_guard import check_data_dir

    try:  # an account never goes into a new, empty database where the real one was lost
        check_data_dir(data_dir / "queue.sqlite3", start_fresh=False)
    except ConfigError as err:
        return fail(PROGRAM, err)
    store = Store(data_dir / "queue.sqlite3", synchronous=cfg.sqlite_synchronous, checkpoint_every_s=0)
    try:
        store.open()
        ensure_schema(store)
        if args.group == "tablet":
            return tablet_cli.run(args, cfg, store)
        return _staff(args, cfg, store)
    except (QueueError, ValueError) as err:  # refused: an unknown account, no such counter, a bad PIN
        return fail(PROGRAM, err, EXIT_FAILED)
    except (StoreError, MigrationError) as err:  # the database cannot be used
        return fail(PROGRAM, err)
    finally:
        store.close()


def _kiosk_token(args: argparse.Namespace, cfg: object, data_dir: Path, data_dir_flag: bool) -> int:
    from queueing.config import QueueingConfig
    from queueing.kiosk_token import NAMED_FILE_NAME, TOKEN_FILE_NAME, rotate, token_path

    assert isinstance(cfg, QueueingConfig)
    path = data_dir / TOKEN_FILE_NAME if data_dir_flag else token_path(cfg, data_dir)
    if args.cmd == "path":
        print(path)
        return 0
    if args.cmd in ("add", "revoke", "list"):
        return _named_kiosks(args, data_dir / NAMED_FILE_NAME, path)
    rotate(path)
    print(
        f"new kiosk token in {path}; the running service uses it at once. Copy the file (mode 600) to "
        "every kiosk PC that reads it from elsewhere ([queueing] kiosk_token_file)."
    )
    return 0


def _named_kiosks(args: argparse.Namespace, named_path: Path, shared_path: Path) -> int:
    """`kiosk-token add NAME [--to FILE] | revoke NAME | list` (`queueing.kiosk_token`)."""
    from datetime import UTC, datetime

    from queueing.kiosk_token import KioskTokenError, add_named, read_named, revoke_named

    try:
        if args.cmd == "add":
            to_file = Path(args.to).resolve() if args.to else None
            token = add_named(named_path, args.name, datetime.now(UTC), to_file)
            if to_file is None:
                print(token)  # one line: the kiosk PC's [queueing] kiosk_token_file gets it
            else:
                print(f"kiosk {args.name}: token written to {to_file}; copy it (mode 600) to that kiosk PC")
        elif args.cmd == "revoke":
            revoke_named(named_path, args.name)
            print(f"kiosk {args.name}: token revoked; the running service refuses it at once")
        else:
            print(f"shared token: {shared_path}")
            for kiosk in read_named(named_path):
                print(f"{kiosk.name}: own token since {kiosk.created}")
    except KioskTokenError as err:
        return fail(PROGRAM, err, EXIT_FAILED)
    except OSError as err:
        return fail(PROGRAM, f"cannot write {err.filename}: {err.strerror}")
    return 0


def _staff(args: argparse.Namespace, cfg: QueueingConfig, store: Store) -> int:
    from common.clock import SystemClock
    from queueing.staff_accounts import StaffAccounts

    accounts = StaffAccounts(store, SystemClock(), cfg)
    if args.cmd == "add":
        accounts.add(args.staff_id, args.name, sys.stdin.readline().strip(), args.supervisor)
        role = "supervisor" if args.supervisor else "counter staff"
        print(f"{args.staff_id}: added ({role})")
    elif args.cmd == "reset-pin":
        accounts.reset_pin(args.staff_id, sys.stdin.readline().strip())
        print(f"{args.staff_id}: new PIN set; its sessions ended")
    elif args.cmd == "list":
        for row in accounts.listing():
            state = "active" if row.active else "disabled"
            flags = ("supervisor " if row.supervisor else "") + ("demo" if row.demo else "")
            since = utc(row.created_at).date().isoformat()
            print(f"{row.staff_id:<16} {state:<9} {flags:<16} since {since}  {row.name}")
    else:
        accounts.set_active(args.staff_id, args.cmd == "enable")
        print(f"{args.staff_id}: {args.cmd}d")
    return 0
