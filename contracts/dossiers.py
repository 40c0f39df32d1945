"""The dossier lookup's HTTP contract (docs/locker.md, "Dossier lookup"): GET /api/v1/dossiers/{code}
and POST /api/v1/dossiers/{code}/resend on the locker daemon, with the kiosk token.

The back office's status words (`DossierStatus`, `CollectAt`) are defined here once: the back-office
adapter, the daemon and the kiosk all use these enums.
"""

from __future__ import annotations

import enum

from pydantic import BaseModel, ConfigDict, Field

#: What a dossier code may look like (receipt QR, Code 128 barcode or typed): ASCII letters, digits,
#: `-` `_` `.`, 3 to 40 characters (e.g. HS-2026-000123, 000.00.19.H26-231201-0001). Anything
#: else is refused with 422 before the back office is asked.
DOSSIER_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{2,39}$"


class DossierStatus(enum.StrEnum):
    """Where the dossier is in its handling (the back office says)."""

    RECEIVED = "received"  # filed, not yet started
    IN_PROGRESS = "in_progress"  # being handled
    SUPPLEMENT_REQUESTED = "supplement_requested"  # the citizen must bring more (`missing` says what)
    DONE_WAITING = "done_waiting"  # the result is ready to collect
    RETURNED = "returned"  # the result was handed over


#: Not yet done: a dossier in one of these states past its due date is late.
NOT_DONE = frozenset({DossierStatus.RECEIVED, DossierStatus.IN_PROGRESS})


class CollectAt(enum.StrEnum):
    """Where the citizen collects the result."""

    COUNTER = "counter"
    LOCKER = "locker"
    POST = "post"


class DossierAnswer(BaseModel):
    """GET /api/v1/dossiers/{code}: the back office's status merged with the locker's own deposits."""

    model_config = ConfigDict(extra="ignore")

    dossier_code: str
    procedure: str = Field(description="The procedure's name as the back office gives it (Vietnamese).")
    status: DossierStatus
    missing: str = Field("", description="supplement_requested: what the citizen must bring.")
    received_at: str | None = Field(None, description="When the dossier was filed (ISO 8601).")
    due_at: str | None = Field(None, description="The date the result is promised (ISO 8601).")
    late: bool = Field(description="Past due_at and not yet done (received or in_progress).")
    collect_at: CollectAt = Field(description="Where to collect; `locker` whenever the locker holds it.")
    citizen_name_masked: str = Field(description="'N*** V** An': no more of the name than this.")
    in_locker: bool = Field(description="The result waits in a compartment of this locker now.")
    compartment: str | None = Field(None, description="in_locker: the compartment's label.")
    waiting_since: str | None = Field(None, description="in_locker: when it was loaded (ISO 8601).")
    pickup_until: str | None = Field(None, description="in_locker: the pickup code's expiry (ISO 8601).")
    can_resend: bool = Field(description="POST .../resend may send a new code now.")
    partial: bool = Field(
        False, description="The back office did not answer: only what the locker knows (procedure empty)."
    )


class CodeResent(BaseModel):
    """POST /api/v1/dossiers/{code}/resend: a new code went to the phone on file; the old one is dead."""

    model_config = ConfigDict(extra="ignore")

    dossier_code: str
    phone_masked: str = Field(description="Where the SMS went, masked ('+849******01').")
    pickup_until: str = Field(description="The new code's expiry (ISO 8601).")
    next_resend_at: str = Field(description="The earliest time another resend is accepted (ISO 8601).")
