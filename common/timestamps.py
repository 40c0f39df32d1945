"""Time in the services' databases and on their wires: the one rule and its two conversions.

Both SQLite databases (locker, queueing) store an instant as UTC epoch seconds in a REAL
column: they compare, sort and subtract as numbers, whatever the offset of the clock that
made them. The HTTP APIs, the audit export and outgoing messages speak ISO 8601. The
conversion happens at those edges, here and nowhere else:

- `epoch(moment)`: an aware `datetime` (a `Clock.now()`) -> epoch seconds, to store or compare;
- `iso(ts)`: epoch seconds -> ISO 8601 in UTC (`+00:00`), for an answer or an export (the
  locker's answers: microseconds when there are any);
- `iso_utc(ts)`: the same to whole seconds, None staying None (the queueing service's answers);
- `parse_iso(text)`: ISO 8601 with an offset (input) -> epoch seconds.

`iso(epoch(t))` gives back `t.isoformat()` for any UTC `t`, microseconds included: a double
holds an epoch of this century to about 0.2 µs, and `fromtimestamp` rounds to the nearest µs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload


def epoch(moment: datetime) -> float:
    """Epoch seconds of an aware datetime (a naive one is refused: its zone would be a guess)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} has no time zone: give an aware datetime (Clock.now() is one)")
    return moment.timestamp()


def utc(ts: float) -> datetime:
    """The aware UTC datetime of epoch seconds `ts`."""
    return datetime.fromtimestamp(ts, UTC)


@overload
def iso(ts: float, timespec: str = "auto") -> str: ...
@overload
def iso(ts: None, timespec: str = "auto") -> None: ...
@overload
def iso(ts: float | None, timespec: str = "auto") -> str | None: ...
def iso(ts: float | None, timespec: str = "auto") -> str | None:
    """Epoch seconds -> ISO 8601 UTC, e.g. `2026-01-05T08:00:00+00:00` (microseconds when any;
    `timespec` as `datetime.isoformat`'s); None stays None."""
    return None if ts is None else utc(ts).isoformat(timespec=timespec)


@overload
def iso_utc(ts: float) -> str: ...
@overload
def iso_utc(ts: None) -> None: ...
@overload
def iso_utc(ts: float | None) -> str | None: ...
def iso_utc(ts: float | None) -> str | None:
    """Epoch seconds -> ISO 8601 UTC to whole seconds (None stays None)."""
    return iso(ts, "seconds")


def parse_iso(text: str) -> float:
    """ISO 8601 with an offset or `Z` -> epoch seconds; ValueError saying what is wrong otherwise."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{text!r} is not an ISO 8601 time (e.g. 2026-01-05T08:00:00+07:00)") from err
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no offset: add one (e.g. +07:00 or Z)")
    return moment.timestamp()
