"""What the locker tells a kiosk and hears from it besides pickups: the kiosk's config, the state of
its printer, camera and screen, and the daemon's health (docs/locker.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from contracts.common import ConfigWarning
from contracts.locker import Answer, Body, Device, DeviceState, SecondFactor
from contracts.locker_compartments import CompartmentCount


class KioskDeviceBody(Body):
    """POST /api/v1/kiosk/devices (the kiosk's printer, camera or screen state; `ok` or
    `in_service` clears its alarm)."""

    device: Device
    state: DeviceState
    detail: str = Field("", max_length=300)


class BusHealth(Answer):
    """One RS485 bus in the health answer (`url` and the real `error` only for staff)."""

    bus: str
    connected: bool
    state: str | None = None
    error: str | None = None
    url: str | None = None
    protocol: str | None = None
    boards: dict[str, Literal["ok", "unreachable", "unknown"]] = Field(default_factory=dict)


class LockerHealth(Answer):
    """GET /api/v1/health (503 with status `failed` when the storage was lost)."""

    status: Literal["ok", "degraded", "failed"]
    buses: list[BusHealth]
    warnings: list[ConfigWarning]
    alarms_open: int | None
    outbox_backlog: int | None
    # each kiosk's printer/camera/screen with an open problem alarm: {kiosk id: {device: state}}
    kiosk_devices: dict[str, dict[str, str]] = Field(default_factory=dict)
    compartments: CompartmentCount | None = None  # the cabinet's size (the hub's occupancy share)
    error: str | None = None  # `storage_failed` with status failed
    message: str | None = None
    storage: str | None = None


class KioskConfig(Answer):
    """GET /api/v1/kiosk/config: what the pickup screen asks for."""

    second_factor: SecondFactor
    code_length: int
    hotline: str
    center_name: str
    # evidence of handover (contracts.handover): tell the citizen, then send the door-open frame
    handover_photo: bool = False
    handover_photo_max_bytes: int = 0
    handover_photo_keep_days: int = 0


class DeviceReported(Answer):
    """POST /api/v1/kiosk/devices: an empty object."""
