"""The bundled fonts draw every Vietnamese letter and every character of every printed template.

A missing glyph prints as an empty box or nothing at all ("Nh?n k?t qu?"), so this fails the
build instead. Kiosk screens use the same fonts (assets/fonts/NotoSans-*.ttf).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from drivers.printer.layouts import (
    format_wait,
    loading_slip_document,
    pickup_receipt_document,
    ticket_document,
)
from drivers.printer.samples import sample_loading_slip, sample_pickup_receipt, sample_ticket
from drivers.printer.strings import STRINGS

FONTS = Path(__file__).resolve().parent.parent / "assets" / "fonts"
FONT_FILES = ["NotoSans-Regular.ttf", "NotoSans-Bold.ttf"]

# Base letters of the Vietnamese alphabet (with the four that carry their own marks) and the
# five tone marks; every combination must exist as a precomposed glyph after NFC.
BASES = "aăâbcdđeêghiklmnoôơpqrstuưvxy" + "fjwz"  # f j w z appear in loanwords and names
VOWELS = "aăâeêioôơuưy"
TONES = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]  # none, huyền, sắc, ngã, hỏi, nặng


def vietnamese_letters() -> set[str]:
    """Every Vietnamese letter, lower and upper case, with every tone mark, NFC-normalised."""
    letters = set(BASES)
    for v in VOWELS:
        for tone in TONES:
            letters.add(unicodedata.normalize("NFC", v + tone))
    return letters | {ch.upper() for ch in letters}


def template_characters() -> set[str]:
    """Every character the printer layouts can print from their own strings and sample data."""
    texts: list[str] = []
    for lang, table in STRINGS.items():
        texts.extend(table.values())
        texts.extend(ticket_document(sample_ticket(lang)).texts())
        texts.extend(pickup_receipt_document(sample_pickup_receipt(lang)).texts())
        texts.extend(loading_slip_document(sample_loading_slip(lang)).texts())
        texts.extend(format_wait(lo, hi, table) for lo, hi in [(None, None), (1, 2), (3, 3), (0, 0)])
    texts.append("0123456789:/–-.,()*")  # numbers, times, dossier codes, masked names
    return {ch for t in texts for ch in unicodedata.normalize("NFC", t) if not ch.isspace()}


def missing(font: Path, chars: Iterable[str]) -> list[str]:
    cmap = TTFont(font).getBestCmap()
    return sorted(ch for ch in chars if ord(ch) not in cmap)


def test_alphabet_is_complete() -> None:
    letters = vietnamese_letters()
    assert len(letters) == 2 * (len(BASES) + len(VOWELS) * (len(TONES) - 1))
    assert {"ệ", "Ễ", "ừ", "Ự", "đ", "Đ", "ỹ", "Ỷ"} <= letters
    assert all(len(ch) == 1 for ch in letters)  # each precomposed


@pytest.mark.parametrize("name", FONT_FILES)
def test_font_has_every_vietnamese_letter(name: str) -> None:
    assert missing(FONTS / name, vietnamese_letters()) == []


@pytest.mark.parametrize("name", FONT_FILES)
def test_font_has_every_template_character(name: str) -> None:
    chars = template_characters()
    assert "ữ" in chars or "ự" in chars  # the templates really are Vietnamese
    assert missing(FONTS / name, chars) == []


def test_the_check_catches_a_missing_glyph() -> None:
    assert missing(FONTS / FONT_FILES[0], ["\U0001f5a8"]) == ["\U0001f5a8"]  # printer emoji: not in Noto Sans
