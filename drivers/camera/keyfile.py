"""The key of the ID hash: a random secret in a file outside the repository data (0600)."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger(__name__)

KEY_BYTES = 32


class KeyFileError(Exception):
    """The hash key file cannot be read or created; the message names the file."""


def load_or_create_key(path: Path) -> bytes:
    """Read the hex key at `path`, creating it (0600, parent 0700) with a fresh random key if absent.

    Every kiosk that must match the same hashes (and the service comparing them) needs the same
    file; copy it, never commit it.
    """
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return _create(path)
    except (OSError, UnicodeDecodeError) as err:
        raise KeyFileError(f"cannot read ID hash key {path}: {err}; fix its permissions") from err
    try:
        key = bytes.fromhex(text)
    except ValueError as err:
        raise KeyFileError(f"ID hash key {path} is not hex; restore it from backup or delete it") from err
    if len(key) < 16:
        raise KeyFileError(f"ID hash key {path} is shorter than 16 bytes; restore it or delete it")
    return key


def _create(path: Path) -> bytes:
    key = secrets.token_bytes(KEY_BYTES)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return load_or_create_key(path)
    except OSError as err:
        raise KeyFileError(f"cannot create ID hash key {path}: {err}") from err
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    log.info("created a new ID hash key at %s", path)
    return key
