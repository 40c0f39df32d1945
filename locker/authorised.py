"""The authorised person: someone the citizen sent to collect the result for them (issue 16).

At loading, staff may record the authorised person's ID number (kept only as a keyed digest,
like the citizen's) and optionally their phone (which also gets the code SMS). At pickup the
second factor accepts either person: either ID card, or (with `phone_last4`) the last four
digits of either phone, since both phones received the code. Who collected is told to the
receipt, the back office and the audit as `collected_by` with a masked identifier, never in
clear.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from contracts.locker_loading import CollectedBy
from locker.codes import CodeBook, ascii_digits
from locker.config import SecondFactor
from locker.domain import mask_phone, normalize_phone
from locker.errors import InvalidInput


@dataclass(frozen=True)
class Collector:
    """Who collected, with an identifier masked for the receipt, callback and audit."""

    who: CollectedBy
    masked: str = ""

    def detail(self) -> dict[str, str]:
        """The fields the receipt, the back-office callback and the audit carry."""
        return {"collected_by": self.who.value, "collector_masked": self.masked}


def id_digest_of(codes: CodeBook, field: str, id_number: str | None) -> str | None:
    """The keyed digest of a typed or scanned ID number (12-digit CCCD or 9-digit old ID), or
    None when none was given; InvalidInput naming `field` when it is not one."""
    if not id_number:
        return None
    digits = ascii_digits(id_number)
    if len(digits) not in (9, 12) or any(ch.isdigit() for ch in id_number if not ch.isascii()):
        raise InvalidInput(
            field, f"{field} must be the 12-digit CCCD (or 9-digit old ID) number, in digits 0-9"
        )
    return codes.id_digest(digits)


def authorised_fields(
    codes: CodeBook, id_number: str | None, phone: str | None, citizen_phone: str
) -> tuple[str | None, str | None]:
    """(ID digest, normalised phone) of the authorised person from the deposit body.

    A phone without an ID number is refused: at the kiosk the authorised person proves who they
    are with their ID card, and a phone alone would let anyone holding it collect."""
    digest = id_digest_of(codes, "authorised_id_number", id_number)
    if not phone:
        return digest, None
    if digest is None:
        raise InvalidInput(
            "authorised_id_number",
            "give the authorised person's ID number too (their phone alone is not enough)",
        )
    try:
        normal = normalize_phone(phone)
    except ValueError as err:
        raise InvalidInput("authorised_phone", str(err)) from err
    if normal == citizen_phone:
        raise InvalidInput("authorised_phone", "this is the citizen's own phone; leave it empty")
    return digest, normal


def mask_id(id_number: str) -> str:
    """'001099012345' -> '********2345'."""
    digits = ascii_digits(id_number)
    return "*" * max(len(digits) - 4, 0) + digits[-4:]


def match(codes: CodeBook, factor: SecondFactor, row: sqlite3.Row, given: str) -> Collector | None:
    """Whose factor `given` is on the deposit `row` (None: nobody's). `factor` is the one asked
    for: ID_NUMBER compares ID digests, PHONE_LAST4 the phones' last four digits."""
    if factor is SecondFactor.ID_NUMBER:
        digest = codes.id_digest(given)
        if row["id_digest"] and digest == row["id_digest"]:
            return Collector(CollectedBy.CITIZEN, mask_id(given))
        if row["authorised_id_digest"] and digest == row["authorised_id_digest"]:
            return Collector(CollectedBy.AUTHORISED, mask_id(given))
        return None
    if len(given) != 4:
        return None
    if row["phone"].endswith(given):
        return Collector(CollectedBy.CITIZEN, mask_phone(row["phone"]))
    other = row["authorised_phone"]
    if other and other.endswith(given):
        return Collector(CollectedBy.AUTHORISED, mask_phone(other))
    return None


def recipients(row: sqlite3.Row) -> list[tuple[str, str]]:
    """Who gets the code SMS and its reminder: (idempotency-key suffix, phone), the citizen
    first, then the authorised person when staff gave their phone."""
    out = [("", str(row["phone"]))]
    if row["authorised_phone"]:
        out.append((":authorised", str(row["authorised_phone"])))
    return out
