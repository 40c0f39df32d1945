"""Generate the display board's voice clips (run once; the clips are committed).

    python -m queueing.voice_clips [--out queueing/static/voice] [--espeak espeak-ng]

Each clip of `queueing.speech.ALL_CLIPS` is spoken by espeak-ng's Vietnamese voice (and each of
`ENGLISH_CLIPS` by its English voice, for the optional English line), trimmed of
silence, resampled to 12 kHz mono 16-bit WAV and written as `<name>.wav`; "chime.wav" is a
two-tone attention signal made here. espeak-ng (Debian package `espeak-ng`) is needed only to
regenerate; the service and its tests use the committed files. A center that records a human
voice drops WAV files with the same names into the folder instead.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

from common.wav_clips import speak, write_wav
from queueing.speech import ALL_CLIPS, ENGLISH_CLIPS

log = logging.getLogger(__name__)

OUT_DIR = Path(__file__).resolve().parent / "static" / "voice"
RATE_HZ = 12000  # speech keeps its intelligibility; the clips stay small
SILENCE_LEVEL = 0.02  # of full scale: below this counts as silence when trimming
EDGE_MS = 30  # silence kept at each end of a clip


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Mono float samples in -1..1 and the sample rate of a 16-bit PCM WAV file."""
    with wave.open(str(path), "rb") as w:
        rate = w.getframerate()
        channels = w.getnchannels()
        if w.getsampwidth() != 2:
            raise ValueError(f"{path}: expected 16-bit PCM")
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1)
    return data, rate


def trim(samples: np.ndarray, rate: int) -> np.ndarray:
    """Cut leading and trailing silence, keeping EDGE_MS at each end."""
    loud = np.flatnonzero(np.abs(samples) > SILENCE_LEVEL)
    if loud.size == 0:
        return samples
    edge = int(rate * EDGE_MS / 1000)
    return samples[max(0, loud[0] - edge) : min(samples.size, loud[-1] + edge)]


def resample(samples: np.ndarray, rate: int, target: int = RATE_HZ) -> np.ndarray:
    """Low-pass (windowed sinc below the new Nyquist) then linear resampling: enough for speech."""
    if rate == target or samples.size == 0:
        return samples
    if target < rate:
        cutoff = 0.45 * target / rate  # cycles per input sample
        taps = np.arange(-32, 33)
        kernel = 2 * cutoff * np.sinc(2 * cutoff * taps) * np.hamming(taps.size)
        samples = np.convolve(samples, kernel / kernel.sum(), mode="same").astype(np.float32)
    n = int(round(samples.size * target / rate))
    out: np.ndarray = np.interp(np.linspace(0, samples.size - 1, n), np.arange(samples.size), samples)
    return out.astype(np.float32)


def chime(rate: int = RATE_HZ) -> np.ndarray:
    """A soft two-tone "ding-dong" (E5 then C5) with a decaying envelope."""
    out = []
    for freq, dur in ((659.25, 0.45), (523.25, 0.65)):
        t = np.arange(int(rate * dur)) / rate
        tone = 0.5 * np.sin(2 * np.pi * freq * t) + 0.15 * np.sin(4 * np.pi * freq * t)
        out.append(tone * np.exp(-3.5 * t) * np.minimum(1.0, t / 0.01))
    return (np.concatenate(out) * 0.6).astype(np.float32)


def generate(out_dir: Path, espeak: str, speed_wpm: int = 140) -> list[Path]:
    """Write every clip; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        clips = [(n, t, "vi") for n, t in ALL_CLIPS.items()] + [
            (n, t, "en-us") for n, t in ENGLISH_CLIPS.items()
        ]
        for name, text, voice in clips:
            raw = Path(tmp) / f"{name}.wav"
            speak(espeak, text, raw, speed_wpm, voice)
            samples, rate = read_wav(raw)
            samples = resample(trim(samples, rate), rate)
            peak = float(np.max(np.abs(samples))) or 1.0
            write_wav(out_dir / f"{name}.wav", samples * (0.9 / peak), RATE_HZ)
            written.append(out_dir / f"{name}.wav")
    write_wav(out_dir / "chime.wav", chime(), RATE_HZ)
    written.append(out_dir / "chime.wav")
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    p = argparse.ArgumentParser(prog="python -m queueing.voice_clips", description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=OUT_DIR)
    p.add_argument("--espeak", default="espeak-ng")
    p.add_argument("--speed-wpm", type=int, default=140)
    args = p.parse_args(argv)
    exe = shutil.which(args.espeak)
    if exe is None:
        print("espeak-ng is not installed: apt-get install espeak-ng (only needed to regenerate clips)")
        return 2
    paths = generate(args.out, exe, args.speed_wpm)
    total = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} clips to {args.out} ({total // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
