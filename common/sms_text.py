"""SMS texts that fit one segment: GSM-7 only (Vietnamese without diacritics), at most 160 septets.

One character outside the GSM 03.38 alphabet (a single "â" in the center's name) makes the whole
message UCS-2, where a segment holds 70 characters: a 154-character text costs three. So every
text is rendered and then folded to GSM-7 (diacritics stripped, đ -> d, typographic punctuation
to ASCII, anything else to "?"), and `check_templates` proves at start, from the configured center
name, hotline, cabinet labels and code length, that the longest text still fits one segment.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
"""The GSM 03.38 default alphabet (one septet each; the escape code itself left out)."""
GSM7_EXTENSION = "^{}\\[~]|€\f"
"""Characters reached through the escape: two septets each."""
_GSM7 = frozenset(GSM7_BASIC + GSM7_EXTENSION)
_FOLD = {
    "đ": "d",
    "Đ": "D",
    "–": "-",
    "—": "-",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "…": "...",
    "\u00a0": " ",
}

SEGMENT_SEPTETS = 160
DATE_FORMAT = "%d/%m/%Y %H:%M"
"""How deadlines appear in an SMS (always 16 characters)."""
PLACEHOLDERS = ("center", "dossier", "compartment", "code", "expires", "hotline")


def to_gsm7(text: str) -> str:
    """`text` in the GSM-7 alphabet: Vietnamese letters without diacritics ("Phục vụ" -> "Phuc vu",
    "đ" -> "d"), typographic punctuation as ASCII, any other character as "?"."""
    out = []
    for ch in text:
        ch = _FOLD.get(ch, ch)
        if ch.isascii() and all(c in _GSM7 for c in ch):
            out.append(ch)
            continue
        # é, à, ü are GSM-7 too, but a Vietnamese name reads best with no marks at all
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        base = "".join(_FOLD.get(c, c) for c in base)
        if base and all(c in _GSM7 for c in base):
            out.append(base)
        else:
            out.append(ch if ch in _GSM7 else "?")  # £, Ø, Δ stay; anything else is unsendable
    return "".join(out)


def septets(text: str) -> int | None:
    """Septets `text` needs in GSM-7, or None when it is not GSM-7 (the phone would use UCS-2)."""
    n = 0
    for ch in text:
        if ch in GSM7_EXTENSION:
            n += 2
        elif ch in _GSM7:
            n += 1
        else:
            return None
    return n


def segments(text: str) -> int:
    """SMS segments `text` costs: GSM-7 160 septets alone, 153 per part when concatenated; UCS-2
    70 characters alone, 67 per part."""
    n = septets(text)
    if n is not None:
        return 1 if n <= SEGMENT_SEPTETS else math.ceil(n / 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


def shorten_dossier(dossier: str, max_chars: int) -> str:
    """A dossier code longer than `max_chars` keeps its end (the serial number) after "..."."""
    return dossier if len(dossier) <= max_chars else "..." + dossier[-(max_chars - 3) :]


def render(template: str, values: Mapping[str, str], dossier_max_chars: int) -> str:
    """The SMS text: `template` with `values`, the dossier code shortened to `dossier_max_chars`,
    then folded to GSM-7 as a whole (center name and every value included)."""
    fields = dict(values)
    if "dossier" in fields:
        fields["dossier"] = shorten_dossier(fields["dossier"], dossier_max_chars)
    return to_gsm7(template.format(**fields))


def longest_text(
    template: str,
    *,
    center: str,
    hotline: str,
    labels: Iterable[str],
    code_digits: int,
    dossier_max_chars: int,
) -> str:
    """The longest text `template` can give with this configuration (for the start-up check)."""
    values = {
        "center": center,
        "dossier": "D" * dossier_max_chars,
        "compartment": max(labels, key=lambda label: len(to_gsm7(label)), default=""),
        "code": "9" * code_digits,
        "expires": "31/12/2099 23:59",
        "hotline": hotline,
    }
    return render(template, values, dossier_max_chars)


def check_template(name: str, template: str, **config: object) -> str | None:
    """None when `template` always fits one segment; else what is wrong, naming the key."""
    try:
        text = longest_text(template, **config)  # type: ignore[arg-type]
    except (KeyError, IndexError, ValueError, AttributeError) as err:
        return (
            f"sms.{name}: {err} is not a placeholder (use {', '.join('{' + p + '}' for p in PLACEHOLDERS)})"
        )
    n = septets(text) or 0
    if n > SEGMENT_SEPTETS:
        return (
            f"sms.{name}: with the center name, the hotline, a {config['dossier_max_chars']}-character "
            f"dossier code (sms.dossier_max_chars) and the longest compartment label it takes {n} "
            f"characters, more than one SMS ({SEGMENT_SEPTETS}); shorten the template, set a short "
            "sms.center_name, or lower sms.dossier_max_chars"
        )
    return None
