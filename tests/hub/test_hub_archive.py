"""`python -m hub archive YYYY-MM --to DIR`: a month of raw events leaves the database for a dump
file that reads back, the rollups stay, nothing is lost when the dump fails (hub.archive)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
import pytest

from hub import archive, partitions, schema
from hub.archive import ArchiveError, archive_month
from hub.cluster import pg_bin
from hub.ingest import store_batch
from hub.tokens import add_center
from tests.conftest import REPO_ROOT
from tests.hub.test_hub_partitions import _batch, _where

TODAY = date(2026, 12, 7)
NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def _issued(conn: psycopg.Connection) -> tuple[int, int]:
    """Raw events held, tickets issued in the rollups."""
    row = conn.execute("SELECT (SELECT count(*) FROM events), (SELECT sum(tickets_issued) FROM daily)")
    held, issued = row.fetchone() or (0, 0)
    return int(held), int(issued)


def _three_months(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        schema.migrate(conn)
        add_center(conn, "C1", "Một")
        days = ["2026-01-05", "2026-01-06", "2026-01-31", "2026-09-30", "2026-11-02"]
        store_batch(conn, "C1", _batch(*enumerate(days, start=1)), NOW)


def test_a_month_is_archived_whole_and_can_be_restored(database_url: str, tmp_path: Path) -> None:
    _three_months(database_url)
    line = archive_month(database_url, date(2026, 1, 1), tmp_path, TODAY)
    dump = tmp_path / "events_2026_01.dump"
    assert line.startswith(f"events_2026_01: 3 events archived to {dump} (") and dump.stat().st_size > 0
    with psycopg.connect(database_url, autocommit=True) as conn:
        assert _where(conn) == {"events_2026_09": 1, "events_2026_11": 1}
        assert _issued(conn) == (2, 5)  # the rollups keep the archived month's tickets
        gone = conn.execute("SELECT to_regclass('events_2026_01')").fetchone()
        assert gone == (None,)
        # a late event of the archived month is stored (in the default partition) and counted,
        # also after a restart: the month's partition is not made again
        partitions._known.clear()
        store_batch(conn, "C1", _batch((6, "2026-01-20")), NOW)
        assert _where(conn)["events_default"] == 1 and _issued(conn) == (3, 6)
        assert conn.execute("SELECT to_regclass('events_2026_01')").fetchone() == (None,)
    with pytest.raises(ArchiveError, match=f"2026-01 was archived on .* to {dump}; 1 of its events are in"):
        archive_month(database_url, date(2026, 1, 1), tmp_path / "again", TODAY)
    assert not (tmp_path / "again").exists()  # a refused month leaves no directory behind
    # restored exactly as docs/hub.md says, the late event moved into the month
    restored = subprocess.run(
        [pg_bin("pg_restore"), f"--dbname={database_url}", str(dump)], capture_output=True, text=True
    )
    assert restored.returncode == 0, restored.stderr
    attach = _documented_attach().replace("2025-01", "2026-01").replace("2025_01", "2026_01")
    attach = attach.replace("2025-02", "2026-02")
    attached = subprocess.run(
        [pg_bin("psql"), database_url, "-v", "ON_ERROR_STOP=1", "-1", "-f", "-"],
        input=attach,
        capture_output=True,
        text=True,
    )
    assert attached.returncode == 0, attached.stderr
    with psycopg.connect(database_url, autocommit=True) as conn:
        assert _where(conn) == {"events_2026_01": 4, "events_2026_09": 1, "events_2026_11": 1}
        assert _issued(conn) == (6, 6) and conn.execute(
            "SELECT count(*) FROM archived_months"
        ).fetchone() == (0,)


def _documented_attach() -> str:
    """The SQL docs/hub.md gives for bringing an archived month back."""
    text = (REPO_ROOT / "docs" / "hub.md").read_text(encoding="utf-8")
    block = text.split("psql URL -1 -f - <<'SQL'\n", 1)[1].split("    SQL\n", 1)[0]
    return "\n".join(line.removeprefix("    ") for line in block.splitlines()) + "\n"


def test_recent_months_an_existing_file_and_a_bad_month_are_refused(
    database_url: str, tmp_path: Path
) -> None:
    _three_months(database_url)
    with pytest.raises(ArchiveError, match="2026-11 is too recent.*up to 2026-09"):
        archive_month(database_url, date(2026, 11, 1), tmp_path, TODAY)
    (tmp_path / "events_2026_09.dump").write_bytes(b"older")
    with pytest.raises(ArchiveError, match="exists already"):
        archive_month(database_url, date(2026, 9, 1), tmp_path, TODAY)
    for text in ("2026-13", "January", "2026-1", "0000-01"):
        with pytest.raises(ArchiveError, match="YYYY-MM"):
            archive.parse_month(text)
    with psycopg.connect(database_url) as conn:
        assert _where(conn) == {"events_2026_01": 3, "events_2026_09": 1, "events_2026_11": 1}


def test_a_failed_dump_leaves_the_month_in_the_hub(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _three_months(database_url)
    real = pg_bin
    monkeypatch.setattr(
        archive, "pg_bin", lambda program: "/bin/false" if program == "pg_dump" else real(program)
    )
    with pytest.raises(ArchiveError, match="pg_dump failed, the month stays in the hub"):
        archive_month(database_url, date(2026, 1, 1), tmp_path, TODAY)
    # a dump that cannot be read back: the same
    monkeypatch.setattr(
        archive, "pg_bin", lambda program: "/bin/true" if program == "pg_dump" else real(program)
    )
    with pytest.raises(ArchiveError, match="cannot be read back"):
        archive_month(database_url, date(2026, 1, 1), tmp_path, TODAY)
    assert list(tmp_path.iterdir()) == []
    with psycopg.connect(database_url) as conn:
        assert _where(conn) == {"events_2026_01": 3, "events_2026_09": 1, "events_2026_11": 1}
        assert _issued(conn) == (5, 5)


def test_the_command_line(database_url: str, tmp_path: Path) -> None:
    """One line on stdout when done; the reason on stderr and exit 1 when refused."""
    today = date.today()
    old = date(today.year - 1, today.month, 1)
    with psycopg.connect(database_url, autocommit=True) as conn:
        schema.migrate(conn)
        add_center(conn, "C1", "Một")
        store_batch(conn, "C1", _batch((1, old.isoformat()), (2, today.isoformat())), datetime.now(UTC))

    def hub(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "hub", "--database", database_url, "archive", *args]
        return subprocess.run(argv, capture_output=True, text=True, timeout=60)

    done = hub(f"{old:%Y-%m}", "--to", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1 and f"events_{old:%Y_%m}: 1 events archived" in done.stdout
    refused = hub(f"{today:%Y-%m}", "--to", str(tmp_path))
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.startswith("hub: ") and "too recent" in refused.stderr
    assert hub("last-year", "--to", str(tmp_path)).returncode == 1
