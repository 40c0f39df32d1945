"""What of a citizen's name the kiosk may show on screen: the given name, the rest as initials.

The screen is seen by whoever stands behind the citizen, so the full name from the ID card is
never shown. Same rule as the locker's pickup receipt (`locker.domain.mask_name`).
"""

from __future__ import annotations


def mask_name(full_name: str) -> str:
    """'Nguyễn Văn Bình' -> 'N*** V** Bình' (Vietnamese names end with the given name)."""
    parts = full_name.split()
    if not parts:
        return ""
    return " ".join([*(p[0] + "*" * (len(p) - 1) for p in parts[:-1]), parts[-1]])
