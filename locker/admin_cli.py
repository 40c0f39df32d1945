"""`lockerctl staff ...` and `lockerctl audit ...`: administration on the locker data directory.

Works on the database directly (no daemon needed); SQLite's locking makes it safe while the
daemon runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from common.cli_exit import EXIT_FAILED, EXIT_OK, fail
from common.cli_options import accept_after_command, config_and_data_dir
from common.config import ConfigError
from common.migrations import MigrationError

PROGRAM = "lockerctl"


def add_global_options(p: argparse.ArgumentParser) -> None:
    """--config and --data-dir, given before the command words."""
    p.add_argument("--config", help="site TOML merged over config/default.toml")
    p.add_argument("--data-dir", help="locker data directory (default [locker] data_dir)")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lockerctl", description="Locker administration (staff accounts, audit log)"
    )
    add_global_options(p)
    add_commands(p.add_subparsers(dest="group", required=True))
    return p


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """`staff ...` and `audit ...` on `sub` (whose dest is `group`)."""
    staff = sub.add_parser(
        "staff", help="staff accounts: add, list, disable, enable, reenrol, reset-key"
    ).add_subparsers(dest="cmd", required=True)
    add = staff.add_parser(
        "add", help="create an account; prints the otpauth:// URI for an authenticator app"
    )
    add.add_argument("staff_id")
    add.add_argument("--role", choices=["loader", "supervisor"], required=True)
    add.add_argument("--pin-stdin", action="store_true", help="read the PIN from the first line of stdin")
    add.add_argument("--qr", action="store_true", help="also print the URI as a terminal QR code")
    re_ = staff.add_parser(
        "reenrol", help="new authenticator secret for an account (lost phone, or after reset-key)"
    )
    re_.add_argument("staff_id")
    re_.add_argument("--qr", action="store_true", help="also print the URI as a terminal QR code")
    reset = staff.add_parser(
        "reset-key",
        help="the staff key file is lost: make a new one; every account must then be re-enrolled",
    )
    reset.add_argument("--yes", action="store_true", help="confirm: every authenticator must be re-enrolled")
    leaves = [add, re_, reset, staff.add_parser("list", help="list accounts")]
    for name in ("disable", "enable"):
        sp = staff.add_parser(name, help=f"{name} an account")
        sp.add_argument("staff_id")
        leaves.append(sp)

    aud = sub.add_parser("audit", help="audit log: verify, export").add_subparsers(dest="cmd", required=True)
    leaves.append(aud.add_parser("verify", help="check the hash chain"))
    exp = aud.add_parser("export", help="CSV of one deposit's history or one day's handover record")
    exp.add_argument("--deposit-id")
    exp.add_argument("--day", help="YYYY-MM-DD (local day)")
    exp.add_argument("--out", help="file to write (default stdout)")
    accept_after_command((*leaves, exp))


def _open_store(args: argparse.Namespace) -> tuple[object, object, object]:
    from locker.config import load_locker_config
    from locker.daemon import data_paths
    from locker.store import Store

    config, data_dir = config_and_data_dir(args)
    try:  # a broken or missing site file must not send an account to another database or key
        cfg = load_locker_config(config)
    except ConfigError as err:
        raise SystemExit(fail(PROGRAM, err)) from err
    paths = data_paths(cfg, data_dir)
    from locker.secrets_files import check_data_dir

    try:  # never a new, empty database in a data directory that lost its own
        check_data_dir(
            paths.db,
            paths.code_key,
            paths.staff_key or paths.db.with_name("staff.key"),
            start_fresh=False,
            need_code_key=False,
        )
    except ConfigError as err:
        raise SystemExit(fail(PROGRAM, err)) from err
    store = Store(paths.db)
    try:
        store.open()  # migrates an older database (backup first); refuses a newer one
    except MigrationError as err:
        raise SystemExit(fail(PROGRAM, err)) from err
    return cfg, store, paths


def main(argv: list[str]) -> int:
    """Run one administration command; returns the exit status."""
    return run(_parser().parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """Run the administration command parsed into `args`; returns the exit status."""
    from common.clock import SystemClock

    cfg, store, paths = _open_store(args)
    from locker import audit
    from locker.errors import LockerError
    from locker.staff import Role, StaffDirectory, default_key_file, reset_key
    from locker.store import Store

    assert isinstance(store, Store)
    key_file = getattr(paths, "staff_key", None) or default_key_file(store)
    try:
        if args.group == "staff":
            if args.cmd == "reset-key":
                if not args.yes:
                    return fail(
                        PROGRAM,
                        f"this replaces {key_file} and every account's authenticator secret; "
                        "run again with --yes, then `lockerctl staff reenrol STAFF_ID` for each account",
                    )
                n = reset_key(store, SystemClock(), key_file)
                print(f"new staff key {key_file}; re-enrol {n} account(s): lockerctl staff reenrol STAFF_ID")
                return EXIT_OK
            directory = StaffDirectory(store, SystemClock(), cfg.staff, key_file)  # type: ignore[attr-defined]
            if args.cmd == "reenrol":
                _print_uri(directory.reenrol(args.staff_id), args.qr)
                return EXIT_OK
            if args.cmd == "add":
                if not args.pin_stdin:
                    return fail(PROGRAM, "give the PIN on stdin with --pin-stdin (never on the command line)")
                pin = sys.stdin.readline().strip()
                _print_uri(directory.add(args.staff_id, Role(args.role), pin), args.qr)
                return EXIT_OK
            if args.cmd == "list":
                for row in directory.list():
                    state = "active" if row["active"] else "disabled"
                    print(f"{row['staff_id']:<20} {row['role']:<11} {state:<9} since {row['created_at']}")
                return EXIT_OK
            directory.set_active(args.staff_id, args.cmd == "enable")
            print(f"{args.staff_id}: {args.cmd}d")
            return EXIT_OK
        if args.cmd == "verify":
            with store.read() as conn:
                result = audit.verify(conn)
            if result.ok:
                print(f"audit chain OK: {result.records} records")
                return EXIT_OK
            print(f"audit chain BROKEN at record {result.first_bad_seq}: {result.problem}", file=sys.stderr)
            return EXIT_FAILED
        return _export(args, cfg, store)
    except LockerError as err:
        return fail(PROGRAM, err.message, EXIT_FAILED)
    except ConfigError as err:  # e.g. the staff key file is missing or wrong
        return fail(PROGRAM, err)
    finally:
        store.close()


def _print_uri(uri: str, qr: bool) -> None:
    """The otpauth:// URI, once, and with `qr` also as a terminal QR code."""
    print(uri)
    if qr:
        import qrcode

        code = qrcode.QRCode(border=1)
        code.add_data(uri)
        code.print_ascii(invert=True)


def _export(args: argparse.Namespace, cfg: object, store: object) -> int:
    from datetime import UTC, date, datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from common.timestamps import epoch
    from locker import audit
    from locker.store import Store

    assert isinstance(store, Store)
    if not args.deposit_id and not args.day:
        return fail(PROGRAM, "give --deposit-id or --day YYYY-MM-DD")
    start = end = None
    if args.day:
        try:
            d = date.fromisoformat(args.day)
        except ValueError:
            return fail(PROGRAM, "--day must be YYYY-MM-DD")
        start_dt = datetime.combine(d, time(0), ZoneInfo(cfg.timezone)).astimezone(UTC)  # type: ignore[attr-defined]
        start, end = epoch(start_dt), epoch(start_dt + timedelta(days=1))
    with store.read() as conn:
        text = audit.to_csv(audit.query(conn, args.deposit_id, start, end))
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK
