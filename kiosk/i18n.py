"""The one translation table of the kiosk (Vietnamese first, English second) and `tr()`.

Every string a citizen or staff member sees comes from TABLE. Keys are dotted by screen.
The texts live by area in kiosk/strings/ (one module per area; a new area adds a module and
names it below); TABLE is their union, and a key defined twice stops the import.
Missing keys show the key itself (and are logged once) rather than crashing a screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from kiosk.strings import access, citizen, dossier, handover, handover_view, loading, staff

log = logging.getLogger(__name__)

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"


def merge_tables(*tables: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """The union of the areas' tables; a key in two of them is a bug, refused at import."""
    merged: dict[str, tuple[str, str]] = {}
    for table in tables:
        twice = merged.keys() & table.keys()
        if twice:
            raise ValueError(f"translation keys defined twice: {sorted(twice)}")
        merged.update(table)
    return merged


# key -> (vi, en): one table merged from the areas in kiosk/strings/ (keys never repeat)
TABLE: dict[str, tuple[str, str]] = merge_tables(
    citizen.STRINGS,
    staff.STRINGS,
    access.STRINGS,
    handover.STRINGS,
    loading.STRINGS,
    dossier.STRINGS,
    handover_view.STRINGS,
)

_warned: set[str] = set()


class Translator:
    """Current language plus lookup; listeners are told when the language changes."""

    def __init__(self, lang: str = DEFAULT_LANGUAGE) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        self._listeners: list[Callable[[str], None]] = []

    def set_language(self, lang: str) -> None:
        """Switch language ("vi" or "en") and notify listeners."""
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}; use one of {LANGUAGES}")
        self.lang = lang
        for cb in list(self._listeners):
            cb(lang)

    def on_change(self, cb: Callable[[str], None]) -> None:
        """Call `cb(lang)` after each language change."""
        self._listeners.append(cb)

    def tr(self, key: str, **fmt: object) -> str:
        """The text for `key` in the current language, formatted with `fmt`."""
        return self.tr_in(self.lang, key, **fmt)

    def tr_in(self, lang: str, key: str, **fmt: object) -> str:
        """The text for `key` in `lang`, formatted with `fmt`."""
        entry = TABLE.get(key)
        if entry is None:
            if key not in _warned:
                _warned.add(key)
                log.warning("missing translation key %r", key)
            return key
        text = entry[1] if lang == "en" else entry[0]
        if isinstance(fmt.get("hotline"), str):  # a phone number never breaks across lines
            fmt = {**fmt, "hotline": str(fmt["hotline"]).replace(" ", "\u00a0")}
        if fmt:
            try:
                return text.format(**fmt)
            except (KeyError, IndexError, ValueError):
                log.warning("translation %r: bad placeholders for %s", key, sorted(fmt))
                return text
        return text


translator = Translator()


def tr(key: str, **fmt: object) -> str:
    """Translate `key` into the current language of the app's translator."""
    return translator.tr(key, **fmt)
