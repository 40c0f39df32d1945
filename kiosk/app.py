"""The Kivy App: thin, with services injected. Screens come from the registry.

The app owns navigation, the language, the idle timeout (back home, every screen `reset()`),
the out-of-service screen (shown when a needed service stops answering, left by itself when it
answers again), the header clock, and the periodic snapshot of the screen.
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
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from common.clock import Clock, SystemClock
from kiosk import theme
from kiosk.clients.base import ApiError, ServiceUnavailable
from kiosk.config import AppConfig
from kiosk.context import KioskContext
from kiosk.devices import DeviceWatch, Reading
from kiosk.fonts import register_fonts
from kiosk.health import HealthMonitor
from kiosk.i18n import TABLE as I18N_TABLE
from kiosk.i18n import Translator
from kiosk.screens.base import KioskScreen
from kiosk.screens.registry import KV_DIR, ScreenSpec, discover
from kiosk.services import Services
from kiosk.snapshot import save_window_png
from kiosk.voice import DEFAULT_VOLUME, VOLUME_LEVELS, EspeakSink, MemorySink, Speech, VoicePlayer
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

HOME = "home"
OUT_OF_SERVICE = "out_of_service"


class KioskApp(App):
    """The touchscreen app. Construct with config and services; `run()` or drive it from tests."""

    lang = StringProperty("vi")
    clock_text = StringProperty("")
    center_name = StringProperty("")
    hotline = StringProperty("")
    device_note = StringProperty("")  # home's discreet corner mark while a device is not ok
    config_warnings = StringProperty("")  # site-config problems the services report (staff screens)
    # the citizen's accessibility choices (the bar under the header); all reset at home
    speech_on = BooleanProperty(False)
    large_text = BooleanProperty(False)
    high_contrast = BooleanProperty(False)
    text_scale = NumericProperty(1.0)  # kv sizes are multiplied by it (kiosk.theme.load_kv)
    palette = StringProperty("standard")  # kv colours follow it
    volume_level = NumericProperty(DEFAULT_VOLUME)  # speech volume 1..VOLUME_LEVELS

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
    def color(self, name: str, palette: str) -> tuple[float, ...]:
        """kv colours: `theme.TEXT` in a kv file reads `app.color("TEXT", app.palette)`."""
        return theme.color(name, palette)

    @property
    def assisted(self) -> bool:
        """Speech or large text on: every time-out is longer."""
        return bool(self.speech_on or self.large_text)

    def timeout_s(self, base_s: float) -> float:
        """`base_s` lengthened by [kiosk] assist_time_factor while speech or large text is on."""
        return base_s * (self.cfg.kiosk.assist_time_factor if self.assisted else 1.0)

    def toggle_speech(self) -> None:
        """The "Listen" button: speech on (and say how to use it) or off."""
        self.speech_on = self.speech.on = not self.speech_on
        self._armed = None
        if self.speech_on:
            self.say_key("a11y.speech_on", cut=True)
            self.say_prompt()
        else:
            self.speech.cut()

    def volume_step(self, step: int) -> None:
        """The - / + buttons next to Listen: speech quieter or louder (said at the new level)."""
        level = self.speech.set_volume(self.speech.volume + step)
        self.volume_level = level
        self.say_key("a11y.volume_now", cut=True, n=level, of=VOLUME_LEVELS)

    def toggle_large_text(self) -> None:
        """Text and targets 1.5x (every kv size follows `text_scale`), or back to normal."""
        self.large_text = not self.large_text
        self.text_scale = theme.LARGE_SCALE if self.large_text else 1.0
        for scr in self.sm.screens if self.sm is not None else []:
            if isinstance(scr, KioskScreen):
                scr.on_language(self.lang)  # texts built in Python (tiles) take the new size
        if self.large_text:
            self.say_key("a11y.large_on", cut=True)

    def toggle_contrast(self) -> None:
        """The high-contrast palette, or back to the standard one."""
        self.high_contrast = not self.high_contrast
        name = "contrast" if self.high_contrast else "standard"
        theme.use_palette(name)  # first: buttons recolour from it when `palette` changes
        self.palette = name
        Window.clearcolor = theme.color("BG")
        if self.high_contrast:
            self.say_key("a11y.contrast_on", cut=True)

    def reset_assist(self) -> None:
        """Back home: speech off, normal text and colours, no help panel, no warning."""
        if self.speech_on:
            self.speech.cut()
        self.speech_on = self.speech.on = False
        self._armed = None
        self.volume_level = self.speech.set_volume(DEFAULT_VOLUME)
        if self.large_text:
            self.toggle_large_text()
        if self.high_contrast:
            self.toggle_contrast()
        if self._help_view is not None:
            self._help_view.dismiss(animation=False)
        self._help_state = ""

    def say(self, text: str, cut: bool = False) -> bool:
        """Speak `text` in the current language when speech is on (never a secret: kiosk.voice)."""
        return self.speech.say(text, self.lang, cut=cut)

    def say_key(self, key: str, cut: bool = False, **fmt: object) -> bool:
        """Speak the table text `key`."""
        return self.say(self.translator.tr(key, **fmt), cut=cut)

    def say_prompt(self) -> None:
        """Speak the prompt of the screen on show."""
        if self.sm is None or not self.speech_on:
            return
        scr = self.screen(self.current)
        text = scr.speech_prompt()
        if text:
            self.say(text)

    def explore(self, button: Any) -> bool:
        """With speech on, a first touch on a button reads it out (True: do not press it yet)."""
        if not self.speech_on:
            return False
        if self._armed is button:
            self._armed = None
            return False
        self._armed = button
        self.say_key("a11y.button", cut=True, label=button.spoken_label())
        return True

    def _screen_shown(self, _sm: Any, name: str) -> None:
        self._armed = None
        oos = name == OUT_OF_SERVICE
        self.devices.set_screen(oos, ",".join(getattr(self.screen(name), "waiting_for", [])) if oos else "")
        if self.speech_on:
            self.speech.cut()
            self.say_prompt()

    # ----- help: "Call staff" raises a kiosk_help alarm in the locker's alarm list -----
    def call_help(self) -> None:
        """Ask for a member of staff: report to the locker, show "Staff are coming" with Cancel."""
        self.touch_activity()
        if self._help_state in ("calling", "coming"):
            self._show_help(self._help_state)  # already called: the same panel, no new call
            return
        now = self.clock.monotonic()
        wait = 0.0 if self._help_at is None else self._help_at + self.cfg.kiosk.help_cooldown_s - now
        if wait > 0:
            self._show_help("limited", s=int(wait + 0.999))
            return
        locker = self.services.locker
        if locker is None:
            self._show_help("failed")
            return
        self._help_at = now
        screen = self.current or HOME
        log.info("a citizen called staff from screen %s", screen)
        self._show_help("calling")
        self.worker.submit(
            lambda: locker.report_device("help", "requested", screen), self._help_raised, self._help_failed
        )
        self._tell_counters(screen, "requested")

    def _tell_counters(self, screen: str, state: str) -> None:
        """Best effort: the counter consoles show (or drop) the call; the citizen sees no change."""
        queueing = self.services.queueing
        if queueing is None:
            return
        self.worker.submit(
            lambda: queueing.help(screen, state),
            None,
            lambda err: log.warning("the counter consoles were not told of the call for staff: %s", err),
        )

    def _help_raised(self, _result: object) -> None:
        if self._help_state == "calling":
            self._show_help("coming")

    def _help_failed(self, err: BaseException) -> None:
        log.warning("the call for staff failed: %s", err)
        if isinstance(err, ApiError) and err.status == 429:
            wait = int(float(err.extra.get("retry_after_s", self.cfg.kiosk.help_cooldown_s)))
            self._show_help("limited", s=wait)
        else:
            self._show_help("failed")

    def cancel_help(self) -> None:
        """The citizen cancels the call: the locker clears the alarm."""
        locker = self.services.locker
        if self._help_state in ("calling", "coming") and locker is not None:
            log.info("the citizen cancelled the call for staff")
            screen = self.current
            self.worker.submit(lambda: locker.report_device("help", "ok", screen), None, self._cancel_failed)
            self._tell_counters(screen or HOME, "ok")
        self._help_state = ""
        self.say_key("help.cancelled", cut=True)
        self.close_help()

    def _cancel_failed(self, err: BaseException) -> None:
        log.warning("cancelling the call for staff failed (staff will acknowledge it): %s", err)

    def close_help(self) -> None:
        """Take the panel down (an open call stays open)."""
        if self._help_view is not None:
            self._help_view.dismiss(animation=False)
        if self._help_state in ("limited", "failed"):
            self._help_state = ""

    @property
    def help_state(self) -> str:
        """ "" | calling | coming | limited | failed."""
        return self._help_state

    def _show_help(self, state: str, **fmt: object) -> None:
        self._help_state = state
        if self._help_view is None:
            self._help_view = HelpView()
        view = self._help_view
        view.state = state
        view.message = self.translator.tr(f"help.{state}", hotline=self.hotline, **fmt)
        if view.parent is None:
            view.open(animation=False)
        self.say(view.message, cut=True)

    def play_voice(self, key: str) -> None:
        """Play a voice prompt (no-op when voice is off or the clip is missing). While the
        citizen's speech is on it says the prompt itself: recorded prompts are skipped (never two
        voices at once); feedback sounds such as the beep still play."""
        if self.speech_on and not (self.voice.directory / f"{key}.wav").is_file():
            return
        self.voice.play(key, self.lang)

    # ----- devices -----
    def show_devices(self, readings: dict[str, Reading]) -> None:
        """The corner mark on home from the devices' readings (empty while all are ok)."""
        problems = [r for r in readings.values() if r.state != "ok"]
        self.device_note = "  ·  ".join(self.t(f"device.{r.device}_{r.state}") for r in problems)

    # ----- site-config warnings (services' health `warnings`) -----
    def take_health(self, service: str, body: dict[str, Any]) -> None:
        """A service's health answer: keep its `warnings` ([{"code", "message"}]) for staff screens."""
        raw = body.get("warnings")
        found = [
            {"code": str(w.get("code", "")), "message": str(w.get("message", ""))}
            for w in (raw if isinstance(raw, list) else [])
            if isinstance(w, dict)
        ]
        if found == self._warnings.get(service, []):
            return
        for w in found:
            if w not in self._warnings.get(service, []):
                log.warning("%s reports a site-config problem: %s", service, w["message"] or w["code"])
        self._warnings[service] = found
        self._show_warnings()

    def _show_warnings(self) -> None:
        """One line per warning, in the current language (the service's own text for unknown codes)."""
        lines = []
        for found in self._warnings.values():
            for w in found:
                key = f"warning.{w['code']}"
                lines.append(self.t(key) if key in I18N_TABLE else (w["message"] or w["code"]))
        self.config_warnings = "\n".join(lines)

    # ----- out of service -----
    def service_failed(self, service: str, err: BaseException) -> None:
        """A screen's call failed: an unavailable service puts up out-of-service."""
        if isinstance(err, ServiceUnavailable):
            log.warning("%s unavailable: %s", service, err)
            self.health.report(service, False, f"a citizen's call failed: {err}")
            if self.current != OUT_OF_SERVICE:
                self._show_out_of_service([service], return_to=None)

    def _health_changed(self, service: str, up: bool) -> None:
        if not up:
            scr = self.screen(self.current) if self.current else None
            if scr is not None and service in scr.requires:
                self._show_out_of_service([service], return_to=None)
            elif self.current == HOME:
                self.screen(HOME).prepare()
            return
        if self.current == OUT_OF_SERVICE:
            # leave when the services this screen waits for are back (others may stay down:
            # home then offers only what works)
            oos = self.screen(OUT_OF_SERVICE)
            still_down = [s for s in getattr(oos, "waiting_for", []) if not self.health.is_up(s)]
            if still_down:
                oos.prepare(services=still_down)
            else:
                log.info("services back (%s): leaving out-of-service", service)
                self.go_home()
        elif self.current == HOME:
            self.screen(HOME).prepare()

    def _show_out_of_service(self, services: list[str], return_to: str | None) -> None:
        self._return_to = return_to
        for scr in self.sm.screens if self.sm else []:
            if isinstance(scr, KioskScreen) and scr.name != OUT_OF_SERVICE:
                scr.reset()
        oos = self.screen(OUT_OF_SERVICE)
        oos.prepare(services=services)
        assert self.sm is not None
        log.info("screen %s -> out_of_service (%s)", self.sm.current, ", ".join(services))
        self.sm.current = OUT_OF_SERVICE
        self.health.poll()

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
