"""Spoken clips for the kiosk's prompts and the display board's calls: espeak-ng into a WAV file,
and samples written as 16-bit mono PCM WAV (the one format both play). Used only to regenerate the
committed clips; espeak-ng (Debian package `espeak-ng`) is needed only then."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np


def write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    """Write mono float samples in -1..1 as 16-bit PCM WAV at `rate` Hz (the folder is made)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def speak(espeak: str, text: str, dest: Path, speed_wpm: int = 140, voice: str = "vi") -> None:
    """Say `text` with an espeak-ng voice (Vietnamese by default) into the WAV file `dest`."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([espeak, "-v", voice, "-s", str(speed_wpm), "-w", str(dest), text], check=True)
