"""Secrets kept outside a service's database: key files created 0600 on first use, and the sealed
box (AES-256-GCM) that encrypts values at rest under one of them. Used by the locker (staff TOTP
secrets, SMS texts with pickup codes) and the queueing service (kiosk token, the phone numbers of
appointments waiting for their reminders)."""

from __future__ import annotations

import base64
import logging
import os
import secrets
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


def write_private(path: Path, text: str, replace: bool = True) -> None:
    """Write `text` to `path` with mode 0600 through a synced temporary file, so a reader sees the
    old file or the new one; `replace=False` refuses an existing file (FileExistsError)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    try:
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if the file exists (another process won a race)
    finally:
        tmp.unlink(missing_ok=True)


def read_or_create_secret(path: Path, nbytes: int = 32) -> str:
    """Return the hex secret in `path`, creating it (mode 0600, atomically) if it is missing."""
    text = read_secret(path)
    if text:
        return text
    value = secrets.token_hex(nbytes)
    try:
        write_private(path, value + "\n", replace=False)
    except FileExistsError:  # another process won the race: use theirs
        value = path.read_text().strip()
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
