"""The locker's loading extras of issue 16: the authorised person, a full cabinet, the counter.

Kept apart from `contracts.locker` (already long). Imports only pydantic and the standard
library; `contracts.locker` takes `CollectedBy` from here for the receipt.
"""

from __future__ import annotations

import enum

from pydantic import BaseModel, ConfigDict, Field


class CollectedBy(enum.StrEnum):
    """Who opened the door for a pickup, as far as the second factor can tell."""

    CITIZEN = "citizen"  # the citizen's ID card (or the last 4 digits of their phone)
    AUTHORISED = "authorised"  # the authorised person's ID card (or phone)
    UNVERIFIED = "unverified"  # second_factor = "none": only the code was checked


class CounterBody(BaseModel):
    """POST /api/v1/counter-results: staff keep the result at the counter (the cabinet is full
    or has no fitting compartment); the citizen's SMS says to collect it there."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    dossier_code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._/-]+$")
    phone: str | None = Field(None, max_length=20)


class KeptAtCounter(BaseModel):
    """The answer to POST /api/v1/counter-results."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    dossier_code: str
    kept_at: str
    phone_masked: str
    sms_queued: bool
