"""Staff accounts: PIN (scrypt) + TOTP (pyotp), roles, short idle-expiring sessions.

TOTP secrets are stored sealed (AES-256-GCM, `common.sealed.SecretBox`) under a key file
kept outside the database (`staff_key_file`, created 0600 on first start), bound to their staff
id so rows cannot be swapped. Clear secrets written by older versions are sealed at start.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pyotp

from common.clock import Clock
from common.pins import check_pin, hash_pin, totp_step
from common.sealed import KeyFileError, SealError, SecretBox, read_or_create_secret, read_secret
from common.timestamps import epoch, utc
from contracts.locker import Role as Role  # the wire's vocabulary, defined once
from locker import audit, staff_repo
from locker.codes import is_ascii_digits
from locker.config import StaffConfig
from locker.errors import AuthError, Conflict, Forbidden, InvalidInput, LockerError, NotFound
from locker.store import Store

log = logging.getLogger(__name__)

ISSUER = "Locker 24h"
_STAFF_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")  # ASCII only, like the API's StaffBody


@dataclass(frozen=True)
class StaffSession:
    """An authenticated staff member."""

    staff_id: str
    role: Role
    expires_at: datetime
    token_digest: str


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aad(staff_id: str) -> str:
    return f"staff:{staff_id}"


def default_key_file(store: Store) -> Path:
    """Where the staff key lives when not configured: next to the database."""
    return store.path.with_name("staff.key")


def _recovery(key_file: Path) -> str:
    return (
        f"Restore {key_file} from your backup. If it is lost, run `lockerctl staff reset-key --yes` "
        "(with the same --data-dir/--config), then `lockerctl staff reenrol STAFF_ID` for every "
        "account: each person scans the new QR code in their authenticator app."
    )


def open_staff_box(store: Store, clock: Clock, key_file: Path) -> SecretBox:
    """The box for TOTP secrets; creates the key on a fresh install and seals clear legacy rows.

    Raises KeyFileError (a start-up error with what to do) when the key file is missing or does
    not open the sealed secrets in the database.
    """
    with store.read() as conn:
        rows = staff_repo.secrets(conn)
    sealed = [r for r in rows if SecretBox.is_sealed(r["totp_secret"])]
    key_hex = read_secret(key_file)
    if key_hex is None:
        if sealed:
            raise KeyFileError(
                f"the staff key file {key_file} is missing, but {len(sealed)} staff account(s) "
                f"have authenticator secrets encrypted with it. {_recovery(key_file)}"
            )
        key_hex = read_or_create_secret(key_file)
    box = SecretBox(key_hex, key_file)
    if sealed and not any(_opens(box, r["staff_id"], r["totp_secret"]) for r in sealed):
        raise KeyFileError(
            f"the staff key file {key_file} does not open the staff authenticator secrets in the "
            f"database (a different key?). {_recovery(key_file)}"
        )
    clear = [r for r in rows if not SecretBox.is_sealed(r["totp_secret"]) and r["totp_secret"]]
    if clear:  # legacy clear secrets: sealed, and the old bytes scrubbed from the file
        resealed = [
            (r["staff_id"], r["totp_secret"], box.seal(r["totp_secret"], _aad(r["staff_id"]))) for r in clear
        ]
        staff_repo.seal_clear_secrets(store.path, resealed, clock.now())
        log.info("sealed the TOTP secrets of %d staff account(s) stored in clear", len(clear))
    return box


def _opens(box: SecretBox, staff_id: str, sealed: str) -> bool:
    try:
        box.open(sealed, _aad(staff_id))
    except SealError:
        return False
    return True


def reset_key(store: Store, clock: Clock, key_file: Path, actor: str = "lockerctl") -> int:
    """After a lost key: a new key file, and every account gets a new TOTP secret nobody knows
    yet (so it must be re-enrolled with `reenrol`). Returns the number of accounts reset."""
    key_file.unlink(missing_ok=True)
    box = SecretBox(read_or_create_secret(key_file), key_file)
    now = clock.now()
    with store.tx() as conn:
        ids = staff_repo.ids(conn)
        for staff_id in ids:
            staff_repo.set_secret(conn, staff_id, box.seal(pyotp.random_base32(), _aad(staff_id)))
        staff_repo.end_sessions(conn)
        audit.append(conn, now, actor, "staff_key_reset", accounts=len(ids))
    log.warning("staff key reset: %d account(s) must be re-enrolled", len(ids))
    return len(ids)


class StaffDirectory:
    """Enrolment, sign-in and session checks."""

    def __init__(self, store: Store, clock: Clock, cfg: StaffConfig, key_file: Path | None = None) -> None:
        self._store = store
        self._clock = clock
        self._cfg = cfg
        self._box = open_staff_box(store, clock, key_file or default_key_file(store))

    def add(self, staff_id: str, role: Role, pin: str, actor: str = "lockerctl") -> str:
        """Create an account; returns the otpauth:// provisioning URI for an authenticator app."""
        if not _STAFF_ID.fullmatch(staff_id):
            raise InvalidInput("staff_id", "staff_id must be 1-32 letters, digits, '-' or '_'")
        if not (is_ascii_digits(pin) and self._cfg.pin_min_digits <= len(pin) <= 12):
            raise InvalidInput("pin", f"the PIN must be {self._cfg.pin_min_digits}-12 digits")
        secret = pyotp.random_base32()
        now = self._clock.now()
        with self._store.tx() as conn:
            if staff_repo.exists(conn, staff_id):
                raise Conflict("staff_exists", f"staff account {staff_id!r} already exists")
            sealed = self._box.seal(secret, _aad(staff_id))
            staff_repo.insert(conn, staff_id, role.value, hash_pin(pin), sealed, now)
            audit.append(conn, now, actor, "staff_added", staff_id=staff_id, role=role.value)
        return pyotp.TOTP(secret).provisioning_uri(name=staff_id, issuer_name=ISSUER)

    def reenrol(self, staff_id: str, actor: str = "lockerctl") -> str:
        """A new TOTP secret for an account (lost phone, or after `reset_key`); returns its URI."""
        secret = pyotp.random_base32()
        now = self._clock.now()
        with self._store.tx() as conn:
            if not staff_repo.set_secret(conn, staff_id, self._box.seal(secret, _aad(staff_id))):
                raise NotFound("unknown_staff", f"there is no staff account {staff_id!r}")
            staff_repo.end_sessions(conn, staff_id)
            audit.append(conn, now, actor, "staff_totp_reenrolled", staff_id=staff_id)
        return pyotp.TOTP(secret).provisioning_uri(name=staff_id, issuer_name=ISSUER)

    def totp_secret(self, staff_id: str) -> str:
        """The TOTP secret in clear (for enrolment tools and tests only)."""
        with self._store.read() as conn:
            stored = staff_repo.secret_of(conn, staff_id)
        if stored is None:
            raise AuthError("bad_credentials", "unknown staff account")
        return self._open_secret(staff_id, stored) or ""

    def _open_secret(self, staff_id: str, stored: str) -> str | None:
        """The clear TOTP secret of a row, or None (logged) when it does not open for this row."""
        try:
            return self._box.open(stored, _aad(staff_id))
        except SealError:
            log.error("staff %s: TOTP secret does not open (moved from another row?); re-enrol it", staff_id)
            return None

    def list(self) -> list[dict[str, object]]:
        """Accounts without secrets."""
        with self._store.read() as conn:
            return staff_repo.accounts(conn)

    def set_active(self, staff_id: str, active: bool, actor: str = "lockerctl") -> None:
        """Disable or re-enable an account (disabling ends its sessions)."""
        now = self._clock.now()
        with self._store.tx() as conn:
            if not staff_repo.set_active(conn, staff_id, active):
                raise InvalidInput("staff_id", f"no staff account {staff_id!r}")
            if not active:
                staff_repo.end_sessions(conn, staff_id)
            audit.append(conn, now, actor, "staff_enabled" if active else "staff_disabled", staff_id=staff_id)

    def sign_in(self, staff_id: str, pin: str, totp: str) -> tuple[str, StaffSession]:
        """Check PIN and TOTP; returns (token, session). One error for every failure reason.

        Equal work whatever the staff id: exactly one scrypt (against a dummy for an unknown,
        disabled or locked account) and one write transaction. The outcome is decided in that
        transaction, on the row as it is under the writer lock: failures are counted with an
        increment (concurrent failures each count, so they lock the account), a lock set by a
        concurrent failure refuses even the right PIN, and a TOTP step is used once.
        """
        bad = AuthError(
            "bad_credentials",
            "staff ID, PIN or authenticator code is wrong, or the account is locked after too many "
            "failed sign-ins; try again later or ask a supervisor",
        )
        with self._store.read() as conn:
            row = staff_repo.get(conn, staff_id)
        now = self._clock.now()
        was_locked = row is not None and _locked(row, now)
        usable = row if row is not None and row["active"] and not was_locked else None
        pin_hash = usable["pin_hash"] if usable is not None else None
        # the same scrypt on every path (common.pins checks a dummy hash for None)
        pin_ok = check_pin(pin, pin_hash)
        step = self._totp_step(usable, totp, now) if usable is not None else None
        token = secrets.token_urlsafe(32)
        expires = now + timedelta(minutes=self._cfg.session_idle_min)
        with self._store.tx() as conn:
            now = self._clock.now()
            fresh = staff_repo.get(conn, staff_id)
            actor = staff_id[:32] or "?"
            if fresh is None or not fresh["active"] or (usable is None and not was_locked):
                audit.append(conn, now, actor, "staff_signin_failed", reason="unknown_or_disabled")
                role = None
            elif usable is None or _locked(fresh, now):
                # locked before the check (the PIN was not even tried) or by a concurrent failure
                audit.append(conn, now, actor, "staff_signin_failed", reason="locked_out")
                role = None
            elif (
                pin_ok
                and step is not None
                and fresh["pin_hash"] == pin_hash  # not changed since it was checked
                and step > int(fresh["last_totp_step"])  # a TOTP step signs in once
            ):
                staff_repo.signed_in(conn, staff_id, step)
                staff_repo.add_session(conn, _token_digest(token), staff_id, now, expires)
                audit.append(conn, now, staff_id, "staff_signed_in")
                role = Role(fresh["role"])
            else:
                count = int(fresh["failed_signins"]) + 1
                locked_until = None
                if count >= self._cfg.max_failed_signins:
                    locked_until = epoch(now) + self._cfg.signin_lockout_min * 60
                staff_repo.set_failures(conn, staff_id, count, locked_until)
                audit.append(
                    conn, now, staff_id, "staff_signin_failed", reason="bad_pin_or_totp", failures=count
                )
                if locked_until:
                    log.warning("staff %s locked out after %d failed sign-ins", staff_id, count)
                role = None
        if role is None:
            raise bad
        return token, StaffSession(staff_id, role, expires, _token_digest(token))

    def _totp_step(self, row: sqlite3.Row, totp: str, now: datetime) -> int | None:
        """The time step whose code is `totp` (one step of clock drift either way), or None."""
        secret = self._open_secret(row["staff_id"], row["totp_secret"])
        if secret is None:
            return None
        return totp_step(secret, totp, now)

    def session(self, token: str) -> StaffSession:
        """Validate a bearer token and slide its idle expiry."""
        now = self._clock.now()
        digest = _token_digest(token)
        with self._store.tx() as conn:
            row = staff_repo.session(conn, digest)
            if row is None or not row["active"]:
                raise AuthError("not_signed_in", "sign in again (staff session unknown or ended)")
            if not self._live(row, epoch(now)):
                staff_repo.end_session(conn, digest)
                raise AuthError("session_expired", "your staff session has expired; sign in again")
            expires = now + timedelta(minutes=self._cfg.session_idle_min)
            staff_repo.touch_session(conn, digest, now, expires)
        return StaffSession(row["staff_id"], Role(row["role"]), expires, digest)

    def peek(self, token: str) -> StaffSession | None:
        """The live session of a bearer token, read only (its expiry does not slide), or None."""
        now = self._clock.now()
        digest = _token_digest(token)
        try:
            with self._store.read() as conn:
                row = staff_repo.session(conn, digest)
        except (sqlite3.Error, LockerError):  # health asks this: it must answer, storage or not
            return None
        if row is None or not row["active"] or not self._live(row, epoch(now)):
            return None
        return StaffSession(row["staff_id"], Role(row["role"]), utc(row["expires_at"]), digest)

    def _live(self, row: sqlite3.Row, now_s: float) -> bool:
        """The session `row` has neither idled out nor outlived `session_max_h` at `now_s`."""
        return bool(row["expires_at"] > now_s and now_s - row["created_at"] <= self._cfg.session_max_h * 3600)

    def sign_out(self, sess: StaffSession) -> None:
        """End a session."""
        with self._store.tx() as conn:
            staff_repo.end_session(conn, sess.token_digest)
            audit.append(conn, self._clock.now(), sess.staff_id, "staff_signed_out")


def _locked(row: sqlite3.Row, now: datetime) -> bool:
    """Whether the account is in its sign-in lockout at `now`."""
    return row["locked_until"] is not None and bool(row["locked_until"] > epoch(now))


def require_supervisor(sess: StaffSession) -> None:
    """Raise Forbidden unless the session belongs to a supervisor."""
    if sess.role is not Role.SUPERVISOR:
        raise Forbidden("supervisor_required", "this needs a supervisor; ask one to sign in")
