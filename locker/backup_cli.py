"""`lockerctl backup [DIR]` and `lockerctl restore BACKUP`: both databases and the key files.

The files come from the configuration: the locker's database and keys (`[locker]`, or every
locker file under `--data-dir`), the queueing database, its kiosk token and the key sealing booking
contacts (`[queueing]`), the camera's ID-hash key (`[camera]`). Where backups go and how long
they stay is `[backup]`. The copying itself is `locker.backup`.
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from common.cli_exit import EXIT_FAILED, EXIT_OK, EXIT_USAGE, fail
from common.cli_options import accept_after_command, config_and_data_dir
from common.config import ConfigError, load_raw, resolve_path, section, validate
from locker.admin_cli import PROGRAM
from locker.backup import BackupError, Entry, check_database, latest, restore, take

COMMANDS = ("backup", "restore")


class BackupConfig(BaseModel):
    """The `[backup]` section."""

    model_config = ConfigDict(extra="forbid")

    dir: str = "var/backups"
    keep_days: int = Field(default=14, ge=1, le=3650)
    include_keys: bool = True
    require_mount: bool = False


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """`backup` and `restore` on lockerctl's one parser."""
    b = sub.add_parser("backup", help="consistent copy of both databases and the key files; old ones pruned")
    b.add_argument("dest", nargs="?", help="folder the backups go under (default [backup] dir)")
    b.add_argument("--keep-days", type=int, help="days backups are kept ([backup] keep_days)")
    b.add_argument("--no-keys", action="store_true", help="leave the key files out (kept apart)")
    r = sub.add_parser("restore", help="put a backup back (services stopped); the old files are kept aside")
    r.add_argument("source", help="a backup folder, or the folder holding them (the newest is used)")
    r.add_argument("--yes", action="store_true", help="confirm: replace the databases that are there now")
    accept_after_command((b, r))


def entries(config: str | None, data_dir: str | None, keys: bool = True) -> list[Entry]:
    """Every file a backup holds, with where it lives on this machine."""
    from drivers.camera.config import load_camera_config
    from locker.config import load_locker_config
    from locker.daemon import data_paths
    from queueing.config import load_config
    from queueing.kiosk_token import NAMED_FILE_NAME, token_path

    raw = load_raw(config)
    paths = data_paths(load_locker_config(config), data_dir)
    qcfg = load_config(config)
    qdir = resolve_path(qcfg.data_dir)
    out = [
        Entry("locker.db", paths.db, database=True, required=True),
        Entry("queue.sqlite3", qdir / "queue.sqlite3", database=True),
    ]
    if keys:
        out += [
            Entry("keys/code.key", paths.code_key, required=True),
            Entry("keys/staff.key", paths.staff_key or paths.db.with_name("staff.key")),
            Entry("keys/locker-kiosk.token", paths.kiosk_token),
            Entry("keys/queueing-kiosk.token", token_path(qcfg, qdir)),
            Entry("keys/queueing-kiosk-tokens", qdir / NAMED_FILE_NAME),  # named kiosks' hashes
            Entry("keys/id-hash.key", load_camera_config(raw).key_path()),
            Entry("keys/appointment-contact.key", qcfg.appointments.sms.key_path(qdir)),
        ]
    return out


def _mounted(path: Path) -> bool:
    """`path` or one of its parents below / is a mount point (a backup disk is there)."""
    here = path.resolve()
    while here != here.parent:
        if os.path.ismount(here):
            return True
        here = here.parent
    return False


def run(args: argparse.Namespace) -> int:
    """Run `backup` or `restore` parsed into `args`; returns the exit code."""
    config, data_dir = config_and_data_dir(args)
    try:
        cfg = validate(BackupConfig, section(load_raw(config), "backup"), "backup")
        now = datetime.now(UTC)
        if args.command == "backup":
            return _backup(args, cfg, config, data_dir, now)
        return _restore(args, config, data_dir, now)
    except (ConfigError, BackupError, OSError) as err:
        return fail(PROGRAM, err, EXIT_FAILED)


def _backup(
    args: argparse.Namespace, cfg: BackupConfig, config: str | None, data_dir: str | None, now: datetime
) -> int:
    dest = resolve_path(args.dest or cfg.dir)
    if cfg.require_mount and not _mounted(dest):
        raise BackupError(f"{dest} is not on a mounted disk ([backup] require_mount); mount the backup disk")
    if not args.dest and not dest.exists():
        dest.mkdir(mode=0o700, parents=True)
    keys = cfg.include_keys and not args.no_keys
    folder = take(dest, entries(config, data_dir, keys), now, args.keep_days or cfg.keep_days)
    print(f"backup written: {folder}")
    return EXIT_OK


def _restore(args: argparse.Namespace, config: str | None, data_dir: str | None, now: datetime) -> int:
    source = Path(args.source)
    if source.is_dir() and not (source / "manifest.json").exists():
        newest = latest(source)
        if newest is None:
            raise BackupError(f"no backup under {source}")
        source = newest
    running = _listening(config)
    if running:
        return fail(
            PROGRAM,
            f"{' and '.join(running)}: stop the services first (systemctl stop kiosk-locker-locker "
            "kiosk-locker-queueing, or quit run_kiosk.py), then run restore again; a restore under "
            "running services leaves them refusing every write until restarted",
            EXIT_USAGE,
        )
    todo = entries(config, data_dir)
    present = [e.path for e in todo if e.database and e.path.exists()]
    if present and not args.yes:
        return fail(
            PROGRAM,
            f"{', '.join(map(str, present))} exist(s); stop the services, then run restore again "
            "with --yes (the files there now are kept as NAME.before-restore-TIME)",
            EXIT_USAGE,
        )
    for line in restore(source, todo, now):
        print(line)
    failed = False
    for entry in todo:
        if entry.database and entry.path.exists():
            state = check_database(entry.path)
            print(f"{entry.name}: integrity {state}")
            failed |= state != "ok"
    failed |= not _audit_ok(todo[0].path)
    if failed:
        return EXIT_FAILED
    print("restore done: start the services; the locker reconciles every door with its sensors first")
    return EXIT_OK


def _listening(config: str | None) -> list[str]:
    """Which of the locker and the queueing service answer on this machine, as the config binds
    them (a wildcard bind is reached on loopback)."""
    import socket

    from locker.config import load_locker_config
    from queueing.config import load_config

    found = []
    services = (("the locker", load_locker_config(config)), ("the queueing service", load_config(config)))
    for name, cfg in services:
        host = "127.0.0.1" if cfg.host in ("0.0.0.0", "::", "") else cfg.host
        try:
            with socket.create_connection((host, cfg.port), timeout=1):
                found.append(f"{name} is running ({host}:{cfg.port})")
        except OSError:
            continue
    return found


def _audit_ok(db: Path) -> bool:
    from common.sqlite_writer import connect_existing
    from locker import audit

    conn = connect_existing(db, timeout=5)
    try:
        result = audit.verify(conn)
    finally:
        conn.close()
    if result.ok:
        print(f"audit chain: {result.records} records verify")
    else:
        print(f"audit chain BROKEN at record {result.first_bad_seq}: {result.problem}")
    return result.ok
