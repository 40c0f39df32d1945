"""Debian's Chromium for the screenshot scripts and browser tests (never a downloaded browser)."""

import argparse
import logging
import sys
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


def screenshot_args(
    module: str, doc: str, out_what: str, argv: list[str] | None
) -> argparse.Namespace | None:
    """The screenshot scripts' command line (`--out`, `--chromium`); None, after saying what
    to do, when there is no Chromium at the path given."""
    p = argparse.ArgumentParser(prog=f"python -m {module}", description=doc.split("\n")[0])
    p.add_argument("--out", default="docs/screens", help=f"folder for {out_what} (default docs/screens)")
    p.add_argument("--chromium", default=str(CHROMIUM), help="Chromium executable (default Debian's)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if not Path(args.chromium).exists():
        print(f"{module}: no Chromium at {args.chromium} (make sysdeps)", file=sys.stderr)
        return None
    return args
