"""The citizen's status messages (issue 16): one GSM-7 segment each, through the outbox.

- the result is in the locker: the code SMS itself says so (`template`: "ho so … o tu N. Ma
  nhan …"), so no second message is sent at loading;
- before the code expires: `reminder_template`, `[locker.codes] reminder_before_expiry_h` ahead
  (24 h: one day), once per code (a re-issued code has its own), to the citizen and to the
  authorised person's phone; none when it would come less than half that lead after the code
  SMS (which gave the same deadline);
- expired: `expired_template` (the code no longer works; the result goes back to the counter);
- moved back to the counter: `withdrawn_template`, when staff take the result out of the cabinet;
- kept at the counter from the start (a full cabinet): `counter_template` (locker.capacity).

The idempotency key of a message names its deposit and, for the reminder and expiry, the code's
deadline, so each is sent exactly once per code however often the sweep runs.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, tzinfo

from common import sms_text
from common.timestamps import utc
from locker.config import LockerConfig


def text(cfg: LockerConfig, tz: tzinfo, template: str, row: sqlite3.Row) -> str:
    """`template` rendered for the deposit `row` (folded to GSM-7, see common.sms_text)."""
    expires = row["expires_at"]
    fields = {
        "center": cfg.sms_center_name(),
        "dossier": row["dossier_code"],
        "compartment": row["compartment"],
        "hotline": cfg.hotline,
        "expires": utc(expires).astimezone(tz).strftime(sms_text.DATE_FORMAT) if expires is not None else "",
    }
    return sms_text.render(template, fields, cfg.sms.dossier_max_chars)


def reminder_needed(cfg: LockerConfig, issued: datetime, expires: datetime) -> bool:
    """Whether a code issued at `issued` gets a reminder at all (see the module docstring)."""
    lead = timedelta(hours=cfg.codes.reminder_before_expiry_h)
    return bool(lead) and (expires - lead) - issued >= lead / 2
