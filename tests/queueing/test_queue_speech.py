"""Vietnamese number reading and announcement clips (exhaustive over 0..9999)."""

from __future__ import annotations

from pathlib import Path

import pytest

from queueing import speech
from queueing.speech import announcement, number_words, words_text

VOICE_DIR = Path(speech.__file__).resolve().parent / "static" / "voice"


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "không"),
        (1, "một"),
        (4, "bốn"),
        (5, "năm"),
        (10, "mười"),
        (11, "mười một"),
        (12, "mười hai"),
        (14, "mười bốn"),
        (15, "mười lăm"),
        (20, "hai mươi"),
        (21, "hai mươi mốt"),
        (24, "hai mươi tư"),
        (25, "hai mươi lăm"),
        (31, "ba mươi mốt"),
        (55, "năm mươi lăm"),
        (99, "chín mươi chín"),
        (100, "một trăm"),
        (101, "một trăm linh một"),
        (104, "một trăm linh bốn"),
        (105, "một trăm linh năm"),
        (110, "một trăm mười"),
        (111, "một trăm mười một"),
        (115, "một trăm mười lăm"),
        (121, "một trăm hai mươi mốt"),
        (124, "một trăm hai mươi tư"),
        (205, "hai trăm linh năm"),
        (999, "chín trăm chín mươi chín"),
        (1000, "một nghìn"),
        (1005, "một nghìn không trăm linh năm"),
        (1010, "một nghìn không trăm mười"),
        (1021, "một nghìn không trăm hai mươi mốt"),
        (1100, "một nghìn một trăm"),
        (2024, "hai nghìn không trăm hai mươi tư"),
        (9999, "chín nghìn chín trăm chín mươi chín"),
    ],
)
def test_known_readings(n: int, text: str) -> None:
    assert words_text(number_words(n)) == text


def _reference(n: int) -> str:
    """An independent, table-free reading used to check every number."""
    d = "không một hai ba bốn năm sáu bảy tám chín".split()
    t, h, te, u = n // 1000, n // 100 % 10, n // 10 % 10, n % 10
    parts: list[str] = []
    if t:
        parts += [d[t], "nghìn"]
    if t or h:
        if n % 1000 == 0 and t:
            return " ".join(parts)
        parts += [d[h], "trăm"]
    rest = n % 100
    if rest == 0:
        return " ".join(parts) if parts else "không"
    if te == 0:
        if parts:
            parts.append("linh")
        parts.append(d[u])
        return " ".join(parts)
    parts += ["mười"] if te == 1 else [d[te], "mươi"]
    if u:
        unit = {1: "một" if te == 1 else "mốt", 4: "bốn" if te == 1 else "tư", 5: "lăm"}.get(u, d[u])
        parts.append(unit)
    return " ".join(parts)


def test_every_number_matches_the_reference_reading() -> None:
    for n in range(10000):
        assert words_text(number_words(n)) == _reference(n), n


def test_spoken_forms_only_where_they_belong() -> None:
    for n in range(10000):
        words = number_words(n)
        if "mot_tens" in words:  # mốt only after "mươi"
            assert words[words.index("mot_tens") - 1] == "muoi_tens", n
        if "lam" in words:  # lăm only after mười/mươi
            assert words[words.index("lam") - 1] in ("muoi", "muoi_tens"), n
        if "tu" in words:
            assert words[words.index("tu") - 1] == "muoi_tens", n
        if "linh" in words:  # linh only between hundreds and a lone unit
            assert n % 100 < 10 and n >= 100, n
        assert words.count("muoi") + words.count("muoi_tens") <= 1, n


def test_out_of_range() -> None:
    with pytest.raises(ValueError, match="outside"):
        number_words(10000)
    with pytest.raises(ValueError):
        number_words(-1)


def test_announcement_of_a_call() -> None:
    clips = announcement("B012", 3)
    assert clips == ["chime", "moi_cong_dan_co_so", "letter_b", "muoi", "hai", "den_quay_so", "ba"]
    assert speech.announcement_text("b012", 3) == "Mời công dân có số B012 đến quầy số 3"
    assert announcement("A105", 21) == [
        "chime",
        "moi_cong_dan_co_so",
        "letter_a",
        "mot",
        "tram",
        "linh",
        "nam",
        "den_quay_so",
        "hai",
        "muoi_tens",
        "mot_tens",
    ]


@pytest.mark.parametrize("bad", ["", "12", "B", "BB12", "Ä12", "B-12"])
def test_announcement_rejects_non_numbers(bad: str) -> None:
    with pytest.raises(ValueError):
        announcement(bad, 1)


def test_english_line() -> None:
    assert speech.announcement_en("B012", 3) == [
        "en_ticket",
        "en_letter_b",
        "en_zero",
        "en_one",
        "en_two",
        "en_please_go_to_counter",
        "en_three",
    ]
    assert speech.english_number(21) == ["en_twenty", "en_one"]
    assert speech.english_number(40) == ["en_forty"]
    assert speech.english_number(13) == ["en_thirteen"]
    for n in range(100):
        assert set(speech.english_number(n)) <= set(speech.ENGLISH_CLIPS)
    with pytest.raises(ValueError):
        speech.english_number(100)


def test_every_clip_is_shipped() -> None:
    names = set(speech.ALL_CLIPS) | set(speech.ENGLISH_CLIPS) | {"chime"}
    shipped = {p.stem for p in VOICE_DIR.glob("*.wav")}
    assert names <= shipped, sorted(names - shipped)
    for n in range(10000):
        assert set(number_words(n)) <= shipped
    for p in VOICE_DIR.glob("*.wav"):
        assert p.read_bytes()[:4] == b"RIFF" and 1000 < p.stat().st_size < 60_000, p.name
