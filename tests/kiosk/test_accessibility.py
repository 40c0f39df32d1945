"""Large text, high contrast, speech and time-outs on every citizen screen, offscreen with the
real kv files (no services needed: each screen's demo states). Geometry is measured from widget
bounds (tests/kiosk/a11y_checks.py), not by eye."""

from __future__ import annotations

from typing import Any

import pytest
from kivy.uix.label import Label

from kiosk import theme
from kiosk.services import Services
from kiosk.voice import MemorySink, Speech
from tests.kiosk.a11y_checks import CITIZEN_SCREENS, problems, rect

pytestmark = pytest.mark.kivy


def _font_sizes(scr: Any) -> list[float]:
    # the ticket number is the one label sized from the room it gets (it shrinks so that nothing
    # overlaps; with large text it has less room: docs/accessibility.md says so)
    number = scr.ids.get("number")  # ids hold weak proxies: compare with each widget's proxy_ref
    return [
        float(w.font_size)
        for w in scr.walk()
        if isinstance(w, Label)
        and w.text.strip()
        and w.proxy_ref is not number
        and type(w.parent).__name__ != "CabinetView"  # door numbers sized to their cells
    ]


def test_every_citizen_screen_fits_in_both_languages_and_text_sizes(make_harness) -> None:
    h = make_harness(Services())
    found: list[str] = []
    sizes: dict[tuple[str, str, str], list[float]] = {}
    checked = 0
    for large in (False, True):
        if h.app.large_text != large:
            h.tap(h.screen("home").ids.access.ids.large_btn)
        assert h.app.text_scale == (theme.LARGE_SCALE if large else 1.0)
        for lang in ("vi", "en"):
            h.app.set_language(lang)
            for name in CITIZEN_SCREENS:
                for state in h.app.screen(name).demo_states():
                    scr = h.stage(name, state)
                    found += [
                        f"{'large' if large else 'normal'} {lang} {name}/{state}: {p}" for p in problems(scr)
                    ]
                    key = (lang, name, state)
                    if large:
                        normal = sizes[key]
                        now = _font_sizes(scr)
                        if len(now) == len(normal):  # same labels shown: each grew 1.5x
                            for a, b in zip(normal, now, strict=True):
                                assert b >= a * theme.LARGE_SCALE - 0.5, (key, a, b)
                    else:
                        sizes[key] = _font_sizes(scr)
                    checked += 1
                    scr.reset()
    assert checked >= 2 * 2 * len(CITIZEN_SCREENS)
    assert not found, "\n".join(found)


def test_targets_are_15_mm_on_the_configured_screen() -> None:
    # [kiosk] screen_width_mm = 345 across window_width_px = 1280: 3.7 px/mm, 15 mm = 56 px
    theme.set_screen(1280, 345.0)
    assert abs(theme.px_per_mm() - 1280 / 345) < 1e-9
    assert theme.touch_min() >= 15 * theme.px_per_mm()


def test_the_bar_is_in_the_same_place_on_every_citizen_screen(make_harness) -> None:
    h = make_harness(Services())
    places = set()
    for name in CITIZEN_SCREENS:
        scr = h.stage(name, h.app.screen(name).demo_states()[0])
        bar = scr.ids.access
        places.add(
            tuple(round(v) for v in rect(bar.ids.help_btn))
            + tuple(round(v) for v in rect(bar.ids.listen_btn))
        )
    assert len(places) == 1, places


def test_large_text_and_contrast_reset_at_home(make_harness) -> None:
    h = make_harness(Services())
    h.stage("services", "list")
    bar = h.screen().ids.access
    title_before = h.screen().ids.back_btn.font_size
    h.tap(bar.ids.large_btn)
    h.tap(bar.ids.contrast_btn)
    assert h.app.large_text and h.app.high_contrast and h.app.palette == "contrast"
    assert h.screen().ids.back_btn.font_size >= title_before * 1.5 - 0.5
    assert tuple(h.screen().ids.back_btn.bg) == theme.HIGH_CONTRAST.NEUTRAL  # buttons recoloured
    assert bar.ids.large_btn.text == "Chữ thường"  # the button says what it does now
    h.app.go_home()
    assert not h.app.large_text and not h.app.high_contrast and h.app.text_scale == 1.0
    assert tuple(h.screen("services").ids.back_btn.bg) == theme.STANDARD.NEUTRAL


def _speech(h: Any) -> MemorySink:
    sink = MemorySink()
    h.app.speech = Speech(sink)
    return sink


def test_every_citizen_screen_has_a_spoken_prompt_in_both_languages(make_harness) -> None:
    h = make_harness(Services())
    sink = _speech(h)
    h.tap(h.screen("home").ids.access.ids.listen_btn)  # acts at once: no "touch again"
    assert h.app.speech_on and "Chạm một lần" in sink.texts()[0]
    for lang in ("vi", "en"):
        h.app.set_language(lang)
        for name in CITIZEN_SCREENS:
            for state in h.app.screen(name).demo_states():
                scr = h.stage(name, state)
                prompt = scr.speech_prompt()
                assert prompt.strip(), (lang, name, state)
                scr.reset()
    # a screen change cuts what was being said and says the new screen's prompt
    h.app.sm.current = "home"
    h.pump(2)
    stops = sink.stops
    h.app.sm.current = "services"
    h.pump(2)
    assert sink.stops > stops and sink.said[-1][0] == "en"


