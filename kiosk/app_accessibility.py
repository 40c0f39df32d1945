"""The citizen's accessibility choices on the kiosk app (the bar under the header): speech with
its volume, large text, the high-contrast palette, and reading a button out before pressing it.
All are reset at home. A mixin of `kiosk.app.KioskApp` (kv binds `app.speech_on`, ...)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kivy.core.window import Window
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from kiosk import theme
from kiosk.screens.base import KioskScreen
from kiosk.voice import DEFAULT_VOLUME, VOLUME_LEVELS

if TYPE_CHECKING:
    from kivy.uix.screenmanager import ScreenManager

    from kiosk.config import AppConfig
    from kiosk.i18n import Translator
    from kiosk.voice import Speech, VoicePlayer
    from kiosk.widgets import HelpView


class AccessibilityMixin:
    """Speech, volume, large text and contrast: Kivy properties and the buttons' actions."""

    speech_on = BooleanProperty(False)
    large_text = BooleanProperty(False)
    high_contrast = BooleanProperty(False)
    text_scale = NumericProperty(1.0)  # kv sizes are multiplied by it (kiosk.theme.load_kv)
    palette = StringProperty("standard")  # kv colours follow it
    volume_level = NumericProperty(DEFAULT_VOLUME)  # speech volume 1..VOLUME_LEVELS

    # what the app provides (kiosk.app.KioskApp)
    cfg: AppConfig
    lang: str
    sm: ScreenManager | None
    speech: Speech
    voice: VoicePlayer
    translator: Translator
    _armed: Any
    _help_view: HelpView | None
    _help_state: str
    if TYPE_CHECKING:

        @property
        def current(self) -> str: ...
        def screen(self, name: str) -> KioskScreen: ...

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

    def play_voice(self, key: str) -> None:
        """Play a voice prompt (no-op when voice is off or the clip is missing). While the
        citizen's speech is on it says the prompt itself: recorded prompts are skipped (never two
        voices at once); feedback sounds such as the beep still play."""
        if self.speech_on and not (self.voice.directory / f"{key}.wav").is_file():
            return
        self.voice.play(key, self.lang)
