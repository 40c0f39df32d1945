"""The `events` table's monthly partitions (migration 12): a month's partition is made when the
first event of that month is about to be stored, in its own short transaction before the batch's.

Only months from `MONTHS_BACK` before this month to `MONTHS_AHEAD` after it get a partition; an
event of another day (a center whose clock is far off) is stored in `events_default`, so a wrong
clock cannot make the hub create partitions without end. Should its month come into the window
later, `hub_event_month` moves those rows into the new partition in the same step.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import date

import psycopg

MONTHS_BACK = 24
MONTHS_AHEAD = 1

_known: set[tuple[str, date]] = set()  # (database, first day of a month) with a partition
_lock = threading.Lock()


def add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def window(today: date) -> tuple[date, date]:
    """The first days of the oldest and the newest month that get a partition."""
    this_month = today.replace(day=1)
    return add_months(this_month, -MONTHS_BACK), add_months(this_month, MONTHS_AHEAD)


def ensure_months(conn: psycopg.Connection, days: Iterable[date], today: date) -> None:
    """Every month of `days` inside the window has its partition (made now if missing).

    Run outside the batch's transaction (its own, short): making a partition waits for the
    batches being stored at that moment, once a month."""
    oldest, newest = window(today)
    database = f"{conn.info.host}:{conn.info.port}/{conn.info.dbname}"
    for first in {d.replace(day=1) for d in days}:
        if not oldest <= first <= newest or (database, first) in _known:
            continue
        committed = conn.autocommit or conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        with conn.transaction():  # its own transaction, or a savepoint in the caller's
            conn.execute("SELECT hub_event_month(%s)", (first,))
        if committed:  # inside a caller's transaction it may yet be rolled back: ask again next time
            with _lock:
                _known.add((database, first))