def test_touch_to_hear_then_touch_again_to_choose(make_harness) -> None:
    h = make_harness(Services())
    sink = _speech(h)
    scr = h.stage("services", "list")
    h.tap(scr.ids.access.ids.listen_btn)
    tile = scr.ids.grid.children[-1]
    h.tap(tile)
    assert h.app.current == "services"  # heard, not chosen
    assert sink.texts()[-1].startswith("Nút ") and "Chạm lần nữa" in sink.texts()[-1]
    h.tap(scr.ids.back_btn)  # another button: heard, the tile is no longer armed
    assert h.app.current == "services"
    h.tap(scr.ids.back_btn)  # again: chosen
    assert h.app.current == "home"
    assert not h.app.speech_on  # home: speech off


def test_numbers_are_read_the_vietnamese_way_and_secrets_are_withheld() -> None:
    sink = MemorySink()
    speech = Speech(sink)
    speech.on = True
    speech.say("Số của quý khách là B015. Còn 21 người, khoảng 24 phút.", "vi")
    assert (
        sink.texts()[-1]
        == "Số của quý khách là bê mười lăm. Còn hai mươi mốt người, khoảng hai mươi tư phút."
    )
    speech.say("Gọi 1900 0000. Mở lại 06/01 lúc 07:30.", "vi")  # phone digit by digit, dates, times
    assert sink.texts()[-1] == (
        "Gọi một chín không không, không không không không. Mở lại sáu tháng một lúc bảy giờ ba mươi."
    )
    speech.say("Gọi 1900\u00a00000.", "vi")  # the screens keep a hotline on one line (no-break space)
    assert sink.texts()[-1] == "Gọi một chín không không, không không không không."
    speech.say("Call 1900 0000 at 07:30.", "en")  # English: espeak-ng reads the figures itself
    assert sink.texts()[-1] == "Call 1900 0000 at 07:30."
    for secret in ("Mã 482913", "CCCD 001089001234", "PIN 123456"):
        assert not speech.say(secret, "vi")
    assert speech.withheld == 3 and len(sink.said) == 4


def test_idle_time_out_is_longer_with_speech_and_warns_first(make_harness) -> None:
    h = make_harness(Services())
    sink = _speech(h)
    kcfg = h.app.cfg.kiosk
    h.stage("services", "list")
    h.tap(h.screen().ids.access.ids.listen_btn)
    limit = kcfg.idle_timeout_s * kcfg.assist_time_factor
    h.clock.advance(limit - kcfg.idle_warning_s - 1)
    h.app.check_idle()
    assert h.app.current == "services" and not h.app.idle_warning
    h.clock.advance(2)
    h.app.check_idle()
    assert "thêm thời gian" in h.app.idle_warning and "thêm thời gian" in sink.texts()[-1]
    h.clock.advance(kcfg.idle_warning_s)
    h.app.check_idle()
    assert h.app.current == "home" and not h.app.idle_warning


def test_idle_warning_without_assist_and_a_touch_keeps_the_screen(make_harness) -> None:
    h = make_harness(Services())
    kcfg = h.app.cfg.kiosk
    h.stage("services", "list")
    h.clock.advance(kcfg.idle_timeout_s - kcfg.idle_warning_s + 1)
    h.app.check_idle()
    assert h.app.idle_warning
    h.tap(h.screen().ids.access)  # any touch: more time
    assert not h.app.idle_warning
    h.clock.advance(kcfg.idle_timeout_s - 1)
    h.app.check_idle()
    assert h.app.current == "services"


def test_help_panel_and_idle_warning_fit_in_both_languages_and_text_sizes(make_harness) -> None:
    h = make_harness(Services())  # no locker: the panel says staff could not be called
    found: list[str] = []
    for large in (False, True):
        if h.app.large_text != large:
            h.app.toggle_large_text()
        for lang in ("vi", "en"):
            h.app.set_language(lang)
            h.stage("services", "list")
            for state in ("coming", "limited", "failed"):
                h.app._show_help(state, s=59)
                h.pump(4)
                found += [f"{large} {lang} help/{state}: {p}" for p in problems(h.app._help_view)]
                h.app.close_help()
            h.app.warn_idle(15)
            h.pump(4)
            found += [f"{large} {lang} idle: {p}" for p in problems(h.app._idle_view)]
            h.app.touch_activity()
            h.pump(2)
    assert not found, "\n".join(found)


