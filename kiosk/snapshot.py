"""Save what the window shows as one PNG (atomically replaced), e.g. var/kiosk-screen.png."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)


def save_window_png(path: Path) -> Path | None:
    """Write the current frame to `path` via Window.screenshot(); None if it failed (logged)."""
    from kivy.core.window import Window

    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".shot-") as tmp:
        try:
            written = Window.screenshot(name=str(Path(tmp) / "shot.png"))
        except Exception as err:  # noqa: BLE001 - a failed snapshot must never stop the kiosk
            log.warning("screenshot to %s failed: %s", path, err)
            return None
        if not written or not Path(written).is_file():
            log.warning("screenshot to %s produced no file", path)
            return None
        os.replace(written, path)
    return path
