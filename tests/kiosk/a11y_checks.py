"""Geometry checks measured from widget bounds: a label's text fits its box (texture_size vs size),
siblings in a layout do not overlap, every touch target is at least 15 mm on the configured screen."""

from __future__ import annotations

from typing import Any

from kivy.core.window import Window
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.textinput import TextInput

from kiosk import theme
from kiosk.widgets.common import BigButton

CITIZEN_SCREENS = (
    "home",
    "services",
    "priority",
    "scan_id",
    "ticket",
    "pickup",
    "pickup_open",
    "checkin",
    "dossier",
    "out_of_service",
)


def shown(w: Any, sized: bool = True) -> bool:
    """On screen and visible (every ancestor opaque); `sized`: and not squeezed to nothing."""
    if w.get_root_window() is None:
        return False
    node = w
    while node is not None and node is not Window:
        if getattr(node, "opacity", 1) <= 0.01:
            return False
        node = node.parent
    return not sized or (w.width > 1 and w.height > 1)


def rect(w: Any) -> tuple[float, float, float, float]:
    x, y = w.to_window(w.x, w.y)
    return x, y, x + w.width, y + w.height


def problems(root: Any) -> list[str]:
    """Every clipped label, overlapping pair of siblings and small target under `root`."""
    out: list[str] = []
    px_mm = theme.px_per_mm()
    for w in root.walk():
        name = f"{type(w).__name__}({getattr(w, 'text', '')[:30]!r})"
        if isinstance(w, Label) and w.text.strip() and shown(w, sized=False):
            # a text squeezed into a box too small for it is clipped, even a box of no height
            tw, th = w.texture_size
            if tw > w.width + 1 or th > w.height + 1:
                out.append(f"clipped {name}: text {tw:.0f}x{th:.0f} in {w.width:.0f}x{w.height:.0f}")
            x0, y0, x1, y1 = rect(w)
            if x0 < -1 or y0 < -1 or x1 > Window.width + 1 or y1 > Window.height + 1:
                out.append(f"off screen {name}: {x0:.0f},{y0:.0f}-{x1:.0f},{y1:.0f}")
        if not shown(w):
            continue
        if isinstance(w, BigButton | TextInput) and not w.disabled:
            if min(w.width, w.height) < 15 * px_mm - 0.5:
                out.append(f"small target {name}: {w.width:.0f}x{w.height:.0f} < 15 mm ({15 * px_mm:.0f} px)")
        if isinstance(w, BoxLayout | GridLayout):
            kids = [c for c in w.children if shown(c)]
            for i, a in enumerate(kids):
                for b in kids[i + 1 :]:
                    ax0, ay0, ax1, ay1 = rect(a)
                    bx0, by0, bx1, by1 = rect(b)
                    if min(ax1, bx1) - max(ax0, bx0) > 1 and min(ay1, by1) - max(ay0, by0) > 1:
                        out.append(f"overlap in {type(w).__name__}: {type(a).__name__} / {type(b).__name__}")
    return out
