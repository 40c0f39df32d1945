"""A queue database that is gone is never silently replaced by an empty one.

A deleted data directory, a data disk that did not mount at boot, or a `data_dir` mistyped in an
edit would otherwise start a fresh queue: numbers from 001 again while citizens hold tickets with
them, every counter account, paired tablet and the kiosk token gone. Once the service has run, it
leaves a marker beside its data directory (`.NAME.queueing-ran` in the parent; best effort). A
start that finds the marker but no database stops with what to do: restore the backup (`lockerctl
restore`), or start once with `--start-fresh` to accept an empty queue. The locker has the same
rule (`locker.secrets_files.check_data_dir`).

The marker sits on the same disk when the whole of the parent is one mount (the package's
`/var/lib/kiosk-locker`): a data disk that did not mount is then caught by systemd instead, whose
units start the services only with that path mounted (`RequiresMountsFor=`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from common.config import ConfigError

log = logging.getLogger(__name__)

START_FRESH_FLAG = "--start-fresh"


def marker(data_dir: Path) -> Path:
    """The file that says a queue database lived in `data_dir`."""
    return data_dir.parent / f".{data_dir.name}.queueing-ran"


def check_data_dir(db: Path, *, start_fresh: bool) -> None:
    """ConfigError when `db` is missing but the marker says the service ran with it before."""
    data_dir = db.parent
    if db.exists():
        remember(data_dir)
        return
    found = marker(data_dir).exists()
    if found and not start_fresh:
        raise ConfigError(
            f"the queue database {db} is missing but this service ran with it before ({marker(data_dir)} "
            "exists): was the data directory deleted, moved or its disk not mounted? Restore it from the "
            "backup (lockerctl restore) and start again, or start once with `python -m queueing "
            f"{START_FRESH_FLAG}` to begin an empty queue (numbers from the first again; counter accounts "
            "and tablets must be made again)."
        )
    log.warning(
        "no queue database at %s: starting a new, empty one%s",
        db,
        f" ({START_FRESH_FLAG})" if found else " (first start)",
    )


def remember(data_dir: Path) -> None:
    """Leave the marker (best effort: a read-only parent only loses this check)."""
    path = marker(data_dir)
    if path.exists():
        return
    try:
        path.write_text(f"{data_dir}\n", encoding="utf-8")
    except OSError as err:
        log.info(
            "cannot write %s (%s): a lost data directory is then noticed only by the token file", path, err
        )
