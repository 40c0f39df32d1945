"""Slow PIN hashing and authenticator-code checking shared by every staff sign-in (locker,
queueing counters, the hub's supervisors).

scrypt (N=2^14, r=8, p=1, 32 bytes) with a random 16-byte salt, stored as 'scrypt$salt$hash'
in hex. `check_pin` always does one full scrypt, also for a malformed stored value, so the time
of a check never tells whether an account exists. `totp_step` finds the time step of an
authenticator code (RFC 6238 through pyotp, one step of drift either way).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import pyotp

_N, _R, _P, _LEN = 2**14, 8, 1, 32
# A valid stored value for no real account: checked against when the account is unknown, locked
# or its stored value is unreadable, so every sign-in costs the same.
_DUMMY_SALT = bytes(16)


def _scrypt(pin: str, salt: bytes) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_LEN)


def hash_pin(pin: str) -> str:
    """A new salted scrypt hash of `pin`, encoded as 'scrypt$salt$hash'."""
    salt = secrets.token_bytes(16)
    return f"scrypt${salt.hex()}${_scrypt(pin, salt).hex()}"


def check_pin(pin: str, stored: str | None) -> bool:
    """Constant-time check of `pin` against `hash_pin` output; None or garbage never matches."""
    salt, want = _DUMMY_SALT, b""
    if stored:
        parts = stored.split("$")
        if len(parts) == 3 and parts[0] == "scrypt":
            try:
                salt, want = bytes.fromhex(parts[1]), bytes.fromhex(parts[2])
            except ValueError:
                salt, want = _DUMMY_SALT, b""
    got = _scrypt(pin, salt)
    return bool(want) and hmac.compare_digest(got, want)


def is_pin_hash(value: str) -> bool:
    """Whether `value` looks like `hash_pin` output (for config validation)."""
    parts = value.split("$")
    if len(parts) != 3 or parts[0] != "scrypt":
        return False
    try:
        return len(bytes.fromhex(parts[1])) == 16 and len(bytes.fromhex(parts[2])) == _LEN
    except ValueError:
        return False


def totp_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose authenticator code is `code` (one step of clock drift either way), or
    None; the caller refuses a step it has already accepted, so each code works once."""
    totp = pyotp.TOTP(secret)
    found = None
    for offset in (-1, 0, 1):
        when = now + timedelta(seconds=offset * totp.interval)
        if hmac.compare_digest(totp.at(when), code.strip()):
            found = totp.timecode(when)
    return found
