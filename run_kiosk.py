#!/usr/bin/env python3
"""The kiosk: args -> config -> logging -> start the services -> run the Kivy app.

`python run_kiosk.py --help` lists the options. With no display it runs offscreen and keeps the
current screen as var/kiosk-screen.png. Ctrl-C stops the app and the services it started.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

T0 = time.monotonic()
ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

log = logging.getLogger("run_kiosk")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (each overrides the same [kiosk] key)."""
    p = argparse.ArgumentParser(
        prog="run_kiosk.py",
        description="Self-service kiosk: queue tickets and 24-hour result lockers. By default it also "
        "starts the locker daemon and the queueing service, so one command runs a whole simulated center.",
    )
    p.add_argument("--config", help="site TOML merged over config/default.toml (default: $KIOSK_CONFIG)")
    p.add_argument("--fullscreen", action="store_true", help="full screen, as on a real kiosk")
    p.add_argument(
        "--offscreen",
        action="store_true",
        help="render without a window (automatic when there is no DISPLAY/WAYLAND_DISPLAY)",
    )
    p.add_argument(
        "--no-services",
        action="store_true",
        help="do not start the locker daemon and queueing service (they run elsewhere)",
    )
    p.add_argument("--language", choices=["vi", "en"], help="language each session starts in (default vi)")
    p.add_argument("--size", metavar="WxH", help="window size in pixels, e.g. 1920x1080")
    p.add_argument("--screenshot", metavar="PNG", help="where to keep the current screen (offscreen)")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    p.add_argument(
        "--exit-after-first-frame",
        action="store_true",
        help="draw the home screen once, save it, print the start time, exit (smoke test, bench)",
    )
    return p.parse_args(argv)


