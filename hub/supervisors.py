"""The hub's supervisor accounts: PIN (common.pins, scrypt) + TOTP (pyotp), lockout after repeated
failures, short sessions. Only a supervisor may change the central catalogue.

The same rules as the locker's staff sign-in (locker.staff): one scrypt on every path (a dummy
hash for an unknown or locked account), the outcome decided on the row locked in one transaction
(concurrent failures each count), a TOTP step signs in once, one error for every failure. Session
tokens are 256 random bits; only their SHA-256 is stored. TOTP secrets are sealed with the
`common.sealed.SecretBox` (AES-256-GCM, bound to the account's name) under a key file kept outside the
database (`[hub_server.catalogue] key_file`, created 0600 at the first use).
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pyotp
from pydantic import BaseModel, ConfigDict, Field

from common.config import resolve_path
from common.pins import check_pin, hash_pin, totp_step
from common.sealed import SealError, SecretBox, read_or_create_secret
from hub.tokens import token_hash

log = logging.getLogger(__name__)

ISSUER = "Province hub"
NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
DEVICE_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)
#: Browsers remembered per account (the most recent; an older one is an unknown browser again).
DEVICES_KEPT = 20


class SupervisorSettings(BaseModel):
    """`[hub_server.catalogue]`: supervisors' sign-in (every key commented in config/default.toml)."""

    model_config = ConfigDict(extra="forbid")

    session_min: int = Field(default=30, ge=1, le=24 * 60)
    max_failed_signins: int = Field(default=5, ge=1, le=100)
    lockout_min: int = Field(default=15, ge=1, le=24 * 60)
    pin_min_digits: int = Field(default=6, ge=4, le=12)
    key_file: str = ""  # empty: supervisor.key in [hub_server] data_dir
    device_trust_days: int = Field(default=90, ge=0, le=3_650)


class SupervisorError(ValueError):
    """An account cannot be created as asked; the message says what to change."""


class SignInFailed(Exception):
    """Wrong name, PIN or TOTP, or a locked account (one message for all)."""

    MESSAGE = (
        "Name, PIN or authenticator code is wrong, or the account is locked after too many failed "
        "sign-ins; wait and try again, or ask the hub's operator."
    )


@dataclass(frozen=True)
class Supervisor:
    """A signed-in supervisor."""

    name: str
    expires_at: datetime


def key_path(settings: SupervisorSettings, data_dir: str) -> Path:
    """The key file sealing the TOTP secrets."""
    return resolve_path(settings.key_file) if settings.key_file else resolve_path(data_dir) / "supervisor.key"


def open_box(path: Path) -> SecretBox:
    """The box for TOTP secrets (its key file created 0600 when missing)."""
    return SecretBox(read_or_create_secret(path), path)


def _aad(name: str) -> str:
    return f"supervisor:{name}"


def _check_new(name: str, pin: str, pin_min_digits: int) -> None:
    if not NAME_RE.match(name):
        raise SupervisorError(f"supervisor name {name!r}: use 1-32 letters, digits, '.', '_' or '-'")
    if not (pin.isascii() and pin.isdigit() and pin_min_digits <= len(pin) <= 12):
        raise SupervisorError(f"the PIN must be {pin_min_digits}-12 digits")


def add_supervisor(
    conn: psycopg.Connection, box: SecretBox, name: str, pin: str, pin_min_digits: int = 6
) -> str:
    """Create an account; returns the otpauth:// URI to scan into an authenticator app."""
    _check_new(name, pin, pin_min_digits)
    secret = pyotp.random_base32()
    with conn.transaction():
        inserted = conn.execute(
            "INSERT INTO supervisors(name, pin_hash, totp_secret) VALUES (%s, %s, %s) "
            "ON CONFLICT (name) DO NOTHING",
            (name, hash_pin(pin), box.seal(secret, _aad(name))),
        ).rowcount
        if not inserted:
            raise SupervisorError(
                f"supervisor {name!r} exists already; choose another name, or `supervisor reset {name}`"
            )
        audit(conn, name, "supervisor_added", None, None, None, "")
    return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=ISSUER)


