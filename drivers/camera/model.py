"""The contract between the camera driver and the kiosk.

The kiosk opens a `QrScanner` (drivers/camera/scanner.py, `open_scanner(config)`), starts it
when a scan screen shows and stops it when the screen leaves. Frames and results arrive on the
scanner's worker thread: the kiosk hops to the UI thread itself (Clock / @mainthread).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

import numpy as np


class CameraState(enum.StrEnum):
    """Health of the capture source, for the kiosk to offer typing instead."""

    STOPPED = "stopped"
    RUNNING = "running"
    NO_SIGNAL = "no_signal"  # black / frozen frames
    UNAVAILABLE = "unavailable"  # device missing; being reopened with backoff


class RejectReason(enum.StrEnum):
    """Why a decoded QR is not an ID card / dossier receipt (stable codes for the UI to translate)."""

    NOT_UTF8 = "not_utf8"  # the QR holds bytes that are not UTF-8 text
    TOO_LONG = "too_long"  # far longer than any ID card or receipt payload
    NOT_CCCD = "not_cccd"  # not the ID card layout (too few `|` fields, control characters)
    BAD_ID_NUMBER = "bad_id_number"  # not 12 digits
    BAD_PROVINCE_CODE = "bad_province_code"  # first three digits are no province code
    BAD_OLD_ID = "bad_old_id"  # old ID neither empty nor 9 (or 12) digits
    BAD_NAME = "bad_name"
    BAD_BIRTH_DATE = "bad_birth_date"
    BAD_GENDER = "bad_gender"
    BAD_ISSUE_DATE = "bad_issue_date"
    BAD_APPOINTMENT = "bad_appointment"  # dossier code found, appointment date invalid
    UNKNOWN = "unknown"  # neither an ID card nor a dossier receipt


@dataclass(frozen=True)
class CccdInfo:
    """Parsed citizen ID card QR. The raw payload is never kept."""

    id_masked: str  # "0010******45"
    id_hash: str  # keyed hash (hex) for matching; not reversible without the key
    # Personal fields are left out of repr() so that logging a result cannot leak them.
    id_number: str = field(repr=False)  # 12 digits: needed as a second factor; never logged
    full_name: str = field(repr=False)
    birth_date: date = field(repr=False)
    gender: str
    issue_date: date
    old_id_present: bool


@dataclass(frozen=True)
class DossierInfo:
    """Parsed dossier receipt QR."""

    dossier_code: str
    appointment: date | None


@dataclass(frozen=True)
class StaffCardInfo:
    """A staff sign-in card: the staff ID only (never a PIN or authenticator secret)."""

    staff_id: str


@dataclass(frozen=True)
class ScanResult:
    """One decoded QR: what it is and the parsed content (only one of the fields set)."""

    kind: str  # "cccd" | "dossier" | "staff" | "appointment" | "other"
    cccd: CccdInfo | None = None
    dossier: DossierInfo | None = None
    staff: StaffCardInfo | None = None
    appointment_code: str | None = None  # the booking's check-in code (queueing appointments)
    reason: str = ""  # why it is not an ID card / dossier QR, for the UI


FrameCallback = Callable[[np.ndarray], None]  # BGR frame, for preview
ResultCallback = Callable[[ScanResult], None]
StateCallback = Callable[[CameraState], None]


class QrScanner(Protocol):
    """Capture + decode in a worker thread."""

    def start(
        self,
        on_result: ResultCallback,
        on_frame: FrameCallback | None = None,
        on_state: StateCallback | None = None,
    ) -> None:
        """Begin capturing; callbacks run on the worker thread."""
        ...

    def stop(self) -> None:
        """Stop capturing and release the device."""
        ...

    @property
    def state(self) -> CameraState: ...
