"""How command lines end on an error (common/cli_exit.py): one line on stderr naming the program,
1 when the command was refused, 2 when it could not run."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.cli_exit import EXIT_FAILED, EXIT_USAGE, fail
from queueing.schema import MIGRATIONS as QUEUE_MIGRATIONS
from tests.test_migrations import _db_with


def test_fail_says_one_line_and_gives_the_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert fail("queueing", ValueError("There is no counter 77.")) == EXIT_USAGE
    assert fail("lockerctl", "no board answered", EXIT_FAILED) == EXIT_FAILED
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err == "queueing: There is no counter 77.\nlockerctl: no board answered\n"


def test_the_queueing_admin_commands_refuse_a_newer_database_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from queueing.admin_cli import main

    _db_with(tmp_path / "queue.sqlite3", version=QUEUE_MIGRATIONS.version + 1)
    for words in (["staff", "list"], ["tablet", "list"]):
        assert main([*words, "--data-dir", str(tmp_path)]) == EXIT_USAGE
        err = capsys.readouterr().err.strip()
        assert err.startswith("queueing: queue database") and "newer than this release" in err
        assert "\n" not in err
