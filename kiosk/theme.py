"""Colours and sizes shared by every screen: high contrast, large type, big touch targets."""

from __future__ import annotations

from kivy.metrics import dp, mm, sp

# Dark navy background with white text (contrast > 12:1); action colours chosen to keep dark
# or white text above 4.5:1.
BG = (0.04, 0.12, 0.23, 1)
PANEL = (0.09, 0.20, 0.35, 1)
TEXT = (1, 1, 1, 1)
TEXT_DIM = (0.80, 0.86, 0.93, 1)
PRIMARY = (1.0, 0.78, 0.16, 1)  # yellow, dark text
PRIMARY_TEXT = (0.05, 0.07, 0.12, 1)
SECONDARY = (0.18, 0.55, 0.95, 1)  # blue, white text
SECONDARY_TEXT = (1, 1, 1, 1)
NEUTRAL = (0.28, 0.36, 0.48, 1)
DISABLED = (0.20, 0.24, 0.30, 1)
DISABLED_TEXT = (0.84, 0.87, 0.91, 1)
DANGER = (0.86, 0.20, 0.18, 1)
SUCCESS = (0.16, 0.62, 0.33, 1)
WARNING = (0.98, 0.55, 0.10, 1)


def touch_min() -> float:
    """Smallest side of any touch target: 15 mm at the screen's real DPI, never under 64 dp."""
    return float(max(mm(15), dp(64)))


def font_body() -> float:
    """Body text size."""
    return float(sp(26))


def font_title() -> float:
    """Screen title size."""
    return float(sp(40))


def font_button() -> float:
    """Text size on big buttons."""
    return float(sp(30))
