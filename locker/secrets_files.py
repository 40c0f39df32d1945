"""Key and token files kept outside the database, created 0600 on first start."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger(__name__)


def read_or_create_secret(path: Path, nbytes: int = 32) -> str:
    """Return the hex secret in `path`, creating it (mode 0600, atomically) if it is missing."""
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        text = ""
    if text:
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            log.warning("%s is readable by others (mode %o); run chmod 600 on it", path, mode)
        return text
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(nbytes)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    try:
        # link() fails if another process won the race: then use theirs.
        os.link(tmp, path)
    except FileExistsError:
        value = path.read_text().strip()
    finally:
        tmp.unlink(missing_ok=True)
    log.info("created secret file %s (mode 600)", path)
    return value
