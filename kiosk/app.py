"""The Kivy App: thin, with services injected. Screens come from the registry.

The app owns navigation, the language, the idle timeout (back home, every screen `reset()`),
the header clock, and the periodic snapshot of the screen. Its mixins hold the rest: the
citizen's accessibility choices (`kiosk.app_accessibility`), "Call staff"
(`kiosk.app_staff_call`), and the out-of-service screen, config warnings and device note
(`kiosk.app_service_health`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kivy.app import App
from kivy.clock import Clock as KivyClock
from kivy.core.window import Window
from kivy.properties import StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from common.clock import Clock, SystemClock
from kiosk import theme
from kiosk.app_accessibility import AccessibilityMixin
from kiosk.app_service_health import ServiceHealthMixin
from kiosk.app_staff_call import StaffCallMixin
from kiosk.config import AppConfig
from kiosk.context import KioskContext
from kiosk.devices import DeviceWatch
from kiosk.fonts import register_fonts
from kiosk.health import HealthMonitor
from kiosk.i18n import Translator
from kiosk.screens.base import KioskScreen
from kiosk.screens.registry import HOME, KV_DIR, OUT_OF_SERVICE, ScreenSpec, discover
from kiosk.services import Services
from kiosk.snapshot import save_window_png
from kiosk.voice import EspeakSink, MemorySink, Speech, VoicePlayer
from kiosk.widgets import (  # noqa: F401 - registers kv classes
    AccessBar,
    BigButton,
    Header,
    HelpView,
    NumericKeypad,
    TextField,
    TextKeyboard,
    WrapLabel,
)
from kiosk.widgets.longpress import LongPressArea  # noqa: F401
from kiosk.work import Worker

log = logging.getLogger(__name__)


class KioskApp(AccessibilityMixin, StaffCallMixin, ServiceHealthMixin, App):
    """The touchscreen app. Construct with config and services; `run()` or drive it from tests."""

    lang = StringProperty("vi")
    clock_text = StringProperty("")
    center_name = StringProperty("")
    hotline = StringProperty("")

    def __init__(
        self,
        config: AppConfig,
        services: Services,
        clock: Clock | None = None,
        worker: Worker | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.cfg = config
        self.services = services
        self.clock = clock or SystemClock()
        self.worker = worker or Worker()
        self.translator = Translator(config.kiosk.default_language)
        self.lang = self.translator.lang
        self.hotline = config.center.hotline
        self.center_name = config.center.name(self.lang)
        self.title = config.center.name(self.lang)
        self.voice = VoicePlayer(
            config.kiosk.path(config.kiosk.voice_dir), enabled=config.kiosk.voice_enabled
        )
        sink = EspeakSink.find()
        if sink is None:
            log.warning("espeak-ng is not installed: 'Listen' says nothing (apt-get install espeak-ng)")
        self.speech = Speech(sink or MemorySink())
        self._armed: Any = None  # the button read out by the last touch (speech on)
        self._help_state = ""  # "" | calling | coming | limited | failed
        self._help_view: HelpView | None = None
        self._help_at: float | None = None  # monotonic time of the last call
        self._idle_view: Any = None
        theme.set_screen(config.kiosk.window_width_px, config.kiosk.screen_width_mm)
        self.ctx = KioskContext(
            config=config,
            services=services,
            worker=self.worker,
            clock=self.clock,
            translator=self.translator,
            nav=self,
        )
        self.health = HealthMonitor(
            services.health_targets(),
            self.worker,
            self._health_changed,
            clock=self.clock,
            down_after_failures=config.kiosk.health_down_after_failures,
            down_after_s=config.kiosk.health_down_after_s,
            on_body=self.take_health,
        )
        self._warnings: dict[str, list[dict[str, str]]] = {}  # by service, from its health
        self.devices = DeviceWatch(
            services,
            self.worker,
            self.show_devices,
            printer_enabled=config.kiosk.printer_enabled,
            camera_enabled=config.kiosk.camera_enabled,
        )
        self.sm: ScreenManager | None = None
        self._specs: dict[str, ScreenSpec] = {}
        self._last_activity = self.clock.monotonic()
        self._return_to: str | None = None
        self._events: list[Any] = []
        try:
            self._tz: ZoneInfo | None = ZoneInfo(config.center.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("unknown timezone %r in [center] timezone; showing UTC", config.center.timezone)
            self._tz = None

    # ----- building -----
    def build(self) -> ScreenManager:
        """Load fonts and kv files, create every registered screen, start the timers."""
        register_fonts()
        Window.clearcolor = theme.BG
        if self.cfg.kiosk.fullscreen:
            Window.fullscreen = "auto"
            Window.show_cursor = False  # a touchscreen kiosk: no mouse pointer over the buttons
        else:
            Window.size = (self.cfg.kiosk.window_width_px, self.cfg.kiosk.window_height_px)
        theme.load_kv(KV_DIR / "widgets.kv")
        self.sm = ScreenManager(transition=NoTransition())
        self.sm.bind(current=self._screen_shown)
        # Screens are built on first use (faster start); home and out-of-service at once.
        self._specs = {spec.name: spec for spec in discover()}
        for name in (HOME, OUT_OF_SERVICE):
            self._build_screen(name)
        self.sm.current = HOME
        self.screen(HOME).prepare()  # again now that every screen exists (pickup/staff registered)
        Window.bind(on_touch_down=self._on_input, on_key_down=self._on_input)
        self._tick(0)
        self._events = [
            KivyClock.schedule_interval(self._tick, 1.0),
            KivyClock.schedule_interval(lambda _dt: self.health.poll(), self.cfg.kiosk.health_poll_s),
        ]
        self.health.poll()
        self._events.append(
            KivyClock.schedule_interval(lambda _dt: self.devices.poll(), self.cfg.kiosk.device_poll_s)
        )
        self.devices.poll()
        shot_every = self.cfg.kiosk.screenshot_every_s
        if self.cfg.kiosk.screenshot_path and shot_every > 0:
            self._events.append(KivyClock.schedule_interval(lambda _dt: self.snapshot(), shot_every))
        return self.sm

    def on_stop(self) -> None:
        """Stop timers and the worker, release devices."""
        for ev in self._events:
            ev.cancel()
        self._events = []
        Window.unbind(on_touch_down=self._on_input, on_key_down=self._on_input)
        self.worker.close()
        self.services.close()

    # ----- translation for kv: `text: app.t("key", app.lang)` re-evaluates on language change -----
    def t(self, key: str, _lang: str | None = None, **fmt: object) -> str:
        """Translate `key`; kv passes `app.lang` so the binding updates on a language switch."""
        return self.translator.tr(key, **fmt)

    def toggle_language(self) -> None:
        """Switch between Vietnamese and English."""
        self.set_language("en" if self.lang == "vi" else "vi")

    def set_language(self, lang: str) -> None:
        """Switch language everywhere (kv bindings and screens' `on_language`)."""
        self.translator.set_language(lang)
        self.lang = lang
        self.center_name = self.cfg.center.name(lang)
        self.title = self.center_name
        self.show_devices(self.devices.current)
        self._show_warnings()
        self.touch_activity()
        if self.sm is not None:
            for screen in self.sm.screens:
                if isinstance(screen, KioskScreen):
                    screen.on_language(lang)

    # ----- navigation -----
    def has_screen(self, name: str) -> bool:
        """Whether a screen called `name` is registered (built or not yet)."""
        return name in self._specs or (self.sm is not None and self.sm.has_screen(name))

    def screen(self, name: str) -> KioskScreen:
        """The screen instance called `name` (built now if it was not yet). KeyError if unknown."""
        assert self.sm is not None, "app not built"
        if not self.sm.has_screen(name):
            self._build_screen(name)
        scr = self.sm.get_screen(name)
        assert isinstance(scr, KioskScreen)
        return scr

    def all_screens(self) -> list[KioskScreen]:
        """Every registered screen, building those not built yet (screenshots, checks)."""
        out = []
        for name in list(self._specs):
            try:
                out.append(self.screen(name))
            except KeyError:
                continue
        return out

    def _build_screen(self, name: str) -> None:
        assert self.sm is not None
        spec = self._specs.get(name)
        if spec is None:
            raise KeyError(name)
        try:
            if spec.kv is not None:
                theme.load_kv(spec.kv)
            self.sm.add_widget(spec.cls(self.ctx))
        except Exception as err:
            if name in (HOME, OUT_OF_SERVICE):
                raise
            # a broken screen is left out; home and the other flows keep working
            log.exception("screen %s could not be built; it is left out", name)
            self._specs.pop(name, None)
            raise KeyError(name) from err

    @property
    def current(self) -> str:
        """Name of the screen on show."""
        return self.sm.current if self.sm is not None else ""

    def go(self, name: str, **params: Any) -> None:
        """Show `name` after `prepare(**params)`; out-of-service first if a required service is down."""
        try:
            scr = self.screen(name)
        except KeyError:
            log.error("no screen called %r is available; staying on %s", name, self.current)
            return
        down = [s for s in scr.requires if not self.health.is_up(s)]
        if down:
            self._show_out_of_service(down, return_to=None)
            return
        self.touch_activity()
        if not scr.citizen and (self.speech_on or self.large_text or self.high_contrast):
            # staff screens take PINs and codes on keys a citizen's speech would read out
            log.info("staff screen %s: the citizen's speech, large text and contrast are off", name)
            self.reset_assist()
        scr.prepare(**params)
        assert self.sm is not None
        log.info("screen %s -> %s", self.sm.current, name)
        self.sm.current = name

    def go_home(self) -> None:
        """Reset every screen (forget entered data) and show home."""
        if self.sm is None:
            return
        for scr in self.sm.screens:
            if isinstance(scr, KioskScreen):
                try:
                    scr.reset()
                except Exception:  # a broken reset must not strand the citizen
                    log.exception("reset of screen %s failed", scr.name)
        self._return_to = None
        self.reset_assist()
        if self.sm.current != HOME:
            log.info("screen %s -> home", self.sm.current)
        self.sm.current = HOME
        self.touch_activity()
        self.screen(HOME).prepare()

    def touch_activity(self) -> None:
        """Restart the idle timer (and take down its warning)."""
        self._last_activity = self.clock.monotonic()
        if self._idle_view is not None:
            view, self._idle_view = self._idle_view, None
            view.dismiss(animation=False)
            if self.sm is not None and self.current:
                self.screen(self.current).more_time()

    # ----- accessibility: speech, large text, contrast (the bar under the header) -----
    def _screen_shown(self, _sm: Any, name: str) -> None:
        self._armed = None
        oos = name == OUT_OF_SERVICE
        self.devices.set_screen(oos, ",".join(getattr(self.screen(name), "waiting_for", [])) if oos else "")
        if self.speech_on:
            self.speech.cut()
            self.say_prompt()

    # ----- timers -----
    def _on_input(self, *_args: Any) -> bool:
        self.touch_activity()
        return False

    def _tick(self, _dt: float) -> None:
        now = datetime.now(self._tz) if self._tz else self.clock.now()
        if not isinstance(self.clock, SystemClock):
            now = self.clock.now().astimezone(self._tz) if self._tz else self.clock.now()
        self.clock_text = now.strftime("%H:%M")
        self.check_idle()

    def check_idle(self) -> None:
        """Go home when nothing was touched for `idle_timeout_s` (longer while speech or large
        text is on); `idle_warning_s` before, a warning is shown and spoken (screens may opt out).
        On home, a kiosk left in another language goes back to the default one."""
        if self.sm is None or self.current == OUT_OF_SERVICE:
            return
        idle = self.clock.monotonic() - self._last_activity
        default = self.cfg.kiosk.default_language
        if self.current == HOME:
            if self.lang != default and idle >= self.cfg.kiosk.idle_timeout_s:
                # the last citizen left home in their language: the next one starts in the default
                log.info("idle for %.0f s on home: back to language %s", idle, default)
                self.set_language(default)
            return
        scr = self.screen(self.current)
        limit = self.timeout_s(self.cfg.kiosk.idle_timeout_s)
        if not scr.idle_home:
            return
        if idle >= limit:
            log.info("idle for %.0f s on %s: back to home, entered data cleared", idle, self.current)
            self.touch_activity()
            self.go_home()
        elif idle >= limit - self.cfg.kiosk.idle_warning_s and self._idle_view is None:
            self.warn_idle(int(limit - idle + 0.999))

    def warn_idle(self, seconds_left: int) -> None:
        """Show and say "need more time? touch the screen": any touch takes it down."""
        if App.get_running_app() is not self or self._idle_view is not None:
            return  # a stopped app's leftover timer, or the panel is already up
        from kiosk.widgets.access import IdleWarning

        text = self.t("idle.warning", s=seconds_left)
        self._idle_view = IdleWarning(message=text)
        self._idle_view.open(animation=False)
        self.say(text, cut=True)

    @property
    def idle_warning(self) -> str:
        """The idle warning on show ("" when none)."""
        return str(self._idle_view.message) if self._idle_view is not None else ""

    def snapshot(self, path: Path | None = None) -> Path | None:
        """Save the current screen as PNG (default: [kiosk] screenshot_path)."""
        target = path or self.cfg.kiosk.path(self.cfg.kiosk.screenshot_path)
        return save_window_png(target)
