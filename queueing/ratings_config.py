"""Typed configuration of the rating tablets (`[queueing.ratings]` in config/default.toml).

Kept apart from `queueing.config` (which holds it as one field) so the rating rules live next to
the code that applies them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReasonConfig(_Strict):
    """One reason a citizen may tick after a low score (a code word, and its two texts)."""

    code: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    name_vi: str = Field(min_length=1, max_length=80)
    name_en: str = Field(min_length=1, max_length=80)


class RatingsConfig(_Strict):
    """Rating tablets at the counters, and the rule shared with the phone's rating."""

    # Scores (1..5, the phone's scale) at or below this make the tablet ask for reasons; the
    # tablet's four levels are 5 Rất hài lòng, 4 Hài lòng, 3 Bình thường, 2 Không hài lòng.
    reasons_at_or_below: int = Field(default=2, ge=1, le=5)
    # The reasons offered after a low score (config/default.toml lists the shipped ones).
    reasons: list[ReasonConfig] = Field(default_factory=list, max_length=12)
    # Longest optional comment after a low score (characters); longer is refused (422).
    comment_max_chars: int = Field(default=200, ge=0, le=1000)
    # The tablet goes back to idle this many seconds after the last tap (no rating recorded).
    tablet_idle_after_s: float = Field(default=30, ge=5, le=600)
    # A tablet may rate a ticket finished at its counter at most this many seconds ago.
    tablet_accept_s: float = Field(default=180, ge=10, le=3600)
    # A pairing code (shown once to the supervisor) must be typed on the tablet within this time.
    pair_code_ttl_min: float = Field(default=10, gt=0, le=1440)
    # Pairing attempts accepted per client address within pair_rate_window_s; more get 429.
    pair_max_per_window: int = Field(default=10, ge=1, le=1000)
    pair_rate_window_s: float = Field(default=600, gt=0, le=86_400)

    @model_validator(mode="after")
    def _unique(self) -> RatingsConfig:
        codes = [r.code for r in self.reasons]
        if len(set(codes)) != len(codes):
            raise ValueError("ratings.reasons: two reasons share a code")
        return self

    def reason(self, code: str) -> ReasonConfig | None:
        """The reason with this code, or None."""
        return next((r for r in self.reasons if r.code == code), None)
