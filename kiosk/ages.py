"""Age from a birth date, for the automatic elderly priority."""

from __future__ import annotations

from datetime import date


def age_on(birth: date, today: date) -> int:
    """Whole years between `birth` and `today` (birthday not yet reached this year: one less)."""
    years = today.year - birth.year
    if (today.month, today.day) < (birth.month, birth.day):
        years -= 1
    return years
