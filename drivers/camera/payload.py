"""Classify a decoded QR: citizen ID card, dossier receipt, or something else (with a reason).

Pure functions: the scanner and the `decode` command call `PayloadClassifier.classify()` on each
decoded text and hand the kiosk a `ScanResult`; the raw text goes no further.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from drivers.camera.cccd import IdHasher, NotCccd, decode_payload, parse_cccd
from drivers.camera.model import DossierInfo, RejectReason, ScanResult, StaffCardInfo

# A one-stop (một cửa) dossier code as printed on receipts: agency code (dot-separated groups,
# e.g. `000.00.12.H26` or `H26.22`) - receipt date yymmdd - sequence, e.g.
# `000.00.12.H26-241122-0001`; bare, followed by `|appointment`, or inside a lookup URL
# (`...?maHoSo=...`). Sites with another format set `[camera] dossier_pattern`.
DEFAULT_DOSSIER_PATTERN = (
    r"(?:^|[?&;](?i:ma_?ho_?so|code)=)"
    r"(?P<code>[0-9A-Z]{2,3}(?:\.[0-9A-Z]{2,3}){1,4}-[0-9]{6}-[0-9]{4,6})"
    r"(?:\|(?P<appointment>[0-9]{2}/?[0-9]{2}/?[0-9]{4}|[0-9]{4}-[0-9]{2}-[0-9]{2}))?"
)
# A staff sign-in card: `STAFF:<staff_id>` (the ID the locker daemon knows, 1-32 of A-Z a-z 0-9 _ -).
# The card names the person only; the PIN and authenticator code are still typed on the kiosk.
# The whole payload must match (fullmatch). Sites with another card format set
# `[camera] staff_card_pattern` (a regex with a named group `staff_id`).
DEFAULT_STAFF_CARD_PATTERN = r"STAFF:(?P<staff_id>[A-Za-z0-9_-]{1,32})"
MAX_STAFF_CARD_CHARS = 200
APPOINTMENT_FORMATS = ("%d/%m/%Y", "%d%m%Y", "%Y-%m-%d")
MAX_DOSSIER_CODE_CHARS = 64


def compile_dossier_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a dossier pattern; it must have a named group `code` (`appointment` optional)."""
    compiled = re.compile(pattern)
    if "code" not in compiled.groupindex:
        raise ValueError("dossier pattern needs a named group (?P<code>...)")
    return compiled


def compile_staff_card_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a staff card pattern; it must have a named group `staff_id`."""
    compiled = re.compile(pattern)
    if "staff_id" not in compiled.groupindex:
        raise ValueError("staff card pattern needs a named group (?P<staff_id>...)")
    return compiled


def parse_staff_card(text: str, pattern: re.Pattern[str]) -> StaffCardInfo | None:
    """A staff card when the whole (stripped) text matches the pattern, else None."""
    if len(text) > MAX_STAFF_CARD_CHARS:
        return None
    match = pattern.fullmatch(text.strip())
    if match is None or not match.group("staff_id"):
        return None
    return StaffCardInfo(staff_id=match.group("staff_id"))


def parse_appointment(text: str) -> date | None:
    """An appointment date in one of the receipt formats, or None."""
    for fmt in APPOINTMENT_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()  # a calendar date, no zone
        except ValueError:
            continue
    return None


def parse_dossier(text: str, pattern: re.Pattern[str]) -> DossierInfo | NotCccd | None:
    """A dossier receipt, a rejection (code found, date bad), or None when the pattern misses."""
    match = pattern.search(text)
    if match is None:
        return None
    code = match.group("code")
    if not code or len(code) > MAX_DOSSIER_CODE_CHARS:
        return None
    appointment = None
    raw_date = match.groupdict().get("appointment")
    if raw_date:
        appointment = parse_appointment(raw_date)
        if appointment is None:
            return NotCccd(RejectReason.BAD_APPOINTMENT, "appointment date not understood")
    return DossierInfo(dossier_code=code, appointment=appointment)


#: The QR of a booking's page (queueing appointments): this prefix and the 6-digit check-in code.
APPOINTMENT_QR_PREFIX = "LICHHEN:"
_APPOINTMENT_QR = re.compile(re.escape(APPOINTMENT_QR_PREFIX) + r"([0-9]{6})")


class PayloadClassifier:
    """Turns decoded QR payloads into `ScanResult`s (ID card, then dossier receipt, then staff card,
    then a booking's check-in QR)."""

    def __init__(
        self,
        hasher: IdHasher,
        dossier_pattern: str = DEFAULT_DOSSIER_PATTERN,
        staff_card_pattern: str = DEFAULT_STAFF_CARD_PATTERN,
    ) -> None:
        self._hasher = hasher
        self._dossier = compile_dossier_pattern(dossier_pattern)
        self._staff = compile_staff_card_pattern(staff_card_pattern)

    def classify(self, payload: str | bytes, *, today: date | None = None) -> ScanResult:
        """What this payload is; never raises on any input."""
        card = parse_cccd(payload, self._hasher, today=today)
        if not isinstance(card, NotCccd):
            return ScanResult(kind="cccd", cccd=card)
        if card.reason in (RejectReason.NOT_UTF8, RejectReason.TOO_LONG):
            return ScanResult(kind="other", reason=card.reason)
        text = decode_payload(payload)
        assert isinstance(text, str)  # bytes that are not UTF-8 were rejected above
        dossier = parse_dossier(text, self._dossier)
        if isinstance(dossier, DossierInfo):
            return ScanResult(kind="dossier", dossier=dossier)
        if isinstance(dossier, NotCccd):
            return ScanResult(kind="other", reason=dossier.reason)
        staff = parse_staff_card(text, self._staff)
        if staff is not None:
            return ScanResult(kind="staff", staff=staff)
        booking = _APPOINTMENT_QR.fullmatch(text.strip())
        if booking is not None:
            return ScanResult(kind="appointment", appointment_code=booking.group(1))
        # A payload shaped like a card (7+ fields) but with a bad field keeps the precise reason.
        reason = RejectReason.UNKNOWN if card.reason == RejectReason.NOT_CCCD else card.reason
        return ScanResult(kind="other", reason=reason)
