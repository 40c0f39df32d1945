"""`python -m kiosk.screenshots --out docs/screens`: a PNG of every registered screen, in every
demo state, in both languages, rendered offscreen with invented data (no services needed).

Files are named kiosk-<screen>-<state>-<lang>.png; every citizen screen (those with the
accessibility bar) is also rendered with large text on, as kiosk-<screen>-<state>-<lang>-large.png.
New screens are picked up from the registry.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    """Render every screen × state × language into `--out`."""
    p = argparse.ArgumentParser(prog="python -m kiosk.screenshots", description=__doc__)
    p.add_argument("--out", default="docs/screens", help="output folder (default docs/screens)")
    p.add_argument("--only", default="", help="only screens whose name contains this")
    p.add_argument("--size", default="1280x800", help="window size WxH in pixels")
    p.add_argument("--large-only", action="store_true", help="only the large-text pictures")
    args = p.parse_args(argv)
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    os.environ.setdefault("KIVY_CLIPBOARD", "sdl2")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    w, h = (int(v) for v in args.size.lower().split("x"))

    from kivy.base import EventLoop
    from kivy.config import Config

    Config.set("graphics", "width", str(w))
    Config.set("graphics", "height", str(h))
    from common.clock import ManualClock
    from kiosk.app import KioskApp
    from kiosk.config import load_app_config
    from kiosk.screens.base import KioskScreen
    from kiosk.services import Services

    config = load_app_config(
        None,
        overrides={
            "screenshot_every_s": 0,
            "window_width_px": w,
            "window_height_px": h,
            "health_poll_s": 300,
            # no devices here: no "printer offline" mark on every home picture (one state stages it)
            "printer_enabled": False,
            "camera_enabled": False,
        },
    )
    app = KioskApp(config, Services(), clock=ManualClock())
    EventLoop.ensure_window()
    app._run_prepare()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def pump(n: int = 4) -> None:
        for _ in range(n):
            EventLoop.idle()

    pump()
    written = 0
    assert app.sm is not None
    for large in (False, True):
        if large and not app.large_text:
            app.toggle_large_text()
        if not large and args.large_only:
            continue
        for scr in app.all_screens():
            if not isinstance(scr, KioskScreen) or args.only not in scr.name:
                continue
            if large and not scr.citizen:  # staff screens have no large text
                continue
            for state in scr.demo_states():
                for lang in ("vi", "en"):
                    app.set_language(lang)
                    app.sm.current = scr.name
                    pump()
                    try:
                        scr.stage_demo(state)
                    except Exception:  # report the screen and carry on with the others
                        log.exception("screen %s state %s could not be staged", scr.name, state)
                        continue
                    pump(6)
                    path = out / f"kiosk-{scr.name}-{state}-{lang}{'-large' if large else ''}.png"
                    if app.snapshot(path):
                        written += 1
                        print(path)
                    scr.reset()
    app.stop()
    print(f"{written} screenshots in {out}", file=sys.stderr)
    return 0 if written else 1


if __name__ == "__main__":
    raise SystemExit(main())
