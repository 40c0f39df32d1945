"""Receipt verification: is a printed pickup receipt genuine?

The receipt's QR holds `{verify_base_url}/{token}`, where the token is the pickup id plus a MAC
under the code key (`CodeBook.receipt_token`). Only someone holding the receipt can ask, so a
guessable dossier code never reveals whether a result was collected. A forged or mistyped token is
refused by the MAC check alone, in constant time and before any database lookup; lookups are also
rate-limited per client address. The answer never carries the code, the phone or the ID number.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, Template, select_autoescape

from common.timestamps import utc
from locker import pickups_repo
from locker.codes import CodeBook
from locker.config import LockerConfig
from locker.domain import DepositState, mask_name
from locker.store import Store

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).with_name("templates")

# Headers of the HTML page: nothing external may load, nothing is cached, the token never leaks
# in a Referer, and search engines never index a receipt.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex, nofollow",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'",
}


def page_template(name: str) -> Template:
    """A public page's template from `templates/` (each extends `page.html`), HTML escaped."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), auto_reload=False
    )
    return env.get_template(name)


@dataclass(frozen=True)
class ReceiptView:
    """What a verification shows: enough to recognise the receipt, nothing to reach the citizen."""

    collected: bool  # False: the receipt was issued but the door was not seen open (staff decide)
    center_name: str
    dossier_code: str
    compartment: str
    collected_at: str | None  # ISO 8601 in the center's time zone
    collected_at_local: str | None  # "dd/mm/yyyy HH:MM" for people
    citizen_name_masked: str
    timezone: str
    collected_by: str | None = None  # citizen | authorised | unverified; None: before issue 16

    def as_json(self) -> dict[str, Any]:
        """The JSON variant (`GET /api/v1/receipts/{token}`)."""
        return {
            "genuine": True,
            "status": "collected" if self.collected else "not_collected",
            "center_name": self.center_name,
            "dossier_code": self.dossier_code,
            "compartment": self.compartment,
            "collected_at": self.collected_at,
            "citizen_name_masked": self.citizen_name_masked,
            "timezone": self.timezone,
            "collected_by": self.collected_by,
        }


class Receipts:
    """Looks up the pickup a receipt token names."""

    def __init__(self, cfg: LockerConfig, store: Store, codes: CodeBook) -> None:
        self._cfg = cfg
        self._store = store
        self._codes = codes
        self._tz = ZoneInfo(cfg.timezone)

    def verify(self, token: str) -> ReceiptView | None:
        """The receipt behind `token`, or None when it is forged, malformed or unknown."""
        pickup_id = self._codes.receipt_pickup_id(token)
        if pickup_id is None:
            return None
        with self._store.read() as conn:
            row = pickups_repo.receipt_of(conn, pickup_id)
        if row is None:
            return None  # e.g. a pulse that was never sent: the pickup was rolled back
        collected = row["state"] == DepositState.COLLECTED.value and row["collected_at"] is not None
        at = utc(row["collected_at"]).astimezone(self._tz) if collected else None
        return ReceiptView(
            collected=collected,
            center_name=self._cfg.center_name,
            dossier_code=row["dossier_code"],
            compartment=row["compartment"],
            collected_at=at.isoformat() if at else None,
            collected_at_local=at.strftime("%d/%m/%Y %H:%M") if at else None,
            citizen_name_masked=mask_name(row["citizen_name"] or ""),
            collected_by=row["collected_by"],
            timezone=self._cfg.timezone,
        )


class VerifyPage:
    """Renders the verification page (Vietnamese first, English second; no external assets)."""

    def __init__(self, cfg: LockerConfig) -> None:
        self._cfg = cfg
        self._template = page_template("verify.html")

    def render(self, outcome: str, view: ReceiptView | None = None, retry_after_s: int | None = None) -> str:
        """`outcome`: genuine, not_collected, unknown or throttled."""
        return self._template.render(
            outcome=outcome,
            receipt=view,
            retry_after_s=retry_after_s,
            hotline=self._cfg.hotline,
            center_name=self._cfg.center_name,
        )
