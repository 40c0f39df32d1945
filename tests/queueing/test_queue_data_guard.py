"""A queue database that is gone (deleted data directory, a disk not mounted) is never silently
replaced by an empty one: numbers would start again at 001 and every account would be gone."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from common.config import ConfigError
from queueing.data_guard import check_data_dir, marker
from queueing.store import Store
from tests.conftest import REPO_ROOT
from tests.harness import free_port


def test_a_lost_database_is_refused_until_a_fresh_start_is_asked_for(tmp_path: Path) -> None:
    data = tmp_path / "queueing"
    db = data / "queue.sqlite3"
    check_data_dir(db, start_fresh=False)  # nothing anywhere: a first start
    with Store(db, checkpoint_every_s=0):
        pass
    check_data_dir(db, start_fresh=False)  # the database is there: it leaves its marker
    assert marker(data).exists()
    shutil.rmtree(data)  # the directory deleted (or its disk not mounted)
    with pytest.raises(ConfigError, match="queue database .* is missing .*--start-fresh"):
        check_data_dir(db, start_fresh=False)
    check_data_dir(db, start_fresh=True)


def test_the_service_stops_with_one_line_on_a_lost_data_directory(tmp_path: Path) -> None:
    data = tmp_path / "q"
    data.mkdir()
    marker(data).write_text(str(data))
    done = subprocess.run(
        [sys.executable, "-m", "queueing", "--data-dir", str(data), "--port", str(free_port())],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("queueing: the queue database") and "--start-fresh" in last
    assert not (data / "queue.sqlite3").exists()
