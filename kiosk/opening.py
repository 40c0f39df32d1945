"""What the kiosk says about opening hours, from what the queueing service tells it.

The kiosk never computes hours: each service in the overview carries `opens_next_at` (ISO 8601
with the center's offset) while it is closed, and `open_all_hours` in the simulated center. This
module only picks the earliest moment and words it ("Lấy số từ 13:00" today, "mở lại lúc 07:30
thứ Hai, 08/12" on another day).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from kiosk.clients.queueing import ServiceInfo

log = logging.getLogger(__name__)

Translate = Callable[..., str]


def parse_moment(text: str | None) -> datetime | None:
    """An `opens_next_at` value as an aware datetime, or None (absent or not ISO 8601 with offset)."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        log.warning("ignoring opens_next_at %r: not ISO 8601", text)
        return None
    return moment if moment.tzinfo is not None else None


def earliest_opening(services: Iterable[ServiceInfo]) -> datetime | None:
    """The soonest moment a closed service opens again (None: no service says)."""
    moments = [m for s in services if (m := parse_moment(s.opens_next_at)) is not None]
    return min(moments) if moments else None


def when_fields(tr: Translate, moment: datetime) -> dict[str, str]:
    """Placeholders of a moment in its own (the center's) offset: time, weekday, day dd/mm."""
    return {
        "time": moment.strftime("%H:%M"),
        "weekday": tr(f"weekday.{moment.weekday()}"),
        "day": moment.strftime("%d/%m"),
    }


#: (later today, another day, not known) for home and for the ticket screen's refusal
HOME_KEYS = ("home.closed_now", "home.closed_until", "home.closed_today")
TICKET_KEYS = ("ticket.err_closed", "ticket.err_closed_until", "ticket.err_closed_today")


def opens_later_today(moment: datetime | None, now: datetime) -> bool:
    """Whether `moment` falls on today's date in the center's zone (a lunch break, early morning)."""
    return moment is not None and moment.date() == now.astimezone(moment.tzinfo).date()


def closed_sentence(
    tr: Translate, moment: datetime | None, now: datetime, keys: tuple[str, str, str] = HOME_KEYS
) -> str:
    """Why no number can be taken now, and when it can: later today ("Lấy số từ 13:00"),
    another day ("mở lại lúc 07:30 thứ Hai, 08/12"), or not known."""
    today_key, until_key, unknown_key = keys
    if moment is None:
        return tr(unknown_key)
    if opens_later_today(moment, now):
        return tr(today_key, opens_at=moment.strftime("%H:%M"))
    return tr(until_key, **when_fields(tr, moment))
