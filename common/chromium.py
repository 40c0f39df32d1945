"""Debian's Chromium for the screenshot scripts and browser tests (never a downloaded browser)."""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
"""Installed by `make sysdeps` (apt `chromium`)."""
HEADLESS_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
"""Flags for headless Chromium as root in a container without network."""
