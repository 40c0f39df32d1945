"""common/timestamps.py: epoch seconds in the databases, ISO 8601 at the edges, and the locker's
step-6 SQL (locker.schema_epoch.epoch_of) computing exactly what Python computes."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest

from common.timestamps import epoch, iso, iso_utc, parse_iso, utc
from locker.schema_epoch import epoch_of


def _instants(n: int) -> list[datetime]:
    rng = random.Random(20261207)  # fixed: the same cases every run
    start = datetime(2000, 1, 1, tzinfo=UTC)
    out = [datetime(2026, 1, 5, 8, 0, tzinfo=UTC), datetime(2026, 1, 5, 8, 0, 0, 999999, tzinfo=UTC)]
    for _ in range(n):
        out.append(
            start + timedelta(seconds=rng.randrange(0, 80 * 365 * 86400), microseconds=rng.randrange(10**6))
        )
    return out


def test_iso_of_epoch_gives_back_the_very_text_isoformat_wrote() -> None:
    for t in _instants(20000):
        assert iso(epoch(t)) == t.isoformat()
        assert utc(epoch(t)) == t
        assert parse_iso(t.isoformat()) == epoch(t)


def test_iso_utc_is_whole_seconds_and_none_stays_none() -> None:
    assert iso_utc(1767600000.75) == "2026-01-05T08:00:00+00:00"
    assert iso_utc(None) is None and iso(None) is None
    assert iso(1767600000.5) == "2026-01-05T08:00:00.500000+00:00"


def test_a_naive_time_is_refused_with_what_to_do() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        epoch(datetime(2026, 1, 5, 8, 0))
    with pytest.raises(ValueError, match="no offset"):
        parse_iso("2026-01-05T08:00:00")
    with pytest.raises(ValueError, match="not an ISO 8601 time"):
        parse_iso("yesterday")


def test_other_offsets_are_the_same_instant() -> None:
    hanoi = timezone(timedelta(hours=7))
    assert epoch(datetime(2026, 1, 5, 15, 0, tzinfo=hanoi)) == 1767600000.0
    assert parse_iso("2026-01-05T15:00:00+07:00") == parse_iso("2026-01-05T08:00:00Z") == 1767600000.0


def test_the_migration_sql_computes_what_python_computes() -> None:
    conn = sqlite3.connect(":memory:")
    offsets = [UTC, timezone(timedelta(hours=7)), timezone(timedelta(hours=-5, minutes=-30))]
    cases = [t.astimezone(offsets[i % 3]).isoformat() for i, t in enumerate(_instants(5000))]
    sql = f"SELECT {epoch_of('t')} FROM (SELECT ? AS t)"
    for text in cases:
        got = conn.execute(sql, (text,)).fetchone()[0]
        assert got == datetime.fromisoformat(text).timestamp(), text
    conn.close()
