"""Key and token files kept outside the database, created 0600 on first start, and the sealed box
that encrypts staff TOTP secrets at rest with one of them."""

from __future__ import annotations

import base64
import logging
import os
import secrets
import sqlite3
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from common.config import ConfigError

log = logging.getLogger(__name__)


class KeyFileError(ConfigError):
    """A key file is missing, damaged or does not fit the data it must open (a start-up error)."""


def read_secret(path: Path) -> str | None:
    """The hex secret in `path`, or None when the file is missing or empty (never creates it)."""
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise KeyFileError(f"cannot read key file {path}: {err}") from err
    if not text:
        return None
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        log.warning("%s is readable by others (mode %o); run chmod 600 on it", path, mode)
    return text


def read_or_create_secret(path: Path, nbytes: int = 32) -> str:
    """Return the hex secret in `path`, creating it (mode 0600, atomically) if it is missing."""
    text = read_secret(path)
    if text:
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


class SealError(Exception):
    """A sealed value cannot be opened: wrong key, damaged value, or a value moved to another row."""


class SecretBox:
    """AES-256-GCM (cryptography) under a key file; the associated data binds a value to its row.

    A sealed value reads ``aesgcm1:<base64url(nonce 12 bytes | ciphertext | tag)>``; opening it
    under another row's associated data fails, so ciphertexts swapped between rows are refused.
    """

    PREFIX = "aesgcm1:"

    def __init__(self, key_hex: str, path: Path) -> None:
        try:
            key = bytes.fromhex(key_hex)
        except ValueError:
            key = b""
        if len(key) != 32:
            raise KeyFileError(
                f"key file {path} is damaged (it must hold 64 hex digits); restore it from your backup"
            )
        self._aead = AESGCM(key)
        self.path = path

    @classmethod
    def is_sealed(cls, value: str) -> bool:
        """True when `value` was written by :meth:`seal` (False for a clear legacy value)."""
        return value.startswith(cls.PREFIX)

    def seal(self, plaintext: str, aad: str) -> str:
        """Encrypt `plaintext` bound to `aad` (e.g. 'staff:<id>') with a fresh random nonce."""
        nonce = secrets.token_bytes(12)
        blob = nonce + self._aead.encrypt(nonce, plaintext.encode(), aad.encode())
        return self.PREFIX + base64.urlsafe_b64encode(blob).decode()

    def open(self, sealed: str, aad: str) -> str:
        """Decrypt a value from :meth:`seal`; SealError if the key or the row does not match."""
        if not self.is_sealed(sealed):
            raise SealError("value is not sealed")
        try:
            blob = base64.urlsafe_b64decode(sealed[len(self.PREFIX) :].encode())
            return self._aead.decrypt(blob[:12], blob[12:], aad.encode()).decode()
        except (InvalidTag, ValueError) as err:
            raise SealError("sealed value does not open with this key and row") from err

    def seal_bytes(self, data: bytes, aad: str) -> bytes:
        """Encrypt binary `data` bound to `aad`: nonce (12 bytes) | ciphertext | tag, no prefix."""
        nonce = secrets.token_bytes(12)
        return nonce + self._aead.encrypt(nonce, data, aad.encode())

    def open_bytes(self, blob: bytes, aad: str) -> bytes:
        """Decrypt a value from :meth:`seal_bytes`; SealError if the key or `aad` does not match."""
        try:
            return self._aead.decrypt(blob[:12], blob[12:], aad.encode())
        except (InvalidTag, ValueError) as err:
            raise SealError("sealed bytes do not open with this key and row") from err


START_FRESH_FLAG = "--start-fresh"


def check_data_dir(
    db: Path, code_key: Path, staff_key: Path, *, start_fresh: bool, need_code_key: bool = True
) -> None:
    """Refuse to start on a half-lost data directory rather than silently making new files.

    A database without its code key (every pickup code and receipt in it would be refused), or
    key files without their database (the data directory was deleted or moved), raise
    KeyFileError with what to do: restore from the backup, or start once with `--start-fresh`
    (`start_fresh`), which accepts the new files. Nothing at all is a first start (logged).
    `need_code_key=False` (lockerctl, which never uses codes) checks only for a lost database.
    """
    keys = [p for p in (code_key, staff_key) if p.exists()]
    if not db.exists():
        if keys and not start_fresh:
            names = " and ".join(str(p) for p in keys)
            raise KeyFileError(
                f"the database {db} is missing but {names} exist (was the data directory deleted or "
                "moved?). Restore the data directory from your backup and start again, or start the "
                f"locker once with `python -m locker {START_FRESH_FLAG}` to begin with an empty "
                "database (items still in the cabinet must then be withdrawn by staff and loaded again)."
            )
        log.warning(
            "no locker database at %s: starting a new, empty one%s. If this locker ran before, stop "
            "it and restore the data directory from your backup.",
            db,
            " (--start-fresh)" if keys else " (first start)",
        )
        return
    if not need_code_key or read_secret(code_key) is not None:
        return
    deposits = _count_deposits(db)
    if deposits and not start_fresh:
        raise KeyFileError(
            f"the database {db} holds {deposits} deposit(s) but the code key {code_key} is missing: "
            "every pickup code and receipt made with it would be refused. Restore the key file from "
            f"your backup and start again, or start once with `python -m locker {START_FRESH_FLAG}` "
            "to make a new key (then re-issue the codes of the items still in the cabinet from the "
            "staff screen)."
        )
    if deposits:
        log.warning(
            "--start-fresh: a new code key %s for a database with %d deposit(s); codes sent before "
            "no longer work: re-issue them from the staff screen",
            code_key,
            deposits,
        )


def _count_deposits(db: Path) -> int:
    """Deposits in an existing database (0 when it has no deposits table yet), read only."""
    conn = sqlite3.connect(db.resolve().as_uri() + "?mode=ro", uri=True, timeout=10)
    try:
        row = conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name='deposits'").fetchone()
        if row is None:
            return 0
        return int(conn.execute("SELECT COUNT(*) FROM deposits").fetchone()[0])
    except sqlite3.Error as err:
        raise KeyFileError(f"cannot read the database {db}: {err}; restore it from your backup") from err
    finally:
        conn.close()
