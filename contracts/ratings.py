"""The rating tablets' HTTP contract: pairing, the tablet's question and answer, the satisfaction
report (docs/queueing.md, "Rating tablets"). Error codes are in `contracts.queueing.QueueErrorCode`."""

from __future__ import annotations

import enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.queueing import Answer


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class RatingGroup(enum.StrEnum):
    """Satisfaction report rows are per officer (staff), counter, service or day."""

    STAFF = "staff"
    COUNTER = "counter"
    SERVICE = "service"
    DAY = "day"


class PairTabletRequest(_Body):
    """POST /api/v1/tablets (a supervisor): a pairing code for a tablet at `counter`."""

    counter: int = Field(ge=1, le=99)
    label: str = Field(default="", max_length=40, description="Where it stands, for the list.")


class ClaimTabletRequest(_Body):
    """POST /api/v1/tablets/pair (the tablet): the code the supervisor read out."""

    code: str = Field(min_length=4, max_length=20)


class TabletRatingRequest(_Body):
    """POST /api/v1/tablet/rating (a paired tablet)."""

    ticket_id: str = Field(min_length=1, max_length=64)
    score: int = Field(description="5 Rất hài lòng, 4 Hài lòng, 3 Bình thường, 2 Không hài lòng.")
    reasons: list[str] = Field(
        default_factory=list, max_length=12, description="Codes of [queueing.ratings]."
    )
    comment: str | None = Field(
        default=None, max_length=2000, description="Checked against comment_max_chars."
    )


class TabletPairing(Answer):
    """POST /api/v1/tablets: the pairing code, shown once (type it on the tablet's /rate page)."""

    tablet_id: str
    counter: int
    label: str
    pair_code: str
    code_expires_at: str | None
    pair_url: str
    pair_qr: str = Field(description="PNG data URI of a QR code of pair_url.")


class TabletRow(Answer):
    """GET /api/v1/tablets: one tablet; `state` waiting (code unused), expired, paired or revoked."""

    tablet_id: str
    counter: int
    label: str
    state: Literal["waiting", "expired", "paired", "revoked"]
    created_at: str | None
    created_by: str
    paired_at: str | None
    last_seen_at: str | None
    revoked_at: str | None
    revoked_by: str | None


class TabletRevoked(Answer):
    """DELETE /api/v1/tablets/{tablet_id}."""

    tablet_id: str
    revoked: bool


class TabletPaired(Answer):
    """POST /api/v1/tablets/pair: the device token (shown once; also set as the `qtablet` cookie)."""

    tablet_id: str
    counter: int
    token: str


class RatingReason(Answer):
    """A reason a citizen may give after a low score."""

    code: str
    name_vi: str
    name_en: str


class PendingTicket(Answer):
    """The ticket the tablet asks about: the last one served at its counter, not yet rated."""

    ticket_id: str
    number: str
    service_name_vi: str
    service_name_en: str
    officer: str


class TabletState(Answer):
    """GET /api/v1/tablet: the tablet's counter, the question's settings, the ticket to ask about."""

    tablet_id: str
    counter: int
    counter_name: str
    pending: PendingTicket | None
    scores: list[int]
    reasons_at_or_below: int
    reasons: list[RatingReason]
    comment_max_chars: int
    idle_after_s: float


class TabletRated(Answer):
    """POST /api/v1/tablet/rating."""

    ticket_id: str
    rating: int


class ReasonCount(Answer):
    """A reason and how often it was given, most often first."""

    code: str
    name_vi: str
    name_en: str
    count: int


class SatisfactionRow(Answer):
    """One group of the satisfaction report (the last row: every group, `group` = "all")."""

    group: str
    label: str
    served: int
    rated: int
    rated_pct: float | None
    tablet: int
    phone: int
    very_satisfied: int
    satisfied: int
    neutral: int
    dissatisfied: int
    very_dissatisfied: int
    satisfied_pct: float | None = Field(description="Share of ratings of 4 or 5.")
    score_mean: float | None
    reasons: list[ReasonCount]


class RatingComment(Answer):
    """A citizen's comment (supervisors only; escape it wherever it is shown)."""

    at: str | None
    day: str
    counter: int | None
    staff_id: str | None
    service: str
    score: int
    comment: str


class SatisfactionReport(Answer):
    """GET /api/v1/reports/ratings?format=json (format=csv answers a CSV download)."""

    start: str
    end: str
    group: RatingGroup
    rows: list[SatisfactionRow]
    reasons: list[ReasonCount]
    comments: list[RatingComment]