def reset_supervisor(
    conn: psycopg.Connection, box: SecretBox, name: str, pin: str, pin_min_digits: int = 6
) -> str:
    """A new PIN and authenticator secret (lost phone, lost key file, revoked account); ends its
    sessions and lifts a lock; returns the new otpauth:// URI."""
    _check_new(name, pin, pin_min_digits)
    secret = pyotp.random_base32()
    with conn.transaction():
        updated = conn.execute(
            "UPDATE supervisors SET pin_hash = %s, totp_secret = %s, failed_signins = 0, "
            "locked_until = NULL, last_totp_step = 0, revoked_at = NULL WHERE name = %s",
            (hash_pin(pin), box.seal(secret, _aad(name)), name),
        ).rowcount
        if not updated:
            raise SupervisorError(f"no supervisor {name!r}; create it with `supervisor add {name}`")
        conn.execute("DELETE FROM supervisor_sessions WHERE name = %s", (name,))
        conn.execute("DELETE FROM supervisor_devices WHERE name = %s", (name,))  # no browser trusted yet
        audit(conn, name, "supervisor_reset", None, None, None, "")
    return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=ISSUER)


def revoke_supervisor(conn: psycopg.Connection, name: str) -> None:
    """The account signs in no more; its sessions end now (audited; `reset` brings it back)."""
    with conn.transaction():
        updated = conn.execute(
            "UPDATE supervisors SET revoked_at = now() WHERE name = %s AND revoked_at IS NULL", (name,)
        ).rowcount
        if not updated:
            raise SupervisorError(f"no active supervisor {name!r}")
        conn.execute("DELETE FROM supervisor_sessions WHERE name = %s", (name,))
        conn.execute("DELETE FROM supervisor_devices WHERE name = %s", (name,))
        audit(conn, name, "supervisor_revoked", None, None, None, "")


def audit(
    conn: psycopg.Connection,
    actor: str,
    action: str,
    scope: str | None,
    before: object,
    after: object,
    detail: str,
    version: int | None = None,
) -> None:
    """One row of the catalogue's audit trail (who, when, what); inside the caller's transaction."""
    from psycopg.types.json import Jsonb

    conn.execute(
        "INSERT INTO catalogue_audit(actor, action, scope, version, before, after, detail) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (
            actor,
            action,
            scope,
            version,
            None if before is None else Jsonb(before),
            None if after is None else Jsonb(after),
            detail,
        ),
    )


def _step(box: SecretBox, name: str, sealed: str, code: str, now: datetime) -> int | None:
    """The time step whose code is `code` (one step of drift either way), or None."""
    try:
        secret = box.open(sealed, _aad(name))
    except SealError:
        log.error(
            "supervisor %s: the authenticator secret does not open with %s (another key file?); restore "
            "the key file, or run `python -m hub supervisor reset %s --pin-stdin`",
            name,
            box.path,
            name,
        )
        return None
    return totp_step(secret, code, now)


def sign_in(
    conn: psycopg.Connection,
    box: SecretBox,
    name: str,
    pin: str,
    code: str,
    now: datetime,
    cfg: SupervisorSettings,
    device: str | None = None,
) -> tuple[str, Supervisor, str | None]:
    """Check PIN and TOTP; returns (session token, supervisor, the browser's device cookie to set
    or None) or raises SignInFailed.

    `device`: the cookie the browser sent. From a browser where the account signed in within
    `device_trust_days`, failures count against that browser alone; from any other, against the
    account's count for unknown browsers. So strangers' tries lock only unknown browsers out.
    """
    trusted = bool(device and DEVICE_RE.fullmatch(device) and cfg.device_trust_days)
    device_hash = token_hash(str(device)) if trusted else None
    since = now - timedelta(days=cfg.device_trust_days)
    row = conn.execute(
        "SELECT pin_hash, totp_secret, locked_until FROM supervisors WHERE name = %s AND revoked_at IS NULL",
        (name,),
    ).fetchone()
    known = _known_device(conn, device_hash, name, since, lock=False) if row is not None else None
    locked_until = known[1] if known is not None else row[2] if row is not None else None
    locked = locked_until is not None and locked_until > now
    usable = row if row is not None and not locked else None
    pin_ok = check_pin(pin, usable[0] if usable is not None else None)  # one scrypt on every path
    step = _step(box, name, usable[1], code, now) if usable is not None else None
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(minutes=cfg.session_min)
    ok = False
    with conn.transaction():
        fresh = conn.execute(
            "SELECT pin_hash, failed_signins, locked_until, last_totp_step FROM supervisors "
            "WHERE name = %s AND revoked_at IS NULL FOR UPDATE",
            (name,),
        ).fetchone()
        by_device = _known_device(conn, device_hash, name, since, lock=True) if fresh is not None else None
        failures, until = by_device if by_device is not None else (fresh[1], fresh[2]) if fresh else (0, None)
        actor = name[:32] or "?"
        if fresh is None:
            audit(conn, actor, "signin_failed", None, None, None, "unknown or revoked account")
        elif usable is None or (until is not None and until > now):
            audit(conn, actor, "signin_failed", None, None, None, "locked out")
        elif pin_ok and step is not None and fresh[0] == usable[0] and step > int(fresh[3]):
            conn.execute(
                "UPDATE supervisors SET last_totp_step = %s WHERE name = %s"
                if by_device is not None
                else "UPDATE supervisors SET failed_signins = 0, locked_until = NULL, last_totp_step = %s "
                "WHERE name = %s",
                (step, name),
            )
            conn.execute(
                "INSERT INTO supervisor_sessions(token_hash, name, expires_at) VALUES (%s, %s, %s)",
                (token_hash(token), name, expires),
            )
            if cfg.device_trust_days:
                device = device if device_hash is not None else secrets.token_urlsafe(32)
                _remember_device(conn, token_hash(str(device)), name, now, since)
            audit(conn, name, "signed_in", None, None, None, "")
            ok = True
        else:
            count = int(failures) + 1
            until = now + timedelta(minutes=cfg.lockout_min) if count >= cfg.max_failed_signins else None
            where = "this browser" if by_device is not None else "unknown browsers"
            conn.execute(
                "UPDATE supervisor_devices SET failed_signins = %s, locked_until = %s "
                "WHERE name = %s AND token_hash = %s"
                if by_device is not None
                else "UPDATE supervisors SET failed_signins = %s, locked_until = %s WHERE name = %s",
                (0 if until else count, until, name, *([device_hash] if by_device is not None else [])),
            )
            detail = f"wrong PIN or code ({count} in a row, {where})"
            audit(conn, name, "signin_failed", None, None, None, detail)
            if until is not None:
                audit(conn, name, "locked_out", None, None, None, f"{where} until {until.isoformat()}")
                log.warning("supervisor %s locked out (%s) after %d failed sign-ins", name, where, count)
    if not ok:
        raise SignInFailed(SignInFailed.MESSAGE)
    return token, Supervisor(name, expires), device if cfg.device_trust_days else None


