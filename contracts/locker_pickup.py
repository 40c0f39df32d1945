"""The locker's pickup on the wire: the code a citizen enters, the door it opened, the receipt the
kiosk prints, and the check the receipt's QR code opens (docs/locker.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from contracts.locker import Answer, Body, DoorOutcome
from contracts.locker_loading import CollectedBy


class PickupBody(Body):
    """POST /api/v1/pickups."""

    code: str = Field(min_length=1, max_length=32)
    id_number: str | None = Field(None, max_length=20)
    phone_last4: str | None = Field(None, pattern=r"^[0-9]{4}$")


class Receipt(Answer):
    """What the kiosk prints after a pickup."""

    center_name: str
    dossier_code: str
    compartment: str
    collected_at: str
    citizen_name_masked: str
    verify_url: str
    collected_by: CollectedBy = CollectedBy.UNVERIFIED
    collector_masked: str = ""  # the ID card's or phone's last 4 digits; "" when unverified


class PickupAnswer(Answer):
    """POST /api/v1/pickups: the code was accepted and the door pulsed."""

    pickup_id: str
    compartment: str
    door: DoorOutcome
    dossier_code: str
    receipt: Receipt


class PickupRetryAnswer(Answer):
    """POST /api/v1/pickups/{pickup_id}/retry: the one second pulse."""

    pickup_id: str
    compartment: str
    door: DoorOutcome


class ReceiptCheck(Answer):
    """GET /api/v1/receipts/{token}: enough to recognise the receipt, nothing to reach the citizen."""

    genuine: bool
    status: Literal["collected", "not_collected"]
    center_name: str
    dossier_code: str
    compartment: str
    collected_at: str | None
    citizen_name_masked: str
    timezone: str
    collected_by: CollectedBy | None = None  # null for pickups recorded before issue 16
