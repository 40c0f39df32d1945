"""One-time pickup codes: made with a CSPRNG, stored only as an HMAC, compared in constant time.

The HMAC key lives in a file outside the database, so a copy of the database alone does not let
anyone test codes offline. Codes never go to logs, URLs or error messages.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
from pathlib import Path

import pyotp

from common.sealed import SecretBox

_ASCII_DIGITS = frozenset("0123456789")
_RECEIPT_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")
_RECEIPT_MAC_BYTES = 12  # 96 bits: never guessable, and the verify URL stays short for a small QR


def is_ascii_digits(text: str) -> bool:
    """True for a non-empty string of 0-9 only (str.isdigit() also accepts "²" and "١٢٣")."""
    return bool(text) and all(ch in _ASCII_DIGITS for ch in text)


def ascii_digits(text: str) -> str:
    """The ASCII digits 0-9 of `text`, in order (separators and other scripts' digits dropped)."""
    return "".join(ch for ch in text if ch in _ASCII_DIGITS)


class CodeBook:
    """Makes codes and turns codes and ID numbers into keyed digests."""

    def __init__(self, key_hex: str, length_digits: int = 6) -> None:
        if not 6 <= length_digits <= 10:
            raise ValueError("code length must be 6..10 digits")
        self._key = bytes.fromhex(key_hex)
        self.length = length_digits

    def new_code(self) -> str:
        """A fresh code of `length` digits from pyotp's CSPRNG-seeded HOTP (uniform enough, never reused)."""
        # pyotp.random_base32 draws from `secrets`. HOTP truncation yields 31 bits, so chunks of at
        # most 6 digits keep the modulo bias negligible even for 10-digit codes.
        out = ""
        while len(out) < self.length:
            chunk = pyotp.HOTP(pyotp.random_base32(), digits=6).at(0)  # pyotp allows 6..10 digits
            out += chunk[: self.length - len(out)]
        return out

    def digest(self, code: str) -> str:
        """HMAC-SHA256 of a code (what the database stores and looks up)."""
        return hmac.new(self._key, b"code:" + code.encode(), hashlib.sha256).hexdigest()

    def id_digest(self, id_number: str) -> str:
        """Keyed digest of a citizen ID number (digits only) for matching without storing it."""
        digits = ascii_digits(id_number)
        return hmac.new(self._key, b"id:" + digits.encode(), hashlib.sha256).hexdigest()

    @functools.cached_property
    def sms_box(self) -> SecretBox:
        """AES-256-GCM box for SMS texts waiting in the outbox (they carry live codes). Its key is
        derived from the code key (HMAC-SHA256 with a fixed label), so it is kept outside the
        database with it and needs no file or backup of its own."""
        key = hmac.new(self._key, b"sms-outbox-seal", hashlib.sha256).hexdigest()
        return SecretBox(key, Path("(derived from the code key)"))

    def matches(self, code: str, stored_digest: str) -> bool:
        """Constant-time comparison of a typed code with a stored digest."""
        return hmac.compare_digest(self.digest(code), stored_digest)

    def well_formed(self, code: str) -> bool:
        """True when `code` has the configured number of digits."""
        return len(code) == self.length and is_ascii_digits(code)

    def receipt_token(self, pickup_id: str) -> str:
        """The unguessable token printed in a receipt's verify URL: `<pickup_id>.<MAC>`.

        The MAC (HMAC-SHA256 under the code key, truncated to 96 bits, base64url) is what makes
        it unguessable; nothing needs storing, and a forged token is refused before any lookup.
        """
        mac = hmac.new(self._key, b"receipt:" + pickup_id.encode(), hashlib.sha256).digest()
        return f"{pickup_id}.{base64.urlsafe_b64encode(mac[:_RECEIPT_MAC_BYTES]).decode().rstrip('=')}"

    def receipt_pickup_id(self, token: str) -> str | None:
        """The pickup a receipt token names, or None when the token is malformed or forged."""
        if len(token) > 80 or not token.isascii():
            return None
        pickup_id, _, _ = token.rpartition(".")
        if not _RECEIPT_ID.fullmatch(pickup_id):
            return None
        if not hmac.compare_digest(self.receipt_token(pickup_id).encode(), token.encode()):
            return None
        return pickup_id
