"""Generate the kiosk's voice prompts and beep (run once; the WAV files are committed).

    python -m kiosk.voice_clips [--out assets/sounds/kiosk] [--espeak espeak-ng]

Prompts are spoken by espeak-ng (Debian package `espeak-ng`, needed only to regenerate) into
`<out>/<lang>/<key>.wav`; `beep.wav` (the "card read" signal) is synthesised here. A center that
records a human voice replaces the files with the same names. Played only when
`[kiosk] voice_enabled = true` (the beep whenever the file exists).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np

from common.wav_clips import speak, write_wav

OUT_DIR = Path(__file__).resolve().parent.parent / "assets" / "sounds" / "kiosk"
RATE_HZ = 16000

# key -> (vi, en): short, spoken where a citizen needs a hint
PROMPTS: dict[str, tuple[str, str]] = {
    "choose_service": ("Mời quý khách chọn dịch vụ.", "Please choose a service."),
    "scan": (
        "Mời quý khách đưa mã QR trên thẻ căn cước vào khung, hoặc bấm bỏ qua.",
        "Please hold the QR code of your ID card in the frame, or press skip.",
    ),
    "ticket": (
        "Mời quý khách nhận phiếu và chờ gọi số.",
        "Please take your ticket and wait for your number.",
    ),
}


def beep(freq_hz: float = 1320.0, ms: int = 120) -> np.ndarray:
    """A short sine beep with 10 ms fades (no click)."""
    t = np.arange(int(RATE_HZ * ms / 1000)) / RATE_HZ
    tone = 0.5 * np.sin(2 * np.pi * freq_hz * t)
    fade = min(len(t) // 2, int(RATE_HZ * 0.01))
    env = np.ones_like(tone)
    env[:fade] = np.linspace(0, 1, fade)
    env[-fade:] = np.linspace(1, 0, fade)
    return np.asarray(tone * env)


def main(argv: list[str] | None = None) -> int:
    """Write beep.wav and every prompt in both languages."""
    p = argparse.ArgumentParser(prog="python -m kiosk.voice_clips", description=__doc__)
    p.add_argument("--out", default=str(OUT_DIR))
    p.add_argument("--espeak", default="espeak-ng")
    args = p.parse_args(argv)
    out = Path(args.out)
    write_wav(out / "beep.wav", beep(), RATE_HZ)
    exe = shutil.which(args.espeak)
    if exe is None:
        print(f"{args.espeak} not found: only beep.wav written (apt-get install espeak-ng)", file=sys.stderr)
        return 1
    for key, texts in PROMPTS.items():
        for lang, text, voice in (("vi", texts[0], "vi"), ("en", texts[1], "en-us")):
            target = out / lang / f"{key}.wav"
            speak(exe, text, target, 140, voice)
            print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
