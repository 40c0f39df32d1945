"""The kiosk token of the queueing service: a random secret in a 0600 file, created at first
start like the locker's (`locker.secrets_files`), and rotatable while the service runs.

Kiosks send it as `Authorization: Bearer <token>` to take kiosk tickets (and to confirm or void
them). Rotation (`python -m queueing kiosk-token rotate`) replaces the file; the service notices
the new file at the next kiosk request (a `stat` per check) and the old token stops working at
once. A kiosk re-reads its copy of the file when the service answers 401.

A center with several kiosk PCs can give each its own token instead (`kiosk-token add NAME`),
so one lost or stolen PC is shut out (`kiosk-token revoke NAME`) without touching the others.
The service keeps only their SHA-256 in `kiosk-tokens` in its data directory (0600, one
`NAME SHA256 CREATED` line each), re-read when the file changes like the shared token's; a
named kiosk's tickets carry `kiosk:NAME` as their device, and its "Call staff" banner shows
its name, whatever `X-Kiosk-Id` it sends.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import logging
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from common.config import resolve_path
from common.sealed import read_or_create_secret, read_secret, write_private
from queueing.config import QueueingConfig

log = logging.getLogger(__name__)

TOKEN_FILE_NAME = "kiosk.token"
#: The named kiosks' token hashes, in the service's data directory.
NAMED_FILE_NAME = "kiosk-tokens"
#: A kiosk's name: what a console's "Call staff" banner and a ticket's device show.
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
#: What `KioskToken.caller` answers for the shared token (a named one: `kiosk:NAME`).
SHARED = "kiosk"


class KioskTokenError(ValueError):
    """A named-token command is refused (the message says why and what to do)."""


@dataclass(frozen=True)
class NamedKiosk:
    """A kiosk with a token of its own."""

    name: str
    sha256: str
    created: str


def is_kiosk(caller: str) -> bool:
    """Whether a caller (`KioskToken.caller`, `queueing.api`) is a kiosk, shared token or named."""
    return caller == SHARED or caller.startswith(f"{SHARED}:")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def read_named(path: Path) -> list[NamedKiosk]:
    """The named kiosks in `path` (none when it is missing); a damaged line is skipped, logged."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return []
    found: list[NamedKiosk] = []
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        if len(fields) != 3 or not NAME_RE.match(fields[0]) or not re.fullmatch(r"[0-9a-f]{64}", fields[1]):
            log.error(
                "%s line %d is not 'NAME SHA256 CREATED': skipped (that kiosk is refused)", path, number
            )
            continue
        found.append(NamedKiosk(*fields))
    return found


def _write_named(path: Path, kiosks: list[NamedKiosk]) -> None:
    """Replace `path` with `kiosks` (0600, atomically: the service reads old or new)."""
    lines = ["# kiosks with a token of their own: name, SHA-256 of the token, created (kiosk-token add)"]
    lines += [f"{k.name} {k.sha256} {k.created}" for k in kiosks]
    write_private(path, "\n".join(lines) + "\n")


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Two administrators' commands on `path` one after the other (a lock file beside it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f"{path.name}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def add_named(path: Path, name: str, now: datetime, to_file: Path | None = None) -> str:
    """A new token for kiosk `name`, its hash added to `path`; returns the token (also written to
    `to_file`, 0600, when given: an existing file is refused)."""
    if not NAME_RE.match(name):
        raise KioskTokenError(f"{name!r} is not a kiosk name: 1-32 letters, digits, '-' or '_', e.g. sanh-1")
    if name == SHARED:
        raise KioskTokenError(f"{SHARED!r} is the shared token's name; choose another, e.g. sanh-1")
    token = secrets.token_hex(32)
    with _locked(path):
        kiosks = read_named(path)
        if any(k.name == name for k in kiosks):
            raise KioskTokenError(f"kiosk {name!r} has a token already: revoke it first for a new one")
        if to_file is not None:
            try:
                write_private(to_file, token + "\n", replace=False)
            except FileExistsError:
                raise KioskTokenError(
                    f"{to_file} exists already: move it away or name another file"
                ) from None
        _write_named(path, [*kiosks, NamedKiosk(name, _digest(token), now.isoformat(timespec="seconds"))])
    log.info("kiosk %s: token added to %s", name, path)
    return token


def revoke_named(path: Path, name: str) -> None:
    """Remove kiosk `name`'s token: the running service refuses it at its next kiosk call."""
    with _locked(path):
        kiosks = read_named(path)
        if not any(k.name == name for k in kiosks):
            known = ", ".join(k.name for k in kiosks) or "none"
            raise KioskTokenError(f"no kiosk {name!r} has a token of its own (named kiosks: {known})")
        _write_named(path, [k for k in kiosks if k.name != name])
    log.info("kiosk %s: token revoked in %s", name, path)


def token_path(config: QueueingConfig, data_dir: Path) -> Path:
    """`kiosk_token_file` when set (relative to the repository), else kiosk.token in `data_dir`."""
    if config.kiosk_token_file:
        return resolve_path(config.kiosk_token_file)
    return data_dir / TOKEN_FILE_NAME


def rotate(path: Path) -> None:
    """Write a new token to `path` (0600, replaced atomically: a reader sees old or new)."""
    write_private(path, secrets.token_hex(32) + "\n")
    log.info("new kiosk token written to %s", path)


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


class KioskToken:
    """The shared kiosk token, re-read when its file changes (rotation), and the named kiosks'
    token hashes (`named_path`), re-read when theirs does (add, revoke)."""

    def __init__(self, path: Path, named_path: Path | None = None) -> None:
        self.path = path
        self.named_path = named_path or path.with_name(NAMED_FILE_NAME)
        self._lock = threading.Lock()
        self._value = ""
        self._stamp: tuple[int, int, int] | None = None
        self._named: dict[str, str] = {}  # SHA-256 of a token -> its kiosk's name
        self._named_stamp: tuple[int, int, int] | None = None

    def load(self) -> None:
        """Read the token, creating the file (0600) on first start, and the named kiosks."""
        value = read_or_create_secret(self.path)
        with self._lock:
            self._value, self._stamp = value, _stat(self.path)
        self._current_named()

    def _current(self) -> str:
        stamp = _stat(self.path)
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

    def _current_named(self) -> dict[str, str]:
        """The named kiosks by token hash; a missing file means none (a revocation cannot be
        undone by deleting the file)."""
        stamp = _stat(self.named_path)
        with self._lock:
            if stamp != self._named_stamp:
                kiosks = read_named(self.named_path) if stamp is not None else []
                self._named = {k.sha256: k.name for k in kiosks}
                self._named_stamp = stamp
                log.info("%d kiosk(s) with a token of their own (%s)", len(kiosks), self.named_path)
            return self._named

    def caller(self, presented: str) -> str | None:
        """`SHARED` for the shared token, `kiosk:NAME` for a named kiosk's, else None (the shared
        one compared in constant time; a named one found by its SHA-256)."""
        if not presented:
            return None
        current = self._current()
        if current and hmac.compare_digest(presented.encode(), current.encode()):
            return SHARED
        name = self._current_named().get(_digest(presented))
        return f"{SHARED}:{name}" if name else None

    def matches(self, presented: str) -> bool:
        """Whether `presented` is a kiosk's token (shared or named)."""
        return self.caller(presented) is not None
