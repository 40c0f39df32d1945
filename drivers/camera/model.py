"""The contract between the camera driver and the kiosk.

The kiosk opens a `QrScanner` (drivers/camera/scanner.py, `open_scanner(config)`), starts it
when a scan screen shows and stops it when the screen leaves. Frames and results arrive on the
scanner's worker thread: the kiosk hops to the UI thread itself (Clock / @mainthread).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import numpy as np


class CameraState(enum.StrEnum):
    """Health of the capture source, for the kiosk to offer typing instead."""

    STOPPED = "stopped"
    RUNNING = "running"
    NO_SIGNAL = "no_signal"  # black / frozen frames
    UNAVAILABLE = "unavailable"  # device missing; being reopened with backoff


@dataclass(frozen=True)
class CccdInfo:
    """Parsed citizen ID card QR. The raw payload is never kept."""

    id_masked: str  # "0010******45"
    id_hash: str  # keyed hash (hex) for matching; not reversible without the key
    id_number: str  # 12 digits: needed as a second factor; never logged
    full_name: str
    birth_date: date
    gender: str
    issue_date: date
    old_id_present: bool


@dataclass(frozen=True)
class DossierInfo:
    """Parsed dossier receipt QR."""

    dossier_code: str
    appointment: date | None


@dataclass(frozen=True)
class ScanResult:
    """One decoded QR: what it is and the parsed content (only one of the fields set)."""

    kind: str  # "cccd" | "dossier" | "other"
    cccd: CccdInfo | None = None
    dossier: DossierInfo | None = None
    reason: str = ""  # why it is not an ID card / dossier QR, for the UI


FrameCallback = Callable[[np.ndarray], None]  # BGR frame, for preview
ResultCallback = Callable[[ScanResult], None]
StateCallback = Callable[[CameraState], None]


class QrScanner(Protocol):
    """Capture + decode in a worker thread."""

    def start(self, on_result: ResultCallback, on_frame: FrameCallback | None = None,
              on_state: StateCallback | None = None) -> None:
        """Begin capturing; callbacks run on the worker thread."""
        ...

    def stop(self) -> None:
        """Stop capturing and release the device."""
        ...

    @property
    def state(self) -> CameraState:
        ...