def test_volume_buttons_show_with_speech_fit_and_reset_at_home(make_harness) -> None:
    h = make_harness(Services())
    sink = _speech(h)
    scr = h.stage("services", "list")
    bar = scr.ids.access
    assert bar.ids.louder_btn.opacity == 0 and bar.ids.louder_btn.disabled  # speech off: no room taken
    h.tap(bar.ids.listen_btn)
    h.pump(2)
    h.tap(bar.ids.louder_btn)  # heard: "Nút To tiếng hơn…"
    assert "To tiếng hơn" in sink.texts()[-1] and h.app.volume_level == 3
    h.tap(bar.ids.louder_btn)  # chosen
    assert h.app.volume_level == 4 and sink.volume == 4
    assert sink.texts()[-1] == "Âm lượng bốn trên năm."
    found: list[str] = []
    for large in (False, True):
        if h.app.large_text != large:
            h.app.toggle_large_text()
        for lang in ("vi", "en"):
            h.app.set_language(lang)
            h.pump(4)
            found += [f"{large} {lang}: {p}" for p in problems(bar)]
    assert not found, "\n".join(found)
    h.app.go_home()
    assert h.app.volume_level == 3 and sink.volume == 3 and not h.app.speech_on


def test_espeak_sink_speaks_one_at_a_time_at_the_volume_and_stop_cuts(tmp_path) -> None:
    import os
    import time

    from kiosk.voice import EspeakSink

    log = tmp_path / "said.txt"
    exe = tmp_path / "espeak-ng"  # a stand-in that records its arguments, then waits to be killed
    exe.write_text(f'#!/bin/sh\necho "$*" >> {log}\nexec sleep 30\n', encoding="utf-8")
    exe.chmod(0o755)
    sink = EspeakSink(str(exe))
    sink.set_volume(5)
    sink.speak("một", "vi")
    sink.speak("hai", "vi")
    deadline = time.monotonic() + 10
    while not (log.exists() and log.read_text(encoding="utf-8")) and time.monotonic() < deadline:
        time.sleep(0.01)  # yield to the speech thread
    assert log.read_text(encoding="utf-8").splitlines() == ["-v vi -s 140 -a 200 một"]  # one at a time
    sink.stop()  # kills "một" and drops "hai"
    sink.speak("ba", "en")
    while len(log.read_text(encoding="utf-8").splitlines()) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert log.read_text(encoding="utf-8").splitlines()[1] == "-v en-us -s 140 -a 200 ba"
    sink.stop()
    assert os.path.exists(exe)


def _luminance(rgba: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_high_contrast_palette_pairs_are_at_least_7_to_1() -> None:
    pal = theme.HIGH_CONTRAST
    pairs = [("TEXT", "BG"), ("TEXT_DIM", "BG"), ("TEXT", "PANEL"), ("PRIMARY", "BG")]
    pairs += [
        (f"{role}_TEXT", role) for role in ("PRIMARY", "SECONDARY", "NEUTRAL", "DANGER", "SUCCESS", "WARNING")
    ]
    pairs += [("DISABLED_TEXT", "DISABLED")]
    for fg, bg in pairs:
        ratio = _contrast(getattr(pal, fg), getattr(pal, bg))
        assert ratio >= 7.0, (fg, bg, round(ratio, 2))


def test_recorded_prompts_are_skipped_while_speech_speaks(make_harness, tmp_path) -> None:
    h = make_harness(Services(), voice_enabled=True)
    played: list[str] = []

    def play(key: str, lang: str) -> bool:
        played.append(key)
        return True

    h.app.voice.play = play  # type: ignore[method-assign]
    h.app.play_voice("scan")
    _speech(h)
    h.app.toggle_speech()
    h.app.play_voice("scan")  # speech says the scan prompt itself
    h.app.play_voice("beep")  # a feedback sound still plays
    assert played == ["scan", "beep"]


def test_staff_sign_in_turns_the_citizens_speech_off_so_no_pin_is_read(make_harness) -> None:
    from tests.kiosk.locker_fixtures import type_text

    h = make_harness(Services())
    sink = _speech(h)
    h.tap(h.screen("home").ids.access.ids.listen_btn)
    h.tap(h.screen("home").ids.access.ids.large_btn)
    h.tap(h.screen("home").ids.access.ids.large_btn)  # heard, then chosen
    assert h.app.speech_on and h.app.large_text
    said = len(sink.said)
    h.app.go("staff_login")  # what the long press in home's corner does
    assert not h.app.speech_on and not h.app.large_text and h.app.text_scale == 1.0
    login = h.screen("staff_login")
    type_text(h, login.ids.keyboard, "NV7")
    assert len(sink.said) == said


def test_open_door_screen_warns_with_the_panel_and_a_touch_restarts_its_return_home(make_harness) -> None:
    h = make_harness(Services())
    sink = _speech(h)
    scr = h.stage("pickup_open", "opened")
    h.tap(scr.ids.access.ids.listen_btn)
    scr._schedule_home()
    first = scr._home_ev
    assert first is not None
    scr.warn_timeout(15, show=True)  # what its warning event does
    assert "thêm thời gian" in h.app.idle_warning and "thêm thời gian" in sink.texts()[-1]
    h.tap(h.app._idle_view)  # any touch: more time
    assert not h.app.idle_warning and scr._home_ev is not None and scr._home_ev is not first
    scr._cancel_home()
