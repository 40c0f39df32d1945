"""Start-up errors are one line naming the file or key, exit status 2, never a traceback.

(issue 12: "a non-UTF-8 config file or an unwritable data dir gives a raw traceback".)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from common.config import ConfigError, ensure_writable_dir, load_raw
from tests.conftest import REPO_ROOT, free_port

SERVICES = ["queueing", "locker"]


def run_service(service: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m SERVICE ARGS` on a free port (data under `tmp` unless ARGS say), expected to stop."""
    if "--data-dir" not in args:
        args = (*args, "--data-dir", str(tmp / f"{service}-data"))
    return subprocess.run(
        [sys.executable, "-m", service, "--port", str(free_port()), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def one_line_error(r: subprocess.CompletedProcess[str], service: str, *needles: str) -> str:
    assert r.returncode == 2, (r.returncode, r.stdout[-1500:], r.stderr[-1500:])
    assert "Traceback" not in r.stderr + r.stdout, r.stderr
    lines = [line for line in r.stderr.splitlines() if line.startswith(f"{service}: ")]
    assert len(lines) == 1, r.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


@pytest.mark.parametrize("service", SERVICES)
def test_a_config_file_that_is_not_utf8(tmp_path: Path, service: str) -> None:
    site = tmp_path / "site.toml"
    site.write_bytes(f'[{service}]\n# ghi chú\ncenter_name = "Trung t\xe2m"\n'.encode("latin-1"))
    line = one_line_error(run_service(service, tmp_path, "--config", str(site)), service, str(site), "UTF-8")
    assert "line 2" in line  # the comment's "ú", written as Latin-1


@pytest.mark.parametrize("service", SERVICES)
def test_a_toml_syntax_error(tmp_path: Path, service: str) -> None:
    site = tmp_path / "site.toml"
    site.write_text(f"[{service}\nport = 1\n", encoding="utf-8")
    one_line_error(run_service(service, tmp_path, "--config", str(site)), service, str(site), "line 1")


@pytest.mark.parametrize("service", SERVICES)
def test_a_data_dir_that_cannot_be_written(tmp_path: Path, service: str) -> None:
    # A path under a regular file cannot be created, whoever runs the test (root included).
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    data = blocker / "data"
    one_line_error(
        run_service(service, tmp_path, "--data-dir", str(data)),
        service,
        str(data),
        f"[{service}] data_dir",
        "Not a directory",
    )


def test_a_config_file_that_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_raw(tmp_path)


def test_ensure_writable_dir_creates_and_checks(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b"
    ensure_writable_dir(target, "[x] data_dir")
    assert target.is_dir() and list(target.iterdir()) == []  # the scratch file is gone
