"""Voice prompts (assets/sounds/kiosk/<lang>/<key>.wav, only when enabled) and feedback sounds
(assets/sounds/kiosk/<key>.wav such as "beep", played unless `beep_enabled` is off)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

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
