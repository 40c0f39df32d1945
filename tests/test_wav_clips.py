"""The clip writer the kiosk's prompts and the board's calls share (common/wav_clips.py)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from common.wav_clips import write_wav
from kiosk.voice_clips import main as kiosk_clips


def test_samples_become_16_bit_mono_pcm_clipped_to_full_scale(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "clip.wav"
    write_wav(path, np.array([0.0, 0.5, -2.0, 1.0]), 12000)
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 12000)
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    assert pcm.tolist() == [0, 16383, -32767, 32767]


def test_without_espeak_the_kiosk_writes_its_beep_and_says_what_to_install(tmp_path: Path, capsys) -> None:
    assert kiosk_clips(["--out", str(tmp_path), "--espeak", "no-such-espeak"]) == 1
    assert (tmp_path / "beep.wav").stat().st_size > 1000
    assert "apt-get install espeak-ng" in capsys.readouterr().err
