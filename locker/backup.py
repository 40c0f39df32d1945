"""Consistent online backups of the center's databases and key files, and their restore.

A backup is one folder `DEST/backup-YYYYMMDDTHHMMSSZ/` holding each database as copied by
SQLite's online backup API (one read transaction: a consistent copy while the services write),
the key files under `keys/`, and `manifest.json` with the SHA-256 of every file. It is written
under a `.partial-` name and renamed when complete, so a backup folder is never half written.
Backups older than `keep_days` are deleted after a new one is complete (the newest always stays).

Restore checks every file against the manifest before touching anything, moves whatever is at
a target path aside (`NAME.before-restore-STAMP`, nothing is lost), copies, and then checks each
database (`PRAGMA integrity_check`) and the locker's audit chain.

Which files go where is decided by the caller (`locker.backup_cli` reads it from the config):
`files` maps a name inside the backup ("locker.db", "keys/code.key", ...) to its path here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common.sqlite_copy import online_copy
from common.sqlite_writer import connect_existing

log = logging.getLogger(__name__)

PREFIX = "backup-"
PARTIAL = ".partial-"
STAMP = "%Y%m%dT%H%M%SZ"
MANIFEST = "manifest.json"
FORMAT = 1


class BackupError(Exception):
    """A backup or restore cannot be done; the message says what to do."""


@dataclass(frozen=True)
class Entry:
    """One file of a backup: its name inside the backup, where it lives here, and what it is."""

    name: str
    path: Path
    database: bool = False
    required: bool = False


def stamp_of(folder: Path) -> datetime | None:
    """The time in a backup folder's name, or None for anything else."""
    if not folder.name.startswith(PREFIX):
        return None
    try:
        return datetime.strptime(folder.name[len(PREFIX) :], STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def copy_database(src: Path, dst: Path) -> None:
    """Copy a live SQLite database with the online backup API (a consistent snapshot)."""
    source = connect_existing(src, timeout=30)  # never creates it
    try:
        problem = online_copy(source, dst)
    finally:
        source.close()
    if problem != "ok":
        raise BackupError(f"the copy of {src} fails its integrity check ({problem}); check the disk")


def take(dest: Path, entries: list[Entry], now: datetime, keep_days: int) -> Path:
    """Write one complete backup folder under `dest` and prune old ones; returns the folder."""
    if not dest.is_dir():
        raise BackupError(f"backup destination {dest} does not exist; create or mount it first")
    final = dest / f"{PREFIX}{now.astimezone(UTC).strftime(STAMP)}"
    if final.exists():
        raise BackupError(f"{final} already exists; wait a second and run the backup again")
    work = dest / f"{PARTIAL}{final.name}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(mode=0o700)
    files: dict[str, dict[str, object]] = {}
    skipped: list[str] = []
    try:
        for entry in entries:
            if not entry.path.exists():
                if entry.required:
                    raise BackupError(f"{entry.path} ({entry.name}) does not exist; nothing to back up")
                skipped.append(entry.name)
                continue
            target = work / entry.name
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if entry.database:
                copy_database(entry.path, target)
            else:
                shutil.copyfile(entry.path, target)
            target.chmod(0o600)
            files[entry.name] = {"sha256": _sha256(target), "bytes": target.stat().st_size}
        manifest = {"format": FORMAT, "created_utc": now.astimezone(UTC).isoformat(), "files": files}
        if skipped:
            manifest["absent"] = skipped
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        (work / MANIFEST).chmod(0o600)
        _fsync_tree(work)
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    log.info("backup written to %s (%d files)", final, len(files))
    for old in prune(dest, now, keep_days):
        log.info("backup %s removed (older than %d days)", old, keep_days)
    return final


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())


def prune(dest: Path, now: datetime, keep_days: int) -> list[Path]:
    """Delete backups older than `keep_days` (never the newest one); returns what was deleted."""
    found = sorted((s, f) for f in dest.iterdir() if f.is_dir() and (s := stamp_of(f)) is not None)
    cutoff = now.astimezone(UTC) - timedelta(days=keep_days)
    removed = []
    for when, folder in found[:-1]:
        if when < cutoff:
            shutil.rmtree(folder)
            removed.append(folder)
    return removed


def latest(dest: Path) -> Path | None:
    """The newest complete backup folder under `dest`, or None."""
    found = sorted((s, f) for f in dest.iterdir() if f.is_dir() and (s := stamp_of(f)) is not None)
    return found[-1][1] if found else None


def read_manifest(folder: Path) -> dict[str, dict[str, object]]:
    """The files of a backup, after checking every one against its SHA-256."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise BackupError(f"{folder} is not a backup ({MANIFEST} unreadable: {err})") from err
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder}: backup format {manifest.get('format')!r} is not {FORMAT}")
    files: dict[str, dict[str, object]] = manifest["files"]
    for name, meta in files.items():
        path = folder / name
        if not path.is_file() or _sha256(path) != meta["sha256"]:
            raise BackupError(f"{folder}: {name} is missing or damaged; restore another backup")
    return files


def restore(folder: Path, entries: list[Entry], now: datetime) -> list[str]:
    """Put a backup's files at their places here; returns one line per file (what was done)."""
    files = read_manifest(folder)
    missing = [e.name for e in entries if e.required and e.name not in files]
    if missing:
        raise BackupError(f"{folder} lacks {', '.join(missing)}; restore another backup")
    stamp = now.astimezone(UTC).strftime(STAMP)
    lines = []
    for entry in entries:
        if entry.name not in files:
            continue
        target = entry.path
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        moved = _move_aside(target, stamp, entry.database)
        tmp = target.with_name(f".{target.name}.restoring")
        shutil.copyfile(folder / entry.name, tmp)
        tmp.chmod(0o600)
        _same_owner_as_folder(tmp)
        os.replace(tmp, target)
        lines.append(f"restored {entry.name} -> {target}" + (f" (old file kept as {moved})" if moved else ""))
    return lines


def _move_aside(target: Path, stamp: str, database: bool) -> Path | None:
    """Rename what is at `target` (and a database's -wal/-shm) out of the way; the main file's new name."""
    moved = None
    suffixes = ["", "-wal", "-shm", "-journal"] if database else [""]
    for suffix in suffixes:
        path = target.with_name(target.name + suffix)
        if path.exists():
            aside = path.with_name(f"{path.name}.before-restore-{stamp}")
            path.rename(aside)
            if suffix == "":
                moved = aside
    return moved


def _same_owner_as_folder(path: Path) -> None:
    """Run as root for a service user: give the restored file to the data folder's owner."""
    if os.geteuid() != 0:
        return
    st = path.parent.stat()
    os.chown(path, st.st_uid, st.st_gid)


def check_database(path: Path) -> str:
    """`PRAGMA integrity_check` of a restored database ("ok" when sound)."""
    conn = connect_existing(path, timeout=5)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()
