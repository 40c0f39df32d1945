"""The locker's compartments on the wire: the cabinet picture, the staff's list with sensors, forcing
a door open, reconciling the sensors with the database, and the compartment count in the health
answer that the province hub's heartbeat reports (docs/locker.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.locker import Answer, Body, CompartmentView, DepositState, DoorOutcome, DoorState, Size


class ForceBody(Body):
    """POST /api/v1/compartments/{label}/open."""

    reason: str = Field(min_length=3, max_length=200)


class CabinetCompartment(Answer):
    """One compartment of the cabinet picture (column/row 0-based, row 0 at the top)."""

    label: str
    size: Size
    column: int
    row: int
    height_units: int = Field(ge=1)
    state: CompartmentView


class CabinetView(Answer):
    """GET /api/v1/cabinet: the layout for the cabinet picture, without deposit ids."""

    columns: int = Field(ge=1)
    compartments: list[CabinetCompartment]


class ForcedOpen(Answer):
    """POST /api/v1/compartments/{label}/open (`not_sent`: the bus could not send the pulse)."""

    compartment: str
    door: DoorOutcome | Literal["not_sent"]
    deposit_id: str | None


class CompartmentRow(Answer):
    """GET /api/v1/compartments (staff): door, item sensor and deposit of every compartment."""

    label: str
    size: Size
    state: CompartmentView
    door: DoorState
    item_present: bool | None
    deposit_id: str | None
    deposit_state: DepositState | None
    bus: str
    board: int
    lock: int


class Mismatch(Answer):
    """A compartment whose sensors disagree with the database."""

    compartment: str
    deposit_id: str | None
    door: DoorState
    item_present: bool | None
    problem: str


class Reconciled(Answer):
    """POST /api/v1/reconcile."""

    mismatches: list[Mismatch]


class CompartmentCount(BaseModel):
    """The cabinet's compartments from the locker's config: all of them, and those out of service
    (`disabled = true` in `[[locker.compartments]]`); unknown fields are ignored like any answer's."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    total: int = Field(ge=0, description="Every compartment of the cabinet.")
    out_of_service: int = Field(ge=0, description="Compartments taken out of service (disabled).")
