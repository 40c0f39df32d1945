"""Vietnamese numerals as the board and the kiosk say them (pure functions, no audio).

`number_words(21)` is `["hai", "muoi_tens", "mot_tens"]` ("hai mươi mốt"): the usual spoken forms
mốt (21), tư (24), lăm (15, 25), linh (105), không trăm (1005). The names are the display board's
clip names (queueing/speech.py composes announcements from them); `number_text` gives the words.
"""

from __future__ import annotations

import re

#: clip name -> the Vietnamese text it says (the clip generator speaks this text).
WORD_CLIPS: dict[str, str] = {
    "khong": "không",
    "mot": "một",
    "hai": "hai",
    "ba": "ba",
    "bon": "bốn",
    "nam": "năm",
    "sau": "sáu",
    "bay": "bảy",
    "tam": "tám",
    "chin": "chín",
    "muoi": "mười",
    "muoi_tens": "mươi",
    "mot_tens": "mốt",
    "tu": "tư",
    "lam": "lăm",
    "linh": "linh",
    "tram": "trăm",
    "nghin": "nghìn",
}

#: Vietnamese names of the Latin letters used as ticket prefixes.
LETTER_NAMES: dict[str, str] = {
    "A": "a",
    "B": "bê",
    "C": "xê",
    "D": "dê",
    "E": "e",
    "F": "ép",
    "G": "giê",
    "H": "hát",
    "I": "i",
    "J": "gi",
    "K": "ca",
    "L": "e lờ",
    "M": "em mờ",
    "N": "en nờ",
    "O": "o",
    "P": "pê",
    "Q": "quy",
    "R": "e rờ",
    "S": "ét xì",
    "T": "tê",
    "U": "u",
    "V": "vê",
    "W": "vê kép",
    "X": "ích xì",
    "Y": "i dài",
    "Z": "dét",
}

_DIGITS = ["khong", "mot", "hai", "ba", "bon", "nam", "sau", "bay", "tam", "chin"]


def _below_hundred(n: int, after_hundreds: bool) -> list[str]:
    """Words for 0..99 as they follow a hundreds part (`after_hundreds`) or stand alone."""
    tens, units = divmod(n, 10)
    if n == 0:
        return [] if after_hundreds else ["khong"]
    if tens == 0:
        # 105: "một trăm linh năm"; 5 alone: "năm"
        return (["linh"] if after_hundreds else []) + [_DIGITS[units]]
    words = ["muoi"] if tens == 1 else [_DIGITS[tens], "muoi_tens"]
    if units == 0:
        return words
    if units == 1:
        words.append("mot" if tens == 1 else "mot_tens")  # mười một, hai mươi mốt
    elif units == 4:
        words.append("bon" if tens == 1 else "tu")  # mười bốn, hai mươi tư
    elif units == 5:
        words.append("lam")  # mười lăm, hai mươi lăm
    else:
        words.append(_DIGITS[units])
    return words


def number_words(n: int) -> list[str]:
    """Clip names that read 0..9999 as a Vietnamese numeral."""
    if not 0 <= n <= 9999:
        raise ValueError(f"{n} is outside 0..9999")
    thousands, rest = divmod(n, 1000)
    hundreds, below = divmod(rest, 100)
    words: list[str] = []
    if thousands:
        words += [_DIGITS[thousands], "nghin"]
        if rest == 0:
            return words
        # 1005: "một nghìn không trăm linh năm"; 1100: "một nghìn một trăm"
        words += [_DIGITS[hundreds], "tram"]
        words += _below_hundred(below, after_hundreds=True)
        return words
    if hundreds:
        words += [_DIGITS[hundreds], "tram"]
        words += _below_hundred(below, after_hundreds=True)
        return words
    return _below_hundred(below, after_hundreds=False)


def number_text(n: int) -> str:
    """0..9999 in Vietnamese words: 1005 -> "một nghìn không trăm linh năm"."""
    return " ".join(WORD_CLIPS[w] for w in number_words(n))


_TICKET = re.compile(r"\b([A-Z])(\d{1,4})\b")
_NUMBER = re.compile(r"(?<!\d)(?<!\d[.,])\d{1,4}(?!\d)(?![.,]\d)")


_DIGIT_NAMES = [WORD_CLIPS[d] for d in _DIGITS]
_TIME = re.compile(r"\b([01]?\d|2[0-3]):([0-5]\d)\b")
_DATE = re.compile(r"\b(0?[1-9]|[12]\d|3[01])/(0?[1-9]|1[0-2])/(\d{4})\b")
_DAY_MONTH = re.compile(r"\b(0?[1-9]|[12]\d|3[01])/(0?[1-9]|1[0-2])\b(?!/)")


def _time_words(hours: int, minutes: int) -> str:
    """07:30 -> "bảy giờ ba mươi"; 08:00 -> "tám giờ"."""
    return f"{number_text(hours)} giờ" + (f" {number_text(minutes)}" if minutes else "")


_PHONE = re.compile(r"(?<![\d.,])\d{2,4}(?:[ .\u00a0]\d{2,4})+(?![\d.,]?\d)")


def read_numbers(text: str) -> str:
    """`text` with phone numbers digit by digit ("1900 0000" -> "một chín không không, …"), ticket
    numbers ("B012" -> "bê mười hai") and other numbers up to 9999 in words."""
    groups = re.compile(r"[ .\u00a0]")  # a hotline may be kept on one line with no-break spaces
    text = _PHONE.sub(
        lambda m: ", ".join(" ".join(_DIGIT_NAMES[int(d)] for d in g) for g in groups.split(m.group(0))),
        text,
    )
    text = _TIME.sub(lambda m: _time_words(int(m.group(1)), int(m.group(2))), text)
    text = _DATE.sub(
        lambda m: (
            f"{number_text(int(m.group(1)))} tháng {number_text(int(m.group(2)))} "
            f"năm {number_text(int(m.group(3)))}"
        ),
        text,
    )
    text = _DAY_MONTH.sub(
        lambda m: f"{number_text(int(m.group(1)))} tháng {number_text(int(m.group(2)))}", text
    )
    text = _TICKET.sub(lambda m: f"{LETTER_NAMES[m.group(1)]} {number_text(int(m.group(2)))}", text)
    return _NUMBER.sub(lambda m: number_text(int(m.group(0))), text)
