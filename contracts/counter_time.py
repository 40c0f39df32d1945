"""The counter's time, on the wire: pausing with a reason, the pause state the console shows, and
the report of time paused by reason and idle while citizens waited (docs/queueing.md).

One area of the queueing service's contract (`contracts.queueing` holds its shared vocabulary).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from contracts.queueing import CounterStatus


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class PauseRequest(_Body):
    """POST /api/v1/counter/pause: `reason` (a code of GET /api/v1/counter/pause) is required to pause."""

    paused: bool
    reason: str | None = Field(default=None, max_length=32, description="Pause reason code, e.g. lunch.")


class PauseReason(_Answer):
    """One reason a counter may pause (config `[[queueing.pause_reasons]]`)."""

    code: str
    name_vi: str
    name_en: str


class CounterPaused(_Answer):
    """POST /api/v1/counter/pause: the counter's status after it."""

    counter: int
    status: CounterStatus
    reason: str | None = None  # the pause's reason code while paused
    since: str | None = None  # when the pause began (ISO 8601 UTC) while paused
    since_local: str | None = None  # the same as HH:MM in the center's time zone (the console)


class PauseState(_Answer):
    """GET /api/v1/counter/pause: the signed-in counter's pause and the reasons to choose from."""

    counter: int
    status: CounterStatus
    reason: str | None
    since: str | None
    since_local: str | None
    reasons: list[PauseReason]


class CounterTimeRow(_Answer):
    """One officer at one counter on one day (minutes); the last row sums every row."""

    day: str  # YYYY-MM-DD, "" in the total row
    staff_id: str  # "" in the total row
    staff_name: str
    counter: int | None  # None in the total row
    open_min: float  # signed in at the counter (paused time included)
    paused_min: float
    paused_by_reason_min: dict[str, float]  # reason code -> minutes ("unspecified": none recorded)
    idle_waiting_min: float  # open, not paused, nobody called or served, someone waiting for it
    idle_waiting_pct: float | None  # of the time open and not paused; None when there was none


class CounterTimeReport(_Answer):
    """GET /api/v1/reports/counter-time?format=json (format=csv answers a CSV download)."""

    day: str
    to: str
    reasons: list[PauseReason]
    rows: list[CounterTimeRow]
