"""Parse the citizen ID card (CCCD) QR payload; mask and hash the ID number.

The payload is `|`-separated UTF-8:
`ID (12 digits)|old ID (9 digits or empty)|full name|birth ddmmyyyy|gender|address|issue ddmmyyyy`,
and cards issued from July 2024 add four trailing (empty) fields. Parsing is pure and total:
anything that is not a well-formed card payload comes back as a `NotCccd` with a stable reason
code, never as an exception. The raw payload is never logged nor kept in what is returned.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from drivers.camera.model import CccdInfo, RejectReason

# Longest payload worth looking at: real ones are ~100-200 characters. A 10,000-character QR is
# refused before any splitting so a hostile code costs nothing.
MAX_PAYLOAD_CHARS = 1000
MIN_FIELDS = 7
MAX_NAME_CHARS = 100
EARLIEST_BIRTH_YEAR = 1900

# Place-of-registration codes that open a 12-digit ID (Circular 07/2016/TT-BCA, 63 provinces).
# IDs keep the code they were issued with, so the 2025 province mergers do not change this list.
PROVINCE_CODES: frozenset[str] = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 035"
    " 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070"
    " 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096".split()
)

_ID_RE = re.compile(r"[0-9]{12}")
_OLD_ID_RE = re.compile(r"[0-9]{9}|[0-9]{12}")
_DATE_RE = re.compile(r"[0-9]{8}")
GENDERS = {"nam": "Nam", "nữ": "Nữ", "nu": "Nữ"}


@dataclass(frozen=True)
class NotCccd:
    """Why a payload is not an ID card QR (`reason` is stable; `detail` is for logs, no PII)."""

    reason: RejectReason
    detail: str = ""


class IdHasher:
    """Keyed hash (HMAC-SHA256) of an ID number: matchable, not reversible without the key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("ID hash key must be at least 16 bytes")
        self._key = key

    def hash_id(self, id_number: str) -> str:
        """Hex digest of the 12-digit ID under the key."""
        return hmac.new(self._key, id_number.encode("ascii"), hashlib.sha256).hexdigest()

    def __repr__(self) -> str:  # never show the key
        return "IdHasher(<key hidden>)"


def mask_id(id_number: str) -> str:
    """Show the first 4 and last 2 digits only: `0010******45`."""
    if len(id_number) <= 6:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 6) + id_number[-2:]


def _parse_date(text: str) -> date | None:
    if not _DATE_RE.fullmatch(text):
        return None
    try:
        return date(int(text[4:]), int(text[2:4]), int(text[:2]))
    except ValueError:
        return None


def _clean(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip())


def decode_payload(payload: str | bytes) -> str | NotCccd:
    """Bytes from the decoder as text (strict UTF-8), or why not."""
    if isinstance(payload, bytes):
        if len(payload) > MAX_PAYLOAD_CHARS * 4:
            return NotCccd(RejectReason.TOO_LONG, f"{len(payload)} bytes")
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError as err:
            return NotCccd(RejectReason.NOT_UTF8, f"invalid UTF-8 at byte {err.start}")
    return payload


def parse_cccd(payload: str | bytes, hasher: IdHasher, *, today: date | None = None) -> CccdInfo | NotCccd:
    """Parse an ID card QR payload; `today` bounds the dates (omit to skip the future check)."""
    text = decode_payload(payload)
    if isinstance(text, NotCccd):
        return text
    if len(text) > MAX_PAYLOAD_CHARS:
        return NotCccd(RejectReason.TOO_LONG, f"{len(text)} characters")
    if any(unicodedata.category(c) == "Cc" for c in text):
        return NotCccd(RejectReason.NOT_CCCD, "control characters")
    fields = text.split("|")
    if len(fields) < MIN_FIELDS:
        return NotCccd(RejectReason.NOT_CCCD, f"{len(fields)} fields, need {MIN_FIELDS}")
    id_number, old_id, name, birth_s, gender_s, _address, issue_s = (f.strip() for f in fields[:7])

    if not _ID_RE.fullmatch(id_number):
        detail = f"ID field has {len(id_number)} characters, need 12 digits"
        return NotCccd(RejectReason.BAD_ID_NUMBER, detail)
    if id_number[:3] not in PROVINCE_CODES:
        return NotCccd(RejectReason.BAD_PROVINCE_CODE, "ID does not start with a province code")
    if old_id and not _OLD_ID_RE.fullmatch(old_id):
        return NotCccd(RejectReason.BAD_OLD_ID, f"old ID has {len(old_id)} characters, need 9 digits")

    full_name = " ".join(_clean(name).split())
    if not full_name or len(full_name) > MAX_NAME_CHARS:
        return NotCccd(RejectReason.BAD_NAME, f"name of {len(full_name)} characters")

    birth = _parse_date(birth_s)
    if birth is None or birth.year < EARLIEST_BIRTH_YEAR or (today is not None and birth > today):
        return NotCccd(RejectReason.BAD_BIRTH_DATE, "birth date is not a past ddmmyyyy date")
    gender = GENDERS.get(_clean(gender_s).casefold())
    if gender is None:
        return NotCccd(RejectReason.BAD_GENDER, "gender is neither Nam nor Nữ")
    issue = _parse_date(issue_s)
    if issue is None or issue < birth or (today is not None and issue > today):
        return NotCccd(RejectReason.BAD_ISSUE_DATE, "issue date is not a ddmmyyyy date after birth")

    return CccdInfo(
        id_masked=mask_id(id_number),
        id_hash=hasher.hash_id(id_number),
        id_number=id_number,
        full_name=full_name,
        birth_date=birth,
        gender=gender,
        issue_date=issue,
        old_id_present=bool(old_id),
    )
