"""Helpers for the queueing tests: a config open all day, an in-process server on a free port."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn

from common.clock import Clock, ManualClock
from common.config import load_raw, section
from queueing.app import create_app
from queueing.config import QueueingConfig

ALL_DAY = ["00:00-23:59"]
#: 09:00 in Ho Chi Minh City on Monday 5 January 2026.
MONDAY_9AM = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


def make_config(**overrides: Any) -> QueueingConfig:
    """The shipped [queueing] section, open all day every day by its hours, with overrides."""
    data = dict(section(load_raw(), "queueing"))
    data["hours"] = {d: ALL_DAY for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    data["services"] = [{**s, "last_ticket_before_close_min": 0} for s in data["services"]]
    data["open_all_hours"] = False  # the hours above decide (tests that close a service change them)
    data.update(overrides)
    return QueueingConfig.model_validate(data)


def wait_for(predicate: Callable[[], bool], timeout_s: float = 10.0, what: str = "condition") -> None:
    """Poll `predicate` until true or fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


#: Servers of this test process by base URL, so helpers given only a URL can act as its kiosk.
RUNNING: dict[str, Path] = {}


def kiosk_headers_for(url: str) -> dict[str, str]:
    """The kiosk's Authorization header for the test server at `url`."""
    return kiosk_headers(RUNNING[url.rstrip("/")])


class ServerThread:
    """uvicorn serving the queueing app in a thread of the test process (real HTTP on loopback)."""

    def __init__(
        self,
        config: QueueingConfig,
        data_dir: Path,
        port: int,
        clock: Clock | None = None,
        site_config: bool = False,
    ) -> None:
        if not config.public_base_url:  # links come from config only: this server's own address
            config = config.model_copy(update={"public_base_url": f"http://127.0.0.1:{port}"})
        self.data_dir = data_dir
        self.app = create_app(
            config,
            data_dir,
            clock=clock or ManualClock(MONDAY_9AM),
            run_sweeper=False,
            site_config=site_config,
            center_name_vi="Trung tâm thử nghiệm",
            center_name_en="Test center",
        )
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(
            uvicorn.Config(
                self.app,
                host="127.0.0.1",
                port=port,
                log_level="warning",
                timeout_graceful_shutdown=1,
                limit_concurrency=200,
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        wait_for(lambda: self.server.started, 20, "server start")
        RUNNING[self.url] = self.data_dir
        return self

    @property
    def kiosk_headers(self) -> dict[str, str]:
        """What a kiosk sends: its token (the file the service created in its data dir)."""
        return kiosk_headers(self.data_dir)

    def __exit__(self, *exc: object) -> None:
        RUNNING.pop(self.url, None)
        self.server.should_exit = True
        self.thread.join(timeout=10)


def kiosk_headers(data_dir: Path) -> dict[str, str]:
    """The Authorization header of a kiosk of the service whose data dir is `data_dir`."""
    token = (data_dir / "kiosk.token").read_text(encoding="utf-8").strip()
    return {"Authorization": f"Bearer {token}"}


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):  # e.g. appointments.sms: an inline table
        return "{" + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items() if x is not None) + "}"
    raise TypeError(f"cannot write {v!r} as TOML")


def _table_list(v: Any) -> bool:
    """A list of tables ([[...]] in TOML)."""
    return isinstance(v, list) and bool(v) and isinstance(v[0], dict)


def site_toml(config: QueueingConfig) -> str:
    """A site file holding the whole [queueing] section of `config` (what --config reads)."""
    data = config.model_dump(mode="json")
    lines = ["[queueing]"]
    tables: list[str] = []
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, dict):
            tables.append(f"\n[queueing.{key}]")
            tables += [f"{k} = {_toml_value(v)}" for k, v in value.items() if not _table_list(v)]
            for k, v in value.items():  # e.g. [[queueing.appointments.services]]
                for item in v if _table_list(v) else []:
                    tables.append(f"\n[[queueing.{key}.{k}]]")
                    tables += [f"{kk} = {_toml_value(vv)}" for kk, vv in item.items() if vv is not None]
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for item in value:
                tables.append(f"\n[[queueing.{key}]]")
                sub = []
                for k, v in item.items():
                    if isinstance(v, dict):
                        sub.append(f"\n[queueing.{key}.{k}]")
                        sub += [f"{kk} = {_toml_value(vv)}" for kk, vv in v.items()]
                    elif v is not None:
                        tables.append(f"{k} = {_toml_value(v)}")
                tables += sub
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines + tables) + "\n"


class ServerProcess:
    """`python -m queueing` in a child process (real clock), configured by a site file."""

    def __init__(self, config: QueueingConfig, tmp: Path, port: int) -> None:
        self.site = tmp / "site.toml"
        self.site.write_text(site_toml(config), encoding="utf-8")
        self.data_dir = tmp / "data"
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = tmp / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.verify: bool | str = True  # a CA file for a server over HTTPS

    def start(self) -> None:
        """Start and wait for /api/v1/health."""
        import requests

        repo = Path(__file__).resolve().parents[2]
        with self.log_path.open("ab") as log_file:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "queueing",
                    "--config",
                    str(self.site),
                    "--port",
                    str(self.port),
                    "--data-dir",
                    str(self.data_dir),
                    "--log-level",
                    "WARNING",
                ],
                cwd=repo,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )

        def up() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited: {self.log_path.read_text()[-2000:]}")
            try:
                return (
                    requests.get(f"{self.url}/api/v1/health", timeout=1, verify=self.verify).status_code
                    == 200
                )
            except requests.RequestException:
                return False

        wait_for(up, 30, "queueing server process")
        RUNNING[self.url] = self.data_dir

    def stop(self) -> None:
        """Terminate (SIGTERM) and wait."""
        RUNNING.pop(self.url, None)
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    @property
    def kiosk_headers(self) -> dict[str, str]:
        """What a kiosk sends: its token (the file the service created in its data dir)."""
        return kiosk_headers(self.data_dir)

    def __exit__(self, *exc: object) -> None:
        self.stop()
