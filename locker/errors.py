"""Domain errors of the locker daemon; the API maps each to an HTTP status and JSON body."""

from __future__ import annotations

from common.errors import ServiceError


class LockerError(ServiceError):
    """Base of the locker's errors: `code` is the machine code, the message says what to do, `extra`
    adds fields; each subclass names its HTTP status (common.errors)."""


class InvalidInput(LockerError):
    """A field is wrong: 422 naming the field."""

    status = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__("invalid_request", message, field=field)


class AuthError(LockerError):
    """Not authenticated, wrong code or wrong credentials (401)."""

    status = 401


class Forbidden(LockerError):
    """Authenticated but not allowed (403)."""

    status = 403


class NotFound(LockerError):
    """Unknown deposit, compartment, pickup or alarm (404)."""

    status = 404


class Conflict(LockerError):
    """The current state does not allow this (409)."""

    status = 409


class Gone(LockerError):
    """Expired code (410)."""

    status = 410


class Locked(LockerError):
    """Deposit locked after too many wrong tries (423)."""

    status = 423


class Throttled(LockerError):
    """Too many failures from this kiosk: wait (429)."""

    status = 429


class Unavailable(LockerError):
    """A bus or board cannot be used right now (503)."""

    status = 503


class StorageFailed(Unavailable):
    """The database file or data directory was deleted or replaced while the daemon ran (503):
    nothing can be recorded, so nothing is done (no door opens) until it is restored."""

    def __init__(self) -> None:
        super().__init__(
            "storage_failed",
            "the locker's database was deleted or replaced while the locker ran: nothing can be "
            "saved and no door opens. Staff: see the locker log, restore the data directory from "
            "the backup and restart the locker.",
        )
