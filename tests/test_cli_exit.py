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


def test_a_service_on_a_port_in_use_says_so_in_one_line_before_starting(tmp_path: Path) -> None:
    """A second `python -m queueing` (or locker) on a busy port logged "ready" and then died on the
    bind with uvicorn's text; now it stops first, exit 2, one line naming the port and the key."""
    import socket
    import subprocess
    import sys

    from common.config import ConfigError
    from common.serving import ensure_port_free
    from tests.conftest import REPO_ROOT

    with socket.create_server(("127.0.0.1", 0)) as held:
        port = held.getsockname()[1]
        with pytest.raises(ConfigError, match=f"127.0.0.1:{port} is already in use \\(\\[locker\\] port\\)"):
            ensure_port_free("127.0.0.1", port, "locker")
        done = subprocess.run(
            [sys.executable, "-m", "queueing", "--data-dir", str(tmp_path / "q"), "--port", str(port)],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(f"queueing: 127.0.0.1:{port} is already in use")
    assert "service ready" not in done.stderr and not (tmp_path / "q" / "queue.sqlite3").exists()
    with pytest.raises(ConfigError, match="cannot listen on 192.0.2.1:.*Cannot assign requested address"):
        ensure_port_free("192.0.2.1", 8720, "queueing")  # an address of another machine
