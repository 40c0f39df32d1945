"""What the kiosk's screens hold of the locker's answers: small frozen dataclasses with the
contract's values as plain strings and datetimes (`kiosk.clients.locker` builds them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from contracts.locker import DoorOutcome


def parse_time(value: object) -> datetime | None:
    """An ISO timestamp from the daemon (aware, UTC if no zone), or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


@dataclass(frozen=True)
class KioskSettings:
    """GET /api/v1/kiosk/config: what the pickup screen asks for."""

    second_factor: str  # "none" | "id_number" | "phone_last4"
    code_length: int
    hotline: str
    handover_photo: bool = False  # say so before the code, photograph the door opening
    handover_photo_max_bytes: int = 0
    handover_photo_keep_days: int = 0


@dataclass(frozen=True)
class CabinetSlot:
    """One compartment in the cabinet picture (column/row 0-based, row 0 at the top)."""

    label: str
    size: str
    column: int
    row: int
    height_units: int
    state: str


@dataclass(frozen=True)
class Cabinet:
    """The cabinet layout for the picture."""

    columns: int
    slots: tuple[CabinetSlot, ...]

    def slot(self, label: str) -> CabinetSlot | None:
        """The slot labelled `label`, if any."""
        return next((s for s in self.slots if s.label == label), None)

    def with_states(self, states: dict[str, str]) -> Cabinet:
        """The same layout with states replaced where `states` has the label."""
        slots = tuple(
            CabinetSlot(s.label, s.size, s.column, s.row, s.height_units, states.get(s.label, s.state))
            for s in self.slots
        )
        return Cabinet(self.columns, slots)


@dataclass(frozen=True)
class PickupResult:
    """POST /api/v1/pickups success."""

    pickup_id: str
    compartment: str
    door: DoorOutcome
    dossier_code: str
    receipt: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StaffSession:
    """A signed-in staff member."""

    token: str = field(repr=False)
    staff_id: str
    role: str  # "loader" | "supervisor"
    expires_at: datetime | None

    @property
    def is_supervisor(self) -> bool:
        """Supervisors may reissue codes, unblock deposits and force doors."""
        return self.role == "supervisor"


@dataclass(frozen=True)
class Deposit:
    """A deposit being loaded (POST /api/v1/deposits and its follow-ups)."""

    deposit_id: str
    compartment: str
    door: DoorOutcome
    state: str
    expires_at: datetime | None = None


@dataclass(frozen=True)
class DepositSummary:
    """One row of GET /api/v1/deposits."""

    deposit_id: str
    dossier_code: str
    compartment: str
    state: str
    expires_at: datetime | None
    phone_masked: str
    locked: bool = False  # blocked after too many wrong codes (supervisor may unblock)


@dataclass(frozen=True)
class CompartmentStatus:
    """One row of GET /api/v1/compartments (staff)."""

    label: str
    size: str
    state: str
    door: str
    item_present: bool | None
    deposit_id: str | None


@dataclass(frozen=True)
class Alarm:
    """One row of GET /api/v1/alarms."""

    alarm_id: str
    kind: str
    compartment: str | None
    raised_at: datetime | None
    message: str
    acked: bool
