"""Voice prompts (assets/sounds/kiosk/<lang>/<key>.wav, only when enabled) and feedback sounds
(assets/sounds/kiosk/<key>.wav such as "beep", played unless `beep_enabled` is off); and the
citizen's "Listen" speech (`Speech`): each screen's prompt, the button under the finger,
confirmations and errors, synthesised offline by espeak-ng (`EspeakSink`), never a secret."""

from __future__ import annotations

import logging
import queue
import re
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any, Protocol

from common.vi_numbers import read_numbers

log = logging.getLogger(__name__)


class VoicePlayer:
    """Plays short prompts with Kivy's SoundLoader; missing clips are logged once and skipped."""

    def __init__(self, directory: Path, enabled: bool = False, beep_enabled: bool = True) -> None:
        self.directory = directory
        self.enabled = enabled
        self.beep_enabled = beep_enabled
        self._cache: dict[Path, Any] = {}
        self._missing: set[Path] = set()

    def play(self, key: str, lang: str) -> bool:
        """Play `key` in `lang`; False when off or unavailable. Never raises."""
        feedback = self.directory / f"{key}.wav"
        if feedback.is_file():
            if not self.beep_enabled:
                return False
            path = feedback
        elif not self.enabled:
            return False
        else:
            path = self.directory / lang / f"{key}.wav"
        if path in self._missing:
            return False
        try:
            sound = self._cache.get(path)
            if sound is None:
                if not path.is_file():
                    self._missing.add(path)
                    log.info("no voice clip %s", path)
                    return False
                from kivy.core.audio import SoundLoader

                sound = SoundLoader.load(str(path))
                if sound is None:
                    self._missing.add(path)
                    return False
                self._cache[path] = sound
            sound.stop()
            sound.play()
            return True
        except Exception as err:  # noqa: BLE001 - sound is optional; never break a flow for it
            log.warning("voice prompt %s failed: %s", path, err)
            self._missing.add(path)
            return False


# ----- speech: what the screen shows, spoken (the "Listen" switch) -----

#: a run of this many digits or more is never spoken: codes, PINs and ID numbers are that long,
#: nothing a citizen needs to hear is (ticket numbers, counts, minutes, the hotline in groups)
SECRET_DIGITS = re.compile(r"\d{5,}")


class SpeechSink(Protocol):
    """Says one utterance at a time, in order; `stop()` cuts the current one and drops the rest."""

    def speak(self, text: str, lang: str) -> None: ...

    def stop(self) -> None: ...

    def set_volume(self, level: int) -> None: ...


#: volume levels of the on-screen - / + buttons; DEFAULT_VOLUME again at home
VOLUME_LEVELS = 5
DEFAULT_VOLUME = 3


class MemorySink:
    """Keeps what would be said (tests; a kiosk without a speech engine logs it instead)."""

    def __init__(self) -> None:
        self.said: list[tuple[str, str]] = []
        self.stops = 0
        self.volume = DEFAULT_VOLUME

    def set_volume(self, level: int) -> None:
        self.volume = level

    def speak(self, text: str, lang: str) -> None:
        self.said.append((lang, text))

    def stop(self) -> None:
        self.stops += 1

    def texts(self) -> list[str]:
        """Everything said so far."""
        return [t for _lang, t in self.said]


class EspeakSink:
    """espeak-ng (Debian package `espeak-ng`, offline) in its own thread: one queue, one process
    at a time, never overlapping; `stop()` kills the one speaking and empties the queue."""

    VOICES = {"vi": "vi", "en": "en-us"}

    def __init__(self, exe: str, rate_wpm: int = 140) -> None:
        self._exe = exe
        self._rate = rate_wpm
        self._queue: queue.Queue[tuple[str, str] | None] = queue.Queue(maxsize=32)
        self._amplitude = self.amplitude(DEFAULT_VOLUME)
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="speech", daemon=True)
        self._thread.start()

    @classmethod
    def find(cls) -> EspeakSink | None:
        """A sink when espeak-ng is installed, else None."""
        exe = shutil.which("espeak-ng")
        return cls(exe) if exe else None

    @staticmethod
    def amplitude(level: int) -> int:
        """espeak-ng's -a (0-200, 100 its default) for a volume level 1..VOLUME_LEVELS."""
        return 40 * level

    def set_volume(self, level: int) -> None:
        self._amplitude = self.amplitude(level)

    def speak(self, text: str, lang: str) -> None:
        try:
            self._queue.put_nowait((text, lang))
        except queue.Full:
            log.warning("speech queue full; an utterance was dropped")

    def stop(self) -> None:
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                self._proc.kill()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            text, lang = item
            voice = self.VOICES.get(lang, "vi")
            args = [self._exe, "-v", voice, "-s", str(self._rate), "-a", str(self._amplitude), text]
            try:
                with self._lock:
                    self._proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                self._proc.wait()
            except OSError as err:
                log.warning("espeak-ng failed: %s", err)


class Speech:
    """The kiosk's speech: on/off, one sink, numbers read the Vietnamese way, secrets withheld.

    `say()` drops any text holding a long run of digits (a code, a PIN, an ID number) and logs
    that it did so, without the text. Screens never pass names; tests check every flow.
    """

    def __init__(self, sink: SpeechSink | None) -> None:
        self.sink: SpeechSink = sink or MemorySink()
        self.on = False
        self.withheld = 0
        self.volume = DEFAULT_VOLUME

    def set_volume(self, level: int) -> int:
        """Volume level 1..VOLUME_LEVELS (clamped); the level set."""
        self.volume = max(1, min(VOLUME_LEVELS, level))
        self.sink.set_volume(self.volume)
        return self.volume

    def say(self, text: str, lang: str, *, cut: bool = False, force: bool = False) -> bool:
        """Speak `text` in `lang` when on (or `force`); `cut` stops what is being said first."""
        if not (self.on or force):
            return False
        text = " ".join(text.split())
        if not text:
            return False
        if SECRET_DIGITS.search(text):
            self.withheld += 1
            log.warning("speech withheld an utterance holding a long number (a code or ID is never spoken)")
            return False
        if cut:
            self.sink.stop()
        self.sink.speak(read_numbers(text) if lang == "vi" else text, lang)
        return True

    def cut(self) -> None:
        """Stop speaking now (the screen changed)."""
        self.sink.stop()