_DEVICE = (
    "SELECT failed_signins, locked_until FROM supervisor_devices "
    "WHERE token_hash = %s AND name = %s AND last_signin_at >= %s"
)
_DEVICE_LOCKED = _DEVICE + " FOR UPDATE"


def _known_device(
    conn: psycopg.Connection, device_hash: bytes | None, name: str, since: datetime, lock: bool
) -> tuple[int, datetime | None] | None:
    """(failed sign-ins, locked until) of a browser where the account signed in at or after
    `since`, or None (an unknown browser); `lock`: the row is locked until the commit."""
    if device_hash is None:
        return None
    row = conn.execute(_DEVICE_LOCKED if lock else _DEVICE, (device_hash, name, since)).fetchone()
    return None if row is None else (int(row[0]), row[1])


def _remember_device(
    conn: psycopg.Connection, device_hash: bytes, name: str, now: datetime, since: datetime
) -> None:
    """The account signed in from this browser now (its count starts again); the account's browsers
    not used since `since`, and all but its `DEVICES_KEPT` most recent, are forgotten."""
    conn.execute(
        "INSERT INTO supervisor_devices(token_hash, name, last_signin_at) VALUES (%s, %s, %s) "
        "ON CONFLICT (token_hash, name) DO UPDATE SET failed_signins = 0, locked_until = NULL, "
        "last_signin_at = excluded.last_signin_at",
        (device_hash, name, now),
    )
    conn.execute(
        "DELETE FROM supervisor_devices WHERE name = %s AND (last_signin_at < %s OR token_hash NOT IN ("
        "SELECT token_hash FROM supervisor_devices WHERE name = %s ORDER BY last_signin_at DESC LIMIT %s))",
        (name, since, name, DEVICES_KEPT),
    )


def session(conn: psycopg.Connection, token: str, now: datetime) -> Supervisor | None:
    """The supervisor a session token belongs to, or None (unknown, ended, account revoked)."""
    row = conn.execute(
        "SELECT s.name, s.expires_at FROM supervisor_sessions s JOIN supervisors a USING (name) "
        "WHERE s.token_hash = %s AND s.expires_at > %s AND a.revoked_at IS NULL",
        (token_hash(token), now),
    ).fetchone()
    return None if row is None else Supervisor(row[0], row[1])


def sign_out(conn: psycopg.Connection, token: str) -> None:
    """End a session (and forget sessions ended long ago)."""
    conn.execute("DELETE FROM supervisor_sessions WHERE token_hash = %s", (token_hash(token),))
    conn.execute("DELETE FROM supervisor_sessions WHERE expires_at < now() - interval '1 day'")
