"""Screenshots of the counter console's pause (called by `python -m queueing.screenshots` and by
tests/queueing/test_counter_pause_browser.py): the reasons dialog, then the paused console.

The console is bilingual on one screen (Vietnamese, English under it), so one picture of each
state shows both languages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from queueing.screenshots import sign_in

#: Written into the output folder, in this order (also the last names of `screenshots.SHOTS`).
PAUSE_SHOTS = ("web-counter-pause", "web-counter-paused")


def capture_pause(
    browser: Any, url: str, out: Path, staff: tuple[str, str] = ("cb02", "2222"), counter: int = 3
) -> tuple[Any, list[Path]]:
    """Sign `staff` in at `counter`, open the pause dialog (first picture), pause for lunch
    (second picture). Returns the console page, left paused, and the pictures."""
    out.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, url, staff[0], staff[1], counter)
    page.click("#btn-pause")
    page.wait_for_selector("#pause-dialog[open] #pause-reasons button")
    shots = [out / f"{name}.png" for name in PAUSE_SHOTS]
    page.screenshot(path=str(shots[0]))
    page.click("#pause-reasons button[data-reason=lunch]")
    page.wait_for_selector("#pause-info:not(.hidden)")
    page.screenshot(path=str(shots[1]))
    return page, shots
