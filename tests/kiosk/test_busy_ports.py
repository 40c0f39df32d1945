"""`make run` while an earlier run's services still listen: a clear error, not a restart loop
beside stale services (seen in the issue 13 walkthrough after the display went away)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from kiosk.supervisor import ChildSpec, already_listening
from tests.harness import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]


def _spec(name: str, port: int, tmp_path: Path) -> ChildSpec:
    return ChildSpec(
        name,
        [sys.executable, "-c", "pass"],
        f"http://127.0.0.1:{port}/api/v1/health",
        tmp_path / f"{name}.log",
    )


def test_a_port_someone_listens_on_is_found_and_a_free_one_is_not(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as held:
        busy_port = held.getsockname()[1]
        free = free_port()
        specs = [_spec("locker", busy_port, tmp_path), _spec("queueing", free, tmp_path)]
        assert [(s.name, where) for s, where in already_listening(specs)] == [
            ("locker", f"127.0.0.1:{busy_port}")
        ]


def test_run_kiosk_refuses_to_start_beside_a_service_already_running(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as held:
        lport = held.getsockname()[1]
        site = tmp_path / "site.toml"
        site.write_text(f"""
[center]
data_dir = "{tmp_path}"
[kiosk]
queueing_url = "http://127.0.0.1:{free_port()}"
locker_url = "http://127.0.0.1:{lport}"
""")
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        done = subprocess.run(
            [sys.executable, str(REPO_ROOT / "run_kiosk.py"), "--config", str(site)],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"127.0.0.1:{lport}" in done.stderr and "locker" in done.stderr
    assert "--no-services" in done.stderr
    assert "KIOSK_READY" not in done.stdout  # nothing started
