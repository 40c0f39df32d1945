"""`make deb` builds a package that installs the application, its venv, the conffile and the units.

Slow (pip fills a fresh virtual environment from the package index: 2.5 min alone, 3+ min on a
loaded machine) but part of `make test`, so CI proves `make deb` builds. The package is
not installed here (that would add a system user and services to the test machine): its files
are extracted to a tmp dir and the relocated venv runs `lockerctl --help` and the doctor there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("dpkg-deb") is None or not Path("/usr/bin/python3.11").exists(),
        reason="needs dpkg-deb and Debian's python3.11",
    ),
]


def test_make_deb_builds_a_working_package(tmp_path: Path) -> None:
    out = tmp_path / "deb"
    env = {**os.environ, "DEB_OUT": str(out)}
    done = subprocess.run(
        ["make", "-s", "deb"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [deb] = out.glob("kiosk-locker_*.deb")

    info = subprocess.run(["dpkg-deb", "-I", str(deb)], capture_output=True, text=True, check=True).stdout
    assert "Package: kiosk-locker" in info and "python3.11" in info
    conffiles = subprocess.run(
        ["dpkg-deb", "--ctrl-tarfile", str(deb)], capture_output=True, check=True
    ).stdout
    assert b"conffiles" in conffiles

    root = tmp_path / "root"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    for path in (
        "etc/kiosk-locker/site.toml",
        "lib/systemd/system/kiosk-locker-locker.service",
        "lib/systemd/system/kiosk-locker-backup.timer",
        "lib/udev/rules.d/60-kiosk-locker.rules",
        "usr/bin/lockerctl",
        "usr/bin/kiosk-doctor",
        "usr/bin/kiosk-queue",
        "opt/kiosk-locker/app/config/default.toml",
        "opt/kiosk-locker/app/run_kiosk.py",
        "opt/kiosk-locker/venv/bin/python",
    ):
        assert (root / path).exists(), path
    assert not list((root / "opt/kiosk-locker/app").glob("tests"))
    venv = root / "opt/kiosk-locker/venv"
    assert str(tmp_path) not in (venv / "pyvenv.cfg").read_text()
    pip = (venv / "bin/pip").read_text()  # a long build path makes pip write a /bin/sh launcher
    assert "/opt/kiosk-locker/venv/bin/python" in pip and str(tmp_path) not in pip

    app = root / "opt/kiosk-locker/app"
    python = str(venv / "bin/python")
    help_text = subprocess.run(
        [python, "-m", "locker.cli", "--help"], cwd=app, capture_output=True, text=True, timeout=120
    )
    assert help_text.returncode == 0 and "backup" in help_text.stdout
    site = (root / "etc/kiosk-locker/site.toml").read_text()
    assert "start_services = false" in site and "/var/lib/kiosk-locker" in site
