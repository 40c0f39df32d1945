"""Accent-insensitive matching so "ho tich" finds "Hộ tịch" on the service search."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case without Vietnamese diacritics (đ -> d)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").casefold()


def matches(query: str, *fields: str) -> bool:
    """Every word of `query` appears (folded) in one of `fields`."""
    words = fold(query).split()
    hay = " ".join(fold(f) for f in fields)
    return all(w in hay for w in words)
