"""`python -m queueing.board`: open the display board full screen on a wall screen, with sound.

Browsers refuse to play audio until someone taps the page, and nobody taps an unattended wall
screen. Chromium started with `--autoplay-policy=no-user-gesture-required` lets the board speak
from the first call; `--kiosk` makes it full screen with no address bar or error dialogs. This
command builds that command line (and runs it, or prints it for a systemd unit or an autostart
file). The board page checks whether sound may play and shows a "sound is off — tap to turn on"
banner only when it may not (an ordinary browser).

    python -m queueing.board                       # this machine's service, default Chromium
    python -m queueing.board --url http://192.168.1.10:8720 --print
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from common.config import ConfigError, load_raw, resolve_path, section

#: Chromium executables tried in this order when --chromium is not given.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: The board's own browser profile (never a person's profile), under `[center] data_dir`.
PROFILE_DIR = "board-chromium"

#: Flags of a wall-screen board. The autoplay one is what lets announcements play with no tap.
BOARD_FLAGS = (
    "--autoplay-policy=no-user-gesture-required",
    "--kiosk",
    "--noerrdialogs",
    "--disable-infobars",
    "--disable-session-crashed-bubble",
    "--no-first-run",
    "--disable-translate",
    "--check-for-update-interval=31536000",
    "--overscroll-history-navigation=0",
)


def board_url(base: str) -> str:
    """The display page under a service base URL."""
    return base.rstrip("/") + "/display"


def default_base_url(host: str, port: int) -> str:
    """Where this machine reaches the service: a wildcard listen address becomes loopback."""
    if host in ("0.0.0.0", "::", ""):  # compared, not bound
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def chromium_command(chromium: str, url: str, profile_dir: Path, extra: list[str] | None = None) -> list[str]:
    """The full command line of the wall-screen board."""
    return [chromium, *BOARD_FLAGS, f"--user-data-dir={profile_dir}", *(extra or []), f"--app={url}"]


def find_chromium() -> str | None:
    """The first Chromium on PATH, or None."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line flags."""
    p = argparse.ArgumentParser(
        prog="python -m queueing.board", description="Display board full screen with sound (Chromium kiosk)"
    )
    p.add_argument("--config", help="site TOML (for [queueing] host/port when --url is not given)")
    p.add_argument("--url", help="base URL of the queueing service, e.g. http://192.168.1.10:8720")
    p.add_argument("--chromium", help=f"browser executable (default: first of {', '.join(CHROMIUM_NAMES)})")
    p.add_argument(
        "--profile-dir", help=f"the board's browser profile (default: {PROFILE_DIR} in [center] data_dir)"
    )
    p.add_argument("--print", action="store_true", help="print the command instead of running it")
    p.add_argument("extra", nargs="*", help="more Chromium flags (after --), e.g. --window-position=1920,0")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Build the command; print it or replace this process with Chromium."""
    args = parse_args(argv)
    base = args.url
    if not base:
        from queueing.config import load_config

        try:
            cfg = load_config(args.config)
        except ConfigError as err:
            print(f"queueing.board: {err}", file=sys.stderr)
            return 2
        base = default_base_url(cfg.host, cfg.port)
    chromium = args.chromium or find_chromium()
    if chromium is None:
        print(
            "queueing.board: no Chromium found; install it (Debian: apt-get install chromium) "
            "or pass --chromium PATH",
            file=sys.stderr,
        )
        return 2
    if args.profile_dir:
        profile = Path(args.profile_dir).resolve()
    else:
        try:
            center = section(load_raw(args.config), "center")
        except ConfigError as err:
            print(f"queueing.board: {err}", file=sys.stderr)
            return 2
        profile = resolve_path(str(center.get("data_dir", "var"))) / PROFILE_DIR
    cmd = chromium_command(chromium, board_url(base), profile, args.extra)
    if args.print:
        print(" ".join(cmd))
        return 0
    profile.mkdir(parents=True, exist_ok=True)
    os.execv(chromium, cmd)  # noqa: S606 - the board is this process from here on
    return 0  # pragma: no cover - execv does not return


if __name__ == "__main__":
    raise SystemExit(main())
