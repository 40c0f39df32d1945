"""The locker's compartment count in its health answer (`GET /api/v1/health`, docs/locker.md):
what the province hub's heartbeat reports so the overview can show occupancy as a share."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CompartmentCount(BaseModel):
    """The cabinet's compartments from the locker's config: all of them, and those out of service
    (`disabled = true` in `[[locker.compartments]]`); unknown fields are ignored like any answer's."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    total: int = Field(ge=0, description="Every compartment of the cabinet.")
    out_of_service: int = Field(ge=0, description="Compartments taken out of service (disabled).")
