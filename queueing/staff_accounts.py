"""Counter staff accounts in the queueing database: PINs as slow hashes (`common.pins`), the
sign-in lockout, the demo accounts of the simulated center, and an audit trail of staff actions.

The lockout is checked and recorded in one write transaction (BEGIN IMMEDIATE) before the PIN
is hashed: every attempt is counted first, so N concurrent wrong PINs count N, and a correct PIN
clears the count afterwards. Every sign-in costs exactly one scrypt, whether the id is unknown,
known, disabled or locked, so the time of an answer does not tell which.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import sqlite3
import threading
from dataclasses import dataclass

from common.clock import Clock
from common.config import DEFAULT_CONFIG, read_toml
from common.pins import check_pin, hash_pin
from common.serving import is_loopback
from queueing import staff_repo
from queueing.config import STAFF_ID_PATTERN, DemoStaffConfig, QueueingConfig
from queueing.errors import QueueError
from queueing.staff_repo import audit
from queueing.store import Store

log = logging.getLogger(__name__)

#: How many PIN hashes run at once (each scrypt takes ~16 MiB and a core for ~50 ms); the rest
#: wait their turn, so a burst of sign-ins can neither exhaust memory nor every core.
PIN_CHECKS_AT_ONCE = 2
#: Sign-ins in progress at once (hashing or waiting for a hash); one more is answered 429 at once
#: rather than wait on a worker thread, so a flood of sign-ins cannot hold the threads every other
#: route (the kiosk's tickets, the counters' calls) needs.
SIGNINS_AT_ONCE = 8
#: The same for browsers the account signed in from before (`qstaffdevice`): their own slots, so
#: strangers keeping the others busy never turn the counter PCs away.
TRUSTED_SIGNINS_AT_ONCE = 4
#: A lockout doubles each time it is reached again without a sign-in in between, up to this.
LOCKOUT_MAX_S = 86_400
_STAFF_ID = re.compile(STAFF_ID_PATTERN)
_PIN = re.compile(r"^[0-9]{4,12}$")
_DEVICE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)
#: Browsers remembered per account (the most recent; an older one is an unknown browser again).
TRUSTED_DEVICES_KEPT = 20
CREATE_HINT = "python -m queueing staff add ID --name NAME [--supervisor] --pin-stdin"


@dataclass(frozen=True)
class StaffAccount:
    """A counter staff member as the console and reports see them (no PIN)."""

    staff_id: str
    name: str
    supervisor: bool


@dataclass(frozen=True)
class StaffListing:
    """One account as `staff list` shows it (never its PIN hash)."""

    staff_id: str
    name: str
    supervisor: bool
    active: bool
    demo: bool
    failed_signins: int
    locked_until: float | None
    created_at: float


def shipped_demo_pins() -> frozenset[str]:
    """The PINs of the demo accounts in config/default.toml: published, so never a real PIN."""
    raw = read_toml(DEFAULT_CONFIG).get("queueing", {}).get("demo_staff", [])
    return frozenset(str(a.get("pin", "")) for a in raw if isinstance(a, dict)) - {""}


def demo_refusal(config: QueueingConfig) -> str | None:
    """Why the service must not start: demo accounts (published PINs) on a non-loopback host."""
    if not config.demo_staff or is_loopback(config.host):
        return None
    ids = ", ".join(d.staff_id for d in config.demo_staff)
    return (
        f"refusing to listen on {config.host} with demo counter accounts ({ids}) whose PINs are "
        f"published: set demo_staff = [] under [queueing] in the site file and create real accounts "
        f"with `{CREATE_HINT}`"
    )


def ensure_schema(store: Store) -> None:
    """Create the staff tables if missing."""
    with store.tx() as conn:
        staff_repo.create_tables(conn)


class StaffAccounts:
    """Accounts (create, list, disable, reset a PIN), demo seeding, and the PIN check with lockout."""

    def __init__(self, store: Store, clock: Clock, config: QueueingConfig) -> None:
        self.store = store
        self.clock = clock
        self.config = config
        self._pin_checks = threading.BoundedSemaphore(PIN_CHECKS_AT_ONCE)
        self._signins = threading.BoundedSemaphore(SIGNINS_AT_ONCE)
        self._trusted_signins = threading.BoundedSemaphore(TRUSTED_SIGNINS_AT_ONCE)

    # ------------------------------------------------------------------ administration

    def add(self, staff_id: str, name: str, pin: str, supervisor: bool, actor: str = "cli") -> None:
        """Create an account (ValueError with what to fix when the input is not acceptable)."""
        if not _STAFF_ID.fullmatch(staff_id):
            raise ValueError("the staff ID must be 1-32 letters, digits, '.', '-' or '_'")
        if not name.strip():
            raise ValueError("give the person's name with --name")
        pin_hash = hash_pin(self._acceptable_pin(pin))
        now = self.clock.now().timestamp()
        with self.store.tx() as conn:
            if staff_repo.exists(conn, staff_id):
                raise ValueError(f"staff account {staff_id!r} already exists (reset its PIN with reset-pin)")
            staff_repo.insert(conn, staff_id, name.strip(), pin_hash, supervisor, now)
            audit(conn, now, actor, "staff_added", staff_id=staff_id, supervisor=supervisor)

    def reset_pin(self, staff_id: str, pin: str, actor: str = "cli") -> None:
        """A new PIN for an account; ends its sessions and clears a lockout."""
        pin_hash = hash_pin(self._acceptable_pin(pin))
        now = self.clock.now().timestamp()
        with self.store.tx() as conn:
            if not staff_repo.reset_pin(conn, staff_id, pin_hash):
                raise ValueError(f"there is no staff account {staff_id!r}")
            staff_repo.delete_sessions_of(conn, staff_id)
            staff_repo.forget_devices(conn, staff_id)  # a fresh start: no browser trusted yet
            audit(conn, now, actor, "staff_pin_reset", staff_id=staff_id)

    def set_active(self, staff_id: str, active: bool, actor: str = "cli") -> None:
        """Disable (ending its sessions) or re-enable an account."""
        now = self.clock.now().timestamp()
        with self.store.tx() as conn:
            if not staff_repo.set_active(conn, staff_id, active):
                raise ValueError(f"there is no staff account {staff_id!r}")
            if not active:
                staff_repo.delete_sessions_of(conn, staff_id)
                staff_repo.forget_devices(conn, staff_id)
            audit(conn, now, actor, "staff_enabled" if active else "staff_disabled", staff_id=staff_id)

    def listing(self) -> list[StaffListing]:
        """Every account, without PIN hashes."""
        with self.store.read() as conn:
            rows = staff_repo.listing(conn)
        return [
            StaffListing(
                staff_id=r["staff_id"],
                name=r["name"],
                supervisor=bool(r["supervisor"]),
                active=bool(r["active"]),
                demo=bool(r["demo"]),
                failed_signins=int(r["failed_signins"]),
                locked_until=None if r["locked_until"] is None else float(r["locked_until"]),
                created_at=float(r["created_at"]),
            )
            for r in rows
        ]

    def names(self) -> dict[str, str]:
        """staff_id -> name of every account (report labels)."""
        with self.store.read() as conn:
            return staff_repo.names(conn)

    def account(self, staff_id: str) -> StaffAccount | None:
        """An active account, or None."""
        with self.store.read() as conn:
            row = staff_repo.active_by_id(conn, staff_id)
        return None if row is None else StaffAccount(row["staff_id"], row["name"], bool(row["supervisor"]))

    def _acceptable_pin(self, pin: str) -> str:
        if not _PIN.fullmatch(pin):
            raise ValueError("the PIN must be 4-12 digits (0-9)")
        if pin in shipped_demo_pins() | {d.pin for d in self.config.demo_staff}:
            raise ValueError("that PIN is a published demo PIN; choose another")
        return pin

    # ------------------------------------------------------------------ demo accounts

    def sync_demo(self, demo: list[DemoStaffConfig]) -> None:
        """Make the demo accounts in the database exactly the configured ones (hashing new PINs).

        A demo account no longer configured is deleted with its sessions: a site file with
        `demo_staff = []` leaves no demo account behind from an earlier simulated run.
        """
        now = self.clock.now().timestamp()
        with self.store.read() as conn:
            have = staff_repo.all_rows(conn)
        # hash outside the transaction (50 ms each); only accounts whose PIN is not stored yet
        hashes = {
            d.staff_id: hash_pin(d.pin)
            for d in demo
            if d.staff_id not in have or not check_pin(d.pin, have[d.staff_id]["pin_hash"])
        }
        wanted = {d.staff_id for d in demo}
        with self.store.tx() as conn:
            for d in demo:
                row = have.get(d.staff_id)
                if row is not None and not row["demo"]:
                    log.warning("demo account %s is not seeded: a real account has that ID", d.staff_id)
                elif row is None:
                    pin_hash = hashes[d.staff_id]
                    staff_repo.insert(conn, d.staff_id, d.name, pin_hash, d.supervisor, now, demo=True)
                else:
                    staff_repo.update_demo(
                        conn, d.staff_id, d.name, d.supervisor, hashes.get(d.staff_id, row["pin_hash"])
                    )
            for staff_id, row in have.items():
                if row["demo"] and staff_id not in wanted:
                    staff_repo.delete_sessions_of(conn, staff_id)
                    staff_repo.delete(conn, staff_id)
                    staff_repo.forget_devices(conn, staff_id)
                    audit(conn, now, "config", "demo_staff_removed", staff_id=staff_id)
            real = staff_repo.count_real_active(conn)
        if demo:
            log.warning(
                "demo counter accounts active (%s): for the simulated center only",
                ", ".join(sorted(wanted)),
            )
        elif not real:
            log.warning("no counter staff accounts yet: create them with `%s`", CREATE_HINT)

    # ------------------------------------------------------------------ sign-in

    def verify(self, staff_id: str, pin: str, device: str | None = None) -> StaffAccount:
        """The account when `pin` is its PIN; 401 bad_credentials or 429 too_many_attempts.

        The attempt is recorded before the PIN is hashed, in the transaction that checks the
        lockout; the caller clears the count with `signed_in` once the sign-in is complete.
        `device`: the browser's `qstaffdevice` cookie. From a browser where the account signed in
        within `signin_device_trust_days`, wrong PINs count against that browser alone; from any
        other, against the account's count for unknown browsers. So strangers' tries (a phone on
        the LAN) lock out only unknown browsers, never the counter PCs the person works at.
        More than `SIGNINS_AT_ONCE` at once (`TRUSTED_SIGNINS_AT_ONCE` from the browsers the
        account trusts, counted apart): 429 `throttled` before anything is counted.
        """
        slots = self._signins
        device_hash = self._trusted(device)
        if device_hash is not None:
            with self.store.read() as conn:
                if staff_repo.trusted_device(
                    conn, device_hash, staff_id, self._trust_since(self.clock.now().timestamp())
                ):
                    slots = self._trusted_signins
        if not slots.acquire(blocking=False):
            raise QueueError(
                429,
                "throttled",
                "Đang có nhiều lượt đăng nhập cùng lúc: thử lại sau vài giây. "
                "Many sign-ins at this moment: try again in a few seconds.",
                retry_after_s=2,
            )
        try:
            return self._verify(staff_id, pin, device)
        finally:
            slots.release()

    def _verify(self, staff_id: str, pin: str, device: str | None) -> StaffAccount:
        now = self.clock.now().timestamp()
        device_hash = self._trusted(device)
        with self.store.tx() as conn:
            row = staff_repo.by_id(conn, staff_id)
            counted = None
            if row is not None and device_hash is not None:
                counted = staff_repo.trusted_device(conn, device_hash, staff_id, self._trust_since(now))
            locked, until = False, None
            if counted is not None:
                locked, fails, until = self._count_try(counted, now)
                staff_repo.set_device_failures(conn, str(device_hash), staff_id, fails, until)
            elif row is not None:
                locked, fails, until = self._count_try(row, now)
                staff_repo.set_failures(conn, staff_id, fails, until)
            if row is not None and not locked and until is not None:  # this was the last try allowed
                by_device = counted is not None
                audit(conn, now, staff_id, "signin_locked", failures=fails, until=until, device=by_device)
        usable = row is not None and bool(row["active"])
        with self._pin_checks:
            pin_ok = check_pin(pin, row["pin_hash"] if usable and row is not None else None)
        if locked and until is not None:
            log.warning("counter sign-in refused for staff %r: locked out", staff_id)
            wait = int(until - now) + 1
            later = f"{-(-wait // 3600)} giờ" if wait > 3600 else f"{-(-wait // 60)} phút"
            raise QueueError(
                429,
                "too_many_attempts",
                f"Sai PIN quá nhiều lần: chờ {later} hoặc nhờ trưởng nhóm đặt lại PIN. "
                "Too many wrong PINs: wait and try again, or ask a supervisor to reset the PIN.",
                retry_after_s=wait,
            )
        if not (usable and pin_ok) or row is None:
            log.warning("counter sign-in refused for staff %r", staff_id)
            raise QueueError(
                401,
                "bad_credentials",
                "Sai mã cán bộ hoặc PIN: kiểm tra cả hai rồi thử lại. "
                "Wrong staff ID or PIN: check both and try again.",
            )
        return StaffAccount(row["staff_id"], row["name"], bool(row["supervisor"]))

    def _count_try(self, row: staff_repo.Row, now: float) -> tuple[bool, int, float | None]:
        """One more try on a failure count (an account's or a trusted browser's `failed_signins`
        and `locked_until`): (locked before it, the new count, the lockout's end or None).

        A try while locked is refused and not counted: the count is of PINs judged. It goes on
        after a lockout runs out (only a sign-in or a PIN reset clears it): each
        `signin_max_failures` wrong PINs lock again, each time twice as long (up to a day), so a
        guesser gets a few dozen tries in the first day and a handful a day after that."""
        fails, until = int(row["failed_signins"]), row["locked_until"]
        if until is not None and until <= now:  # the last lockout ran out
            until = None
        if until is not None:
            return True, fails, float(until)
        fails += 1
        most = self.config.signin_max_failures
        if fails % most == 0:  # the last try allowed before the next lockout
            doubled = self.config.signin_lockout_s * 2 ** min(fails // most - 1, 20)
            until = now + min(doubled, max(LOCKOUT_MAX_S, self.config.signin_lockout_s))
        return False, fails, None if until is None else float(until)

    def _trust_since(self, now: float) -> float:
        return now - self.config.signin_device_trust_days * 86_400

    def _trusted(self, device: str | None) -> str | None:
        """The hash a browser's device cookie is kept as, or None (no cookie, a malformed one, or
        trust switched off)."""
        if not device or not _DEVICE.fullmatch(device) or self.config.signin_device_trust_days <= 0:
            return None
        return hashlib.sha256(device.encode()).hexdigest()

    def signed_in(self, conn: sqlite3.Connection, staff_id: str, device: str | None) -> str | None:
        """A complete sign-in (in its transaction): the failure count of the way it came (the
        browser's, else the account's) starts again, and the browser is trusted for the account
        from now on. Returns the device cookie to set (the one it came with, or a new one), or
        None when trust is switched off."""
        if self.config.signin_device_trust_days <= 0:
            staff_repo.clear_failures(conn, staff_id)
            return None
        now = self.clock.now().timestamp()
        since = self._trust_since(now)
        device_hash = self._trusted(device)
        if device_hash is None or staff_repo.trusted_device(conn, device_hash, staff_id, since) is None:
            staff_repo.clear_failures(conn, staff_id)  # it came as an unknown browser
        if device is None or device_hash is None:
            device = secrets.token_urlsafe(32)
            device_hash = self._trusted(device)
            assert device_hash is not None
        staff_repo.remember_device(conn, device_hash, staff_id, now, since, TRUSTED_DEVICES_KEPT)
        return device
