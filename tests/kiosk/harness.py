"""Offscreen harness: build the real KioskApp in this process and drive it with real touches."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.base import EventLoop
from kivy.core.window import Window
from kivy.tests.common import UnitTestTouch
from kivy.uix.widget import Widget

from common.clock import ManualClock
from kiosk.app import KioskApp
from kiosk.config import AppConfig, load_app_config
from kiosk.services import Services
from tests.harness import wait_until


def make_config(tmp_path: Path, **kiosk: Any) -> AppConfig:
    """The default config with test-friendly [kiosk] overrides."""
    base: dict[str, Any] = {
        "screenshot_every_s": 0,
        "screenshot_path": str(tmp_path / "screen.png"),
        "health_poll_s": 300,
        "start_services": False,
        # devices are handed to Services directly; none configured means no "printer offline"
        # alarm reported for tests that run without a printer
        "printer_enabled": False,
        "camera_enabled": False,
    }
    base.update(kiosk)
    return load_app_config(None, overrides=base)


class Harness:
    """Owns one running KioskApp on the (single, offscreen) Kivy window."""

    def __init__(self, config: AppConfig, services: Services, clock: ManualClock | None = None) -> None:
        EventLoop.ensure_window()
        self.clock = clock or ManualClock()
        self.app = KioskApp(config, services, clock=self.clock)
        self.app._run_prepare()
        self.pump(3)

    def pump(self, frames: int = 1) -> None:
        """Run `frames` iterations of the Kivy loop (clock callbacks, layout, drawing)."""
        for _ in range(frames):
            EventLoop.idle()

    def wait(self, pred: Callable[[], bool], timeout_s: float = 10.0, what: str = "condition") -> None:
        """Pump the loop until `pred()` holds; fail with `what` after `timeout_s`."""

        def holds() -> bool:
            self.pump()
            return bool(pred())

        # the short pause yields the CPU to worker threads between frames
        try:
            wait_until(holds, timeout_s, what, interval_s=0.005)
        except AssertionError:
            raise AssertionError(f"timed out waiting for {what} (screen {self.app.current!r})") from None
        self.pump(2)

    def idle_workers(self, timeout_s: float = 10.0) -> None:
        """Wait until every background job's callback has run."""
        self.wait(lambda: self.app.worker.pending == 0, timeout_s, "background jobs")

    def tap(self, widget: Widget) -> None:
        """A real touch down/up in the middle of `widget` (in window coordinates)."""
        self.pump()
        x, y = widget.to_window(widget.center_x, widget.center_y)
        assert 0 <= x <= Window.width and 0 <= y <= Window.height, f"{widget} is off screen at {x},{y}"
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        self.pump(2)

    def screen(self, name: str | None = None) -> Any:
        """The current (or named) screen."""
        return self.app.screen(name or self.app.current)

    def stage(self, name: str, state: str, frames: int = 8) -> Any:
        """Show screen `name` in its demo state `state` (as `make screenshots` does); the screen."""
        scr = self.app.screen(name)
        assert self.app.sm is not None
        self.app.sm.current = name
        self.pump(2)
        scr.stage_demo(state)
        self.pump(frames)
        return scr

    def ids(self, name: str | None = None) -> Any:
        """`ids` of the current (or named) screen."""
        return self.screen(name).ids

    def close(self) -> None:
        """Stop the app and take its root off the shared window."""
        self.pump(2)  # kv canvas updates are delayed a frame: run them while the app is current
        self.app.stop()
        if self.app.root is not None and self.app.root.parent is not None:
            Window.remove_widget(self.app.root)
        from kivy.app import App

        App._running_app = None
        self.pump(2)
