"""Vietnamese call announcements as a list of recorded clips (pure functions, no audio here).

"Mời công dân có số B012 đến quầy số 3" becomes
["chime", "moi_cong_dan_co_so", "letter_b", "muoi", "hai", "den_quay_so", "ba"]; the display
board plays the clips of one announcement back to back and announcements one after another.
Numbers are read as Vietnamese numerals with the usual spoken forms: mốt (21), tư (24),
lăm (15, 25), linh (105), không trăm (1005).
"""

from __future__ import annotations

# numerals and letter names live in common.vi_numbers (the kiosk reads numbers the same way)
from common.vi_numbers import LETTER_NAMES as LETTER_NAMES
from common.vi_numbers import WORD_CLIPS as WORD_CLIPS
from common.vi_numbers import number_words as number_words
from queueing.domain import parse_number

PHRASE_CLIPS: dict[str, str] = {
    "moi_cong_dan_co_so": "Mời công dân có số",
    "den_quay_so": "đến quầy số",
}

_EN_SMALL = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
]  # fmt: skip
_EN_TENS = {
    2: "twenty",
    3: "thirty",
    4: "forty",
    5: "fifty",
    6: "sixty",
    7: "seventy",
    8: "eighty",
    9: "ninety",
}

#: English clips (optional line after the Vietnamese one): clip name -> text, spoken in English.
ENGLISH_CLIPS: dict[str, str] = {
    "en_ticket": "ticket",
    "en_please_go_to_counter": "please go to counter",
    **{f"en_{w}": w for w in _EN_SMALL},
    **{f"en_{w}": w for w in _EN_TENS.values()},
    **{f"en_letter_{k.lower()}": k for k in LETTER_NAMES},
}

#: every Vietnamese clip the board may need, with its text; "chime" is a generated tone, not speech.
ALL_CLIPS: dict[str, str] = {
    **WORD_CLIPS,
    **PHRASE_CLIPS,
    **{f"letter_{k.lower()}": v for k, v in LETTER_NAMES.items()},
}


def words_text(words: list[str]) -> str:
    """The Vietnamese text of a list of clip names."""
    return " ".join(ALL_CLIPS.get(w, w) for w in words if w != "chime")


def announcement(ticket_number: str, counter: int) -> list[str]:
    """Clip names for "Mời công dân có số <ticket> đến quầy số <counter>"."""
    parsed = parse_number(ticket_number)
    if parsed is None:
        raise ValueError(f"{ticket_number!r} is not a ticket number like 'B012'")
    prefix, number = parsed
    if prefix not in LETTER_NAMES:
        raise ValueError(f"no letter name for prefix {prefix!r}")
    return (
        ["chime", "moi_cong_dan_co_so", f"letter_{prefix.lower()}"]
        + number_words(number)
        + ["den_quay_so"]
        + number_words(counter)
    )


def english_number(n: int) -> list[str]:
    """Clip names reading 0..99 in English ("twenty one")."""
    if not 0 <= n <= 99:
        raise ValueError(f"{n} is outside 0..99")
    if n < 20:
        return [f"en_{_EN_SMALL[n]}"]
    tens, units = divmod(n, 10)
    return [f"en_{_EN_TENS[tens]}"] + ([f"en_{_EN_SMALL[units]}"] if units else [])


def announcement_en(ticket_number: str, counter: int) -> list[str]:
    """English clips: "ticket B zero one two, please go to counter three" (digits one by one,
    as English speakers read ticket numbers)."""
    parsed = parse_number(ticket_number)
    if parsed is None:
        raise ValueError(f"{ticket_number!r} is not a ticket number like 'B012'")
    digits = ticket_number.strip()[1:]
    return (
        ["en_ticket", f"en_letter_{parsed[0].lower()}"]
        + [f"en_{_EN_SMALL[int(d)]}" for d in digits]
        + ["en_please_go_to_counter"]
        + english_number(counter)
    )


def announcement_text(ticket_number: str, counter: int) -> str:
    """The line shown under the board and spoken: 'Mời công dân có số B012 đến quầy số 3'."""
    return f"Mời công dân có số {ticket_number.upper()} đến quầy số {counter}"


def announcement_text_en(ticket_number: str, counter: int) -> str:
    """The optional English line."""
    return f"Ticket {ticket_number.upper()}, please go to counter {counter}"