def overrides_from(args: argparse.Namespace) -> dict[str, Any]:
    """[kiosk] keys set by flags."""
    out: dict[str, Any] = {}
    if args.fullscreen:
        out["fullscreen"] = True
    if args.no_services:
        out["start_services"] = False
    if args.language:
        out["default_language"] = args.language
    if args.screenshot:
        out["screenshot_path"] = args.screenshot
    if args.size:
        try:
            w, h = (int(v) for v in args.size.lower().split("x"))
        except ValueError:
            raise SystemExit(f"run_kiosk.py: --size must look like 1280x800, not {args.size!r}") from None
        out["window_width_px"], out["window_height_px"] = w, h
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the kiosk until Ctrl-C or the window closes."""
    args = parse_args(argv)
    # paths the user typed are relative to where they typed them, not to the repository
    if args.config:
        args.config = str(Path(args.config).resolve())
    if args.screenshot:
        args.screenshot = str(Path(args.screenshot).resolve())
    os.chdir(ROOT)  # relative paths in config (var/, png://var/printer) are relative to the repo

    from common.cli_exit import EXIT_USAGE, fail
    from common.config import ConfigError, resolve_path
    from common.logsetup import setup_logging
    from kiosk.config import load_app_config
    from kiosk.launch import banner, needs_offscreen, prepare_kivy_env, quiet_kivy, service_specs

    try:
        config = load_app_config(args.config, overrides_from(args))
    except ConfigError as err:
        return fail("run_kiosk.py", err)
    data_dir = resolve_path(config.center.data_dir)
    setup_logging(args.log_level, log_file=data_dir / "log" / "kiosk.log")
    offscreen = needs_offscreen(os.environ, force=args.offscreen)
    prepare_kivy_env(offscreen)
    quiet_kivy("DEBUG" if args.log_level == "DEBUG" else "WARNING")

    supervisor = None
    uplink = None
    if config.kiosk.start_services and not args.exit_after_first_frame:
        from kiosk.supervisor import Supervisor, already_listening

        try:
            specs = service_specs(config, args.config)
        except ConfigError as err:
            return fail("run_kiosk.py", err)
        busy = already_listening(specs)
        for spec, where in busy:
            fail(
                "run_kiosk.py",
                f"something already listens on {where}, where the {spec.name} service "
                f"should start (an earlier run still going?). Stop it first (`ss -ltnp` shows its "
                "pid), or pass --no-services to use the services already running.",
            )
        if busy:
            return EXIT_USAGE
        supervisor = Supervisor(specs, config.kiosk.service_restart_delay_s)
        supervisor.start()
        uplink = _start_uplink(config, args.config)
    print(banner(config, offscreen, supervisor is not None), flush=True)
    try:
        if supervisor is not None:
            _report_health_later(supervisor, config.kiosk.service_start_timeout_s)
        return _run_app(config, args, offscreen)
    except KeyboardInterrupt:
        log.info("Ctrl-C: stopping")
        return 0
    finally:
        if uplink is not None:
            uplink.stop()
        if supervisor is not None:
            supervisor.stop()
        log.info("stopped")


def _start_uplink(config: Any, config_path: str | None) -> Any:
    """`python -m uplink` under its own supervisor when `[hub] url` is set (it has no health URL,
    so it is not among the services the kiosk waits for); None when no hub is configured."""
    from common.config import resolve_path
    from kiosk.supervisor import ChildSpec, Supervisor

    if not str(config.raw.get("hub", {}).get("url", "")):
        return None
    argv = [sys.executable, "-m", "uplink"]
    if config_path:
        argv += ["--config", str(Path(config_path).resolve())]
    log_path = resolve_path(config.center.data_dir) / "log" / "uplink.log"
    spec = ChildSpec(name="uplink", argv=argv, health_url="", log_path=log_path, cwd=ROOT)
    supervisor = Supervisor([spec], config.kiosk.service_restart_delay_s)
    supervisor.start()
    log.info("uplink to the province hub started ([hub] url is set), log in %s", log_path)
    return supervisor


def _report_health_later(supervisor: Any, timeout_s: float) -> None:
    """Log, without delaying the UI, which service is still silent after `timeout_s`."""
    import threading

    def check() -> None:
        for name, up in supervisor.wait_healthy(timeout_s).items():
            if up:
                log.info("%s is answering", name)
            else:
                log.warning(
                    "%s is not answering after %.0f s: the kiosk shows it as out of service", name, timeout_s
                )

    threading.Thread(target=check, name="health-at-start", daemon=True).start()


def _run_app(config: Any, args: argparse.Namespace, offscreen: bool) -> int:
    from kivy.config import Config

    Config.set("graphics", "width", str(config.kiosk.window_width_px))
    Config.set("graphics", "height", str(config.kiosk.window_height_px))
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "keyboard_mode", "systemanddock")  # on-screen keyboard for the service search
    Config.set("input", "mouse", "mouse,disable_multitouch")  # no red multitouch dots on right click
    from kivy.clock import Clock
    from kivy.core.window import Window

    from kiosk.app import KioskApp
    from kiosk.services import open_services

    services = open_services(config)
    if services.printer is None:
        log.warning("printer unavailable: %s", services.printer_error)
    if services.scanner is None:
        log.warning("camera unavailable: %s", services.camera_error)
    app = KioskApp(config, services)

    def first_frame(*_a: Any) -> None:
        if app.sm is None or app.current != "home":
            return
        Window.unbind(on_flip=first_frame)
        elapsed = time.monotonic() - T0
        log.info("first home screen drawn %.2f s after start", elapsed)
        print(f"KIOSK_READY {elapsed:.3f}", flush=True)
        if offscreen or args.exit_after_first_frame:
            Clock.schedule_once(lambda _dt: app.snapshot(), 0.1)
        if args.exit_after_first_frame:
            Clock.schedule_once(lambda _dt: app.stop(), 0.3)

    Window.bind(on_flip=first_frame)

    def on_sigterm(*_a: Any) -> None:
        Clock.schedule_once(lambda _dt: app.stop())

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        app.run()
    finally:
        # Ctrl-C leaves Kivy's loop without the app's on_stop: the camera's worker (in OpenCV and
        # zxing-cpp) must still stop before the interpreter ends, or their C++ threads abort it
        services.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
