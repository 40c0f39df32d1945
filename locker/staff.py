"""Staff accounts: PIN (scrypt) + TOTP (pyotp), roles, short idle-expiring sessions."""

from __future__ import annotations

import enum
import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp

from common.clock import Clock
from locker import audit
from locker.codes import is_ascii_digits
from locker.config import StaffConfig
from locker.errors import AuthError, Conflict, Forbidden, InvalidInput
from locker.store import Store

log = logging.getLogger(__name__)

ISSUER = "Locker 24h"
_STAFF_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")  # ASCII only, like the API's StaffBody


class Role(enum.StrEnum):
    """What a staff member may do."""

    LOADER = "loader"  # load, confirm, reopen/bigger/cancel, withdraw expired, alarms, audit
    SUPERVISOR = "supervisor"  # all of the above, plus unblock, re-issue, force open, reconcile


@dataclass(frozen=True)
class StaffSession:
    """An authenticated staff member."""

    staff_id: str
    role: Role
    expires_at: datetime
    token_digest: str


def hash_pin(pin: str) -> str:
    """scrypt(N=2^14, r=8, p=1) with a random salt; encoded as 'scrypt$salt$hash'."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_pin(pin: str, stored: str) -> bool:
    """Constant-time check of a PIN against `hash_pin` output."""
    try:
        _, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    digest = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt_hex), n=2**14, r=8, p=1, dklen=32)
    return hmac.compare_digest(digest.hex(), digest_hex)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class StaffDirectory:
    """Enrolment, sign-in and session checks."""

    def __init__(self, store: Store, clock: Clock, cfg: StaffConfig) -> None:
        self._store = store
        self._clock = clock
        self._cfg = cfg

    def add(self, staff_id: str, role: Role, pin: str, actor: str = "lockerctl") -> str:
        """Create an account; returns the otpauth:// provisioning URI for an authenticator app."""
        if not _STAFF_ID.fullmatch(staff_id):
            raise InvalidInput("staff_id", "staff_id must be 1-32 letters, digits, '-' or '_'")
        if not (is_ascii_digits(pin) and self._cfg.pin_min_digits <= len(pin) <= 12):
            raise InvalidInput("pin", f"the PIN must be {self._cfg.pin_min_digits}-12 digits")
        secret = pyotp.random_base32()
        now = self._clock.now()
        with self._store.tx() as conn:
            if conn.execute("SELECT 1 FROM staff WHERE staff_id=?", (staff_id,)).fetchone():
                raise Conflict("staff_exists", f"staff account {staff_id!r} already exists")
            conn.execute(
                "INSERT INTO staff(staff_id, role, pin_hash, totp_secret, created_at) VALUES (?,?,?,?,?)",
                (staff_id, role.value, hash_pin(pin), secret, now.isoformat()),
            )
            audit.append(conn, now, actor, "staff_added", staff_id=staff_id, role=role.value)
        return pyotp.TOTP(secret).provisioning_uri(name=staff_id, issuer_name=ISSUER)

    def totp_secret(self, staff_id: str) -> str:
        """The TOTP secret (for enrolment tools and tests only)."""
        with self._store.read() as conn:
            row = conn.execute("SELECT totp_secret FROM staff WHERE staff_id=?", (staff_id,)).fetchone()
        if row is None:
            raise AuthError("bad_credentials", "unknown staff account")
        return str(row["totp_secret"])

    def list(self) -> list[dict[str, object]]:
        """Accounts without secrets."""
        with self._store.read() as conn:
            rows = conn.execute(
                "SELECT staff_id, role, active, created_at FROM staff ORDER BY staff_id"
            ).fetchall()
        return [dict(r) for r in rows]

    def set_active(self, staff_id: str, active: bool, actor: str = "lockerctl") -> None:
        """Disable or re-enable an account (disabling ends its sessions)."""
        now = self._clock.now()
        with self._store.tx() as conn:
            cur = conn.execute("UPDATE staff SET active=? WHERE staff_id=?", (int(active), staff_id))
            if cur.rowcount == 0:
                raise InvalidInput("staff_id", f"no staff account {staff_id!r}")
            if not active:
                conn.execute("DELETE FROM sessions WHERE staff_id=?", (staff_id,))
            audit.append(conn, now, actor, "staff_enabled" if active else "staff_disabled", staff_id=staff_id)

    def sign_in(self, staff_id: str, pin: str, totp: str) -> tuple[str, StaffSession]:
        """Check PIN and TOTP; returns (token, session). One error for every failure reason."""
        now = self._clock.now()
        bad = AuthError("bad_credentials", "staff ID, PIN or authenticator code is wrong; try again")
        with self._store.read() as conn:
            row = conn.execute("SELECT * FROM staff WHERE staff_id=?", (staff_id,)).fetchone()
        if row is None or not row["active"]:
            check_pin(pin, hash_pin("000000"))  # same work as a real check: no timing oracle
            self._audit_fail(staff_id, "unknown_or_disabled")
            raise bad
        if row["locked_until"] and datetime.fromisoformat(row["locked_until"]) > now:
            self._audit_fail(staff_id, "locked_out")
            raise AuthError(
                "bad_credentials", "too many failed sign-ins; wait and try again, or ask a supervisor"
            )
        totp_obj = pyotp.TOTP(row["totp_secret"])
        step = None
        for offset in (-1, 0, 1):
            when = now + timedelta(seconds=offset * totp_obj.interval)
            if hmac.compare_digest(totp_obj.at(when), totp.strip()):
                step = totp_obj.timecode(when)
        pin_ok = check_pin(pin, row["pin_hash"])
        if not pin_ok or step is None or step <= int(row["last_totp_step"]):
            self._failed(staff_id, int(row["failed_signins"]) + 1)
            raise bad
        token = secrets.token_urlsafe(32)
        idle = timedelta(minutes=self._cfg.session_idle_min)
        expires = now + idle
        with self._store.tx() as conn:
            conn.execute(
                "UPDATE staff SET failed_signins=0, locked_until=NULL, last_totp_step=? WHERE staff_id=?",
                (step, staff_id),
            )
            conn.execute(
                "INSERT INTO sessions(token_digest, staff_id, created_at, last_seen_at, expires_at)"
                " VALUES (?,?,?,?,?)",
                (_token_digest(token), staff_id, now.isoformat(), now.isoformat(), expires.isoformat()),
            )
            audit.append(conn, now, staff_id, "staff_signed_in")
        return token, StaffSession(staff_id, Role(row["role"]), expires, _token_digest(token))

    def _audit_fail(self, staff_id: str, reason: str) -> None:
        with self._store.tx() as conn:
            audit.append(conn, self._clock.now(), staff_id[:32] or "?", "staff_signin_failed", reason=reason)

    def _failed(self, staff_id: str, count: int) -> None:
        now = self._clock.now()
        locked_until = None
        if count >= self._cfg.max_failed_signins:
            locked_until = (now + timedelta(minutes=self._cfg.signin_lockout_min)).isoformat()
        with self._store.tx() as conn:
            conn.execute(
                "UPDATE staff SET failed_signins=?, locked_until=? WHERE staff_id=?",
                (count, locked_until, staff_id),
            )
            audit.append(conn, now, staff_id, "staff_signin_failed", reason="bad_pin_or_totp", failures=count)

    def session(self, token: str) -> StaffSession:
        """Validate a bearer token and slide its idle expiry."""
        now = self._clock.now()
        digest = _token_digest(token)
        with self._store.tx() as conn:
            row = conn.execute(
                "SELECT s.*, st.role, st.active FROM sessions s JOIN staff st USING(staff_id)"
                " WHERE token_digest=?",
                (digest,),
            ).fetchone()
            if row is None or not row["active"]:
                raise AuthError("not_signed_in", "sign in again (staff session unknown or ended)")
            created = datetime.fromisoformat(row["created_at"])
            if datetime.fromisoformat(row["expires_at"]) <= now or now - created > timedelta(
                hours=self._cfg.session_max_h
            ):
                conn.execute("DELETE FROM sessions WHERE token_digest=?", (digest,))
                raise AuthError("session_expired", "your staff session has expired; sign in again")
            expires = now + timedelta(minutes=self._cfg.session_idle_min)
            conn.execute(
                "UPDATE sessions SET last_seen_at=?, expires_at=? WHERE token_digest=?",
                (now.isoformat(), expires.isoformat(), digest),
            )
        return StaffSession(row["staff_id"], Role(row["role"]), expires, digest)

    def sign_out(self, sess: StaffSession) -> None:
        """End a session."""
        with self._store.tx() as conn:
            conn.execute("DELETE FROM sessions WHERE token_digest=?", (sess.token_digest,))
            audit.append(conn, self._clock.now(), sess.staff_id, "staff_signed_out")


def require_supervisor(sess: StaffSession) -> None:
    """Raise Forbidden unless the session belongs to a supervisor."""
    if sess.role is not Role.SUPERVISOR:
        raise Forbidden("supervisor_required", "this needs a supervisor; ask one to sign in")
