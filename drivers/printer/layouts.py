"""Layouts: pure functions from the contract's data classes to a `Document` of print elements.

No I/O and no pixels here. Every string is NFC-normalised on the way in, so the font always
gets precomposed Vietnamese letters.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, tzinfo
from pathlib import Path

from drivers.printer.elements import (
    Align,
    BigNumber,
    Document,
    Element,
    Field,
    Logo,
    QrCode,
    Rule,
    Space,
    Text,
    TextSize,
    nfc,
)
from drivers.printer.model import LoadingSlipData, PickupReceiptData, TicketData
from drivers.printer.strings import STRINGS, strings_for

log = logging.getLogger(__name__)

TIME_FORMAT = "%H:%M %d/%m/%Y"  # the Vietnamese order; also clear to English readers


def format_time(when: datetime, tz: tzinfo | None = None) -> str:
    """Hour first, then the day, in the center's time zone (`tz`; None: the machine's own).

    Aware datetimes (e.g. UTC from a service) are converted; naive ones are taken as local already.
    """
    if when.tzinfo is not None:
        when = when.astimezone(tz)
    return when.strftime(TIME_FORMAT)


def format_wait(wait_min: int | None, wait_max: int | None, s: Mapping[str, str]) -> str:
    """A wait range in minutes; unknown when the queue has too little data."""
    if wait_min is None and wait_max is None:
        return s["wait_unknown"]
    lo = wait_min if wait_min is not None else wait_max
    hi = wait_max if wait_max is not None else wait_min
    assert lo is not None and hi is not None
    lo, hi = sorted((max(0, lo), max(0, hi)))
    if hi == 0:
        return s["wait_soon"]
    if lo == hi:
        return s["wait_about"].format(lo=lo)
    return s["wait_range"].format(lo=lo, hi=hi)


def _strings(language: str, kind: str) -> Mapping[str, str]:
    if language not in STRINGS:
        log.warning("%s: language %r has no strings; printing in Vietnamese", kind, language)
    return strings_for(language)


def _qr(url: str, caption: str) -> list[Element]:
    """A QR code with its caption; nothing at all when there is no URL (no caption under a blank)."""
    if not url.strip():
        return [Space(8)]
    return [Space(12), QrCode(url.strip()), Text(caption, TextSize.SMALL, align=Align.CENTER)]


def _header(center_name: str, logo: Path | None) -> list[Element]:
    out: list[Element] = []
    if logo is not None:
        out += [Logo(logo), Space(8)]
    out += [Text(nfc(center_name), TextSize.NORMAL, bold=True, align=Align.CENTER), Rule()]
    return out


def ticket_document(data: TicketData, *, logo: Path | None = None, tz: tzinfo | None = None) -> Document:
    """Queue ticket: number first and largest, then what the citizen needs to wait well."""
    s = _strings(data.language, "ticket")
    els = _header(data.center_name, logo)
    els += [
        Text(s["ticket_title"], TextSize.SMALL, align=Align.CENTER),
        BigNumber(nfc(data.number)),
        Text(nfc(data.service_name), TextSize.LARGE, bold=True, align=Align.CENTER),
    ]
    if data.priority_label:
        els += [
            Space(6),
            Text(
                f"{s['priority']}: {nfc(data.priority_label)}", bold=True, align=Align.CENTER, inverted=True
            ),
        ]
    els += [
        Space(10),
        Field(s["ahead"], str(max(0, data.ahead))),
        Field(s["wait"], format_wait(data.wait_min, data.wait_max, s)),
        Field(s["issued_at"], format_time(data.issued_at, tz)),
        *_qr(data.status_url, s["ticket_qr"]),
        Rule(dashed=True),
        Text(
            nfc(data.guidance) if data.guidance.strip() else s["ticket_guidance"],
            TextSize.SMALL,
            align=Align.CENTER,
        ),
    ]
    return Document("ticket", tuple(els))


def pickup_receipt_document(
    data: PickupReceiptData, *, logo: Path | None = None, tz: tzinfo | None = None
) -> Document:
    """Receipt after a pickup: what was collected, from where, when, and a QR to verify it."""
    s = _strings(data.language, "pickup receipt")
    els = _header(data.center_name, logo)
    els += [
        Text(s["receipt_title"], TextSize.LARGE, bold=True, align=Align.CENTER),
        Space(10),
        Field(s["dossier"], nfc(data.dossier_code)),
        Field(s["compartment"], nfc(data.compartment)),
        Field(s["collected_at"], format_time(data.collected_at, tz)),
    ]
    if data.citizen_name_masked:
        els.append(Field(s["recipient"], nfc(data.citizen_name_masked)))
    if data.collected_by == "authorised":  # the citizen sent someone: the receipt says so
        els.append(Field(s["authorised"], nfc(data.collector_masked or "-")))
    els += [
        *_qr(data.verify_url, s["receipt_qr"]),
        Rule(dashed=True),
        Text(s["receipt_footer"], TextSize.SMALL, align=Align.CENTER),
    ]
    return Document("pickup_receipt", tuple(els))


def loading_slip_document(
    data: LoadingSlipData, *, logo: Path | None = None, tz: tzinfo | None = None
) -> Document:
    """Staff handover slip: the record of who put which dossier in which compartment, when."""
    s = _strings(data.language, "loading slip")
    els = _header(data.center_name, logo)
    els += [
        Text(s["slip_title"], TextSize.LARGE, bold=True, align=Align.CENTER),
        Space(10),
        Field(s["dossier"], nfc(data.dossier_code)),
        Field(s["compartment"], nfc(data.compartment)),
        Field(s["staff"], nfc(data.staff_id)),
        Field(s["loaded_at"], format_time(data.loaded_at, tz)),
    ]
    if data.expires_at is not None:
        els.append(Field(s["expires_at"], format_time(data.expires_at, tz)))
    els += [
        Space(40),
        Text(s["slip_signature"], align=Align.LEFT),
        Space(56),
        Rule(dashed=True),
        Text(s["slip_footer"], TextSize.SMALL, align=Align.CENTER),
    ]
    return Document("loading_slip", tuple(els))
