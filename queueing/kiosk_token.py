"""The kiosk token of the queueing service: a random secret in a 0600 file, created at first
start like the locker's (`locker.secrets_files`), and rotatable while the service runs.

Kiosks send it as `Authorization: Bearer <token>` to take kiosk tickets (and to confirm or void
them). Rotation (`python -m queueing kiosk-token rotate`) replaces the file; the service notices
the new file at the next kiosk request (a `stat` per check) and the old token stops working at
once. A kiosk re-reads its copy of the file when the service answers 401.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import threading
from pathlib import Path

from common.config import resolve_path
from common.sealed import read_or_create_secret, read_secret
from queueing.config import QueueingConfig

log = logging.getLogger(__name__)

TOKEN_FILE_NAME = "kiosk.token"


def token_path(config: QueueingConfig, data_dir: Path) -> Path:
    """`kiosk_token_file` when set (relative to the repository), else kiosk.token in `data_dir`."""
    if config.kiosk_token_file:
        return resolve_path(config.kiosk_token_file)
    return data_dir / TOKEN_FILE_NAME


def rotate(path: Path) -> None:
    """Write a new token to `path` (0600, replaced atomically: a reader sees old or new)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    log.info("new kiosk token written to %s", path)


class KioskToken:
    """The current kiosk token, re-read when its file changes (rotation)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._value = ""
        self._stamp: tuple[int, int, int] | None = None

    def load(self) -> None:
        """Read the token, creating the file (0600) on first start."""
        value = read_or_create_secret(self.path)
        with self._lock:
            self._value, self._stamp = value, self._stat()

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    def _current(self) -> str:
        stamp = self._stat()
        with self._lock:
            if stamp is not None and stamp != self._stamp:
                value = read_secret(self.path)
                if value:
                    if self._value and value != self._value:
                        log.info("kiosk token file %s changed: the new token is in use", self.path)
                    self._value, self._stamp = value, stamp
            elif stamp is None and self._stamp is not None:
                log.error("kiosk token file %s is gone; the last token read stays valid", self.path)
                self._stamp = None
            return self._value

    def matches(self, presented: str) -> bool:
        """Whether `presented` is the current token (constant-time compare)."""
        current = self._current()
        return bool(current) and hmac.compare_digest(presented.encode(), current.encode())
