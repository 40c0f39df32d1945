"""Voice prompts only when enabled; the beep unless turned off; missing clips never break a flow."""

from __future__ import annotations

from kiosk.voice import VoicePlayer
from kiosk.voice_clips import OUT_DIR


class _Sound:
    def __init__(self):
        self.played = 0

    def play(self):
        self.played += 1

    def stop(self):
        pass


def test_prompts_only_when_enabled_and_beep_separately(tmp_path):
    off = VoicePlayer(OUT_DIR, enabled=False, beep_enabled=False)
    assert off.play("ticket", "vi") is False
    assert off.play("beep", "vi") is False
    p = VoicePlayer(OUT_DIR, enabled=True)
    snd = _Sound()
    p._cache[OUT_DIR / "vi" / "ticket.wav"] = snd
    assert p.play("ticket", "vi") is True
    assert snd.played == 1


def test_missing_clip_is_skipped(tmp_path):
    p = VoicePlayer(tmp_path, enabled=True)
    assert p.play("nothing_here", "en") is False
    assert p.play("nothing_here", "en") is False


def test_committed_clips_exist_for_both_languages():
    from kiosk.voice_clips import PROMPTS

    assert (OUT_DIR / "beep.wav").is_file()
    for key in PROMPTS:
        assert (OUT_DIR / "vi" / f"{key}.wav").is_file()
        assert (OUT_DIR / "en" / f"{key}.wav").is_file()
