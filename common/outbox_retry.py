"""The retry rule of the services' SMS outboxes (the locker's `outbox`, the queueing service's
`appointment_sms`): a failed send is tried again after a doubling delay, up to `max_retry_s`, and
given up after `max_attempts` tries or at once on a permanent error. One rule, so an SMS gateway
outage is ridden out the same way whichever service sends."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RetryConfig(BaseModel):
    """Retries of a durable outbox (every key in seconds or counts, as named)."""

    model_config = ConfigDict(extra="forbid")

    # First retry after this many seconds; each further one waits twice as long ...
    first_retry_s: float = Field(default=5.0, gt=0)
    # ... but never longer than this.
    max_retry_s: float = Field(default=900.0, gt=0)
    # Tries before a message is given up (state `failed`).
    max_attempts: int = Field(default=50, ge=1)
    # How often the worker looks for due messages when nothing wakes it.
    poll_interval_s: float = Field(default=1.0, gt=0)


def after_failure(cfg: RetryConfig, attempts: int, permanent: bool) -> tuple[bool, float]:
    """(give up?, seconds until the next try) after the `attempts`-th failed try."""
    give_up = permanent or attempts >= cfg.max_attempts
    delay = min(cfg.max_retry_s, cfg.first_retry_s * 2 ** min(attempts - 1, 20))
    return give_up, delay
