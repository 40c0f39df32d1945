"""The one way tests start a service and wait for something.

- `wait_until(predicate, timeout_s, what)`: poll until truthy, fail naming what was awaited.
- `free_port()`: a loopback port nobody listens on.
- In this process: `AppThread` serves any ASGI app with uvicorn in a thread; `LockerServer`,
  `QueueingServer` and `HubServer` build each service's app with its factory and serve it (a test
  hands in what it controls: a clock, buses on a pty simulator, gateways).
- As a child process (crash, kill -9, start-up and shut-down tests): `ChildService` runs
  `python -m SERVICE` with its output in a log file and waits for `/api/v1/health`;
  `LockerProcess`, `QueueingProcess` and `HubProcess` give it each service's arguments, with the
  site file written by `site_toml` (the same writer for both services); `cabinet_site` is the
  [locker] section of a daemon wired to boards a test simulates.
- Outside systems (a back office, an SMS gateway, a hub, an older daemon): `HandlerThread` serves
  a `http.server` handler class on loopback in a thread; `JsonHandler` answers JSON and logs nothing.
- `run_lockerctl(*words)` runs `lockerctl` as an installer types it.
- Locker staff: `enrol_locker_staff` runs `lockerctl staff add` (the PIN on stdin) and gives the
  account's TOTP, the way an installer enrols someone; `sign_in_locker_staff` gives a session.

Service factories and entry points are imported here and nowhere else in the tests, so a renamed
factory touches this file only.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyotp
import requests
import uvicorn

from common.clock import Clock, ManualClock

if TYPE_CHECKING:  # the factories themselves are imported where a service starts
    from locker.config import LockerConfig
    from locker.service import LockerService, Paths

#: 09:00 in Ho Chi Minh City on Monday 5 January 2026 (the queueing tests' default clock).
MONDAY_9AM = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)

REPO_ROOT = Path(__file__).resolve().parent.parent


# ----------------------------------------------------------------------------- waiting, ports


def wait_until(
    predicate: Callable[[], Any],
    timeout_s: float = 5.0,
    what: str = "condition",
    *,
    interval_s: float = 0.02,
    between: Callable[[], object] | None = None,
) -> Any:
    """Poll `predicate` until it returns something truthy (returned), else fail naming `what`.

    `between` runs between polls instead of the pause (e.g. a Kivy frame, so the UI can move).
    """
    deadline = time.monotonic() + timeout_s
    pause = threading.Event()  # never set: a pause that is not a sleep on a condition
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        if between is not None:
            between()
        else:
            pause.wait(interval_s)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers_health(url: str, verify: bool | str = True) -> bool:
    """`GET url/api/v1/health` answers 200."""
    try:
        return requests.get(url + "/api/v1/health", timeout=1, verify=verify).status_code == 200
    except requests.RequestException:
        return False


# ----------------------------------------------------------------------------- in this process


class AppThread:
    """uvicorn serving `app` on 127.0.0.1:`port` in a thread of the test process (real HTTP)."""

    def __init__(self, app: Any, port: int | None = None, **uvicorn_kw: Any) -> None:
        self.app = app
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        kw = {"log_level": "warning", "timeout_graceful_shutdown": 1, **uvicorn_kw}
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, **kw))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self, timeout_s: float = 20.0) -> AppThread:
        """Start serving and wait until uvicorn listens."""
        self.thread.start()
        wait_until(lambda: self.server.started, timeout_s, f"uvicorn to listen on {self.url}")
        return self

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for its thread."""
        self.server.should_exit = True
        self.thread.join(timeout=10)


class JsonHandler(BaseHTTPRequestHandler):
    """A fake outside system's request handler: `send_json` answers, nothing is logged."""

    def send_json(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        """Answer `body` (JSON; bytes are sent as they are) with `status` and `headers`."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # http.server's name
        """Quiet: the tests assert on what was asked, not on a log."""


class HandlerThread:
    """The `http.server` handler class `handler` served on 127.0.0.1:`port` (default: any free
    port) in a thread, for a fake of an outside system; `close()` or a `with` block stops it."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], port: int = 0) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.server.daemon_threads = True  # a handler that streams never holds up close()
        self.port = int(self.server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stop serving and free the port."""
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> HandlerThread:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def kiosk_headers(data_dir: Path) -> dict[str, str]:
    """The Authorization header of a kiosk of the service whose data dir is `data_dir`."""
    token = (data_dir / "kiosk.token").read_text(encoding="utf-8").strip()
    return {"Authorization": f"Bearer {token}"}


class LockerServer:
    """The locker service and its API in this process on a free loopback port.

    The test hands in the buses (e.g. on a pty simulator), the clock and the gateways;
    `before_start` runs before each start of the service (e.g. to put items in the cabinet).
    """

    def __init__(
        self,
        cfg: LockerConfig,
        paths: Paths,
        clock: Clock,
        buses: Mapping[str, Any],
        sms: Any,
        backoffice: Any,
        *,
        sweep_interval_s: float = 3600,
        before_start: Callable[[], object] | None = None,
    ) -> None:
        self.cfg, self.paths, self.clock = cfg, paths, clock
        self.buses, self.sms, self.backoffice = dict(buses), sms, backoffice
        self.sweep_interval_s = sweep_interval_s
        self.before_start = before_start
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.svc = self._start_service()
        self.http = self._serve()

    def _start_service(self) -> LockerService:
        from locker.service import LockerService

        if self.before_start is not None:
            self.before_start()
        svc = LockerService(self.cfg, self.paths, self.clock, self.buses, self.sms, self.backoffice)
        svc.start(sweep_interval_s=self.sweep_interval_s)
        return svc

    def _serve(self) -> AppThread:
        from locker.api import create_app

        return AppThread(
            create_app(self.svc), self.port, lifespan="off", timeout_graceful_shutdown=None
        ).start()

    @property
    def kiosk_token(self) -> str:
        """The kiosk's bearer token."""
        return self.svc.kiosk_token

    def restart(self) -> None:
        """Stop the service and its HTTP server, start both again on the same data and port."""
        self.http.stop()
        self.svc.stop()
        self.svc = self._start_service()
        self.http = self._serve()

    def stop(self) -> None:
        """Stop serving, then stop the service (the buses stay the caller's)."""
        self.http.stop()
        self.svc.stop()


#: Queueing servers of this test process by base URL, so helpers given only a URL act as its kiosk.
RUNNING_QUEUEING: dict[str, Path] = {}


class QueueingServer:
    """The queueing app in this process (uvicorn in a thread) on `port`, data in `data_dir`."""

    def __init__(
        self,
        config: Any,
        data_dir: Path,
        port: int | None = None,
        clock: Clock | None = None,
        site_config: bool = False,
    ) -> None:
        from queueing.app import create_app

        port = port or free_port()
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
        self.http = AppThread(self.app, port, limit_concurrency=200)
        self.port = port
        self.url = self.http.url

    def __enter__(self) -> QueueingServer:
        self.http.start()
        RUNNING_QUEUEING[self.url] = self.data_dir
        return self

    @property
    def kiosk_headers(self) -> dict[str, str]:
        """What a kiosk sends: its token (the file the service created in its data dir)."""
        return kiosk_headers(self.data_dir)

    def __exit__(self, *exc: object) -> None:
        RUNNING_QUEUEING.pop(self.url, None)
        self.http.stop()


class HubServer:
    """The hub app in this process (uvicorn in a thread): real HTTP, the test's clock."""

    def __init__(self, database_url: str, clock: Clock, **config: Any) -> None:
        from hub.app import create_app
        from hub.config import HubConfig

        self.http = AppThread(create_app(HubConfig(**config), database_url, clock))
        self.port = self.http.port
        self.url = self.http.url

    def __enter__(self) -> HubServer:
        self.http.start(timeout_s=30)
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.stop()


# ----------------------------------------------------------------------------- site files


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str | Path):
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):  # e.g. appointments.sms: an inline table
        return "{" + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items() if x is not None) + "}"
    raise TypeError(f"cannot write {v!r} as TOML")


def _table_list(v: Any) -> bool:
    """A list of tables ([[...]] in TOML)."""
    return isinstance(v, list) and bool(v) and isinstance(v[0], dict)


def site_toml(section: str, data: Mapping[str, Any]) -> str:
    """The site file text holding `data` as the `[section]` table (what `--config` reads).

    Nested tables become `[section.key]`, lists of tables `[[section.key]]` (with their own
    nested tables), keys whose value is None are left out (the default applies).
    """
    lines = [f"[{section}]"]
    tables: list[str] = []
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, dict):
            tables.append(f"\n[{section}.{key}]")
            tables += [
                f"{k} = {_toml_value(v)}" for k, v in value.items() if v is not None and not _table_list(v)
            ]
            for k, v in value.items():  # e.g. [[queueing.appointments.services]]
                for item in v if _table_list(v) else []:
                    tables.append(f"\n[[{section}.{key}.{k}]]")
                    tables += [f"{kk} = {_toml_value(vv)}" for kk, vv in item.items() if vv is not None]
        elif _table_list(value):
            for item in value:
                tables.append(f"\n[[{section}.{key}]]")
                sub = []
                for k, v in item.items():
                    if isinstance(v, dict):
                        sub.append(f"\n[{section}.{key}.{k}]")
                        sub += [f"{kk} = {_toml_value(vv)}" for kk, vv in v.items()]
                    elif v is not None:
                        tables.append(f"{k} = {_toml_value(v)}")
                tables += sub
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines + tables) + "\n"


def cabinet_site(
    url: str,
    boards: list[int],
    compartments: Iterable[tuple[str, int, int, int, int]],
    *,
    bus: Mapping[str, Any] | None = None,
    **tables: Any,
) -> dict[str, Any]:
    """The [locker] section of a daemon on kerong-cu16 boards at `url` (a simulator the test holds).

    `compartments` are (label, board, lock, column, row), all small, on the one bus `bank1`
    (16 locks a board, a door read once, watched every 20 ms, `bus` adds or overrides keys);
    warnings only, no back office, a door watched 0.5 s, no code lock-out a kiosk could reach.
    `tables` add keys or tables; a table given for one already here is merged into it.
    """
    site: dict[str, Any] = {
        "log_level": "WARNING",
        "doors": {"watch_s": 0.5},
        "codes": {"kiosk_free_failures": 100000},
        "backoffice": {"type": "none"},
        "buses": [
            {
                "name": "bank1",
                "simulate": False,
                "url": url,
                "protocol": "kerong-cu16",
                "boards": boards,
                "locks_per_board": 16,
                "door_debounce_reads": 1,
                "watch_interval_ms": 20,
                **(bus or {}),
            }
        ],
        "compartments": [
            {
                "label": label,
                "bus": "bank1",
                "board": board,
                "lock": lock,
                "size": "small",
                "column": col,
                "row": row,
            }
            for label, board, lock, col, row in compartments
        ],
    }
    for key, value in tables.items():
        site[key] = {**site[key], **value} if isinstance(site.get(key), dict) else value
    return site


# ----------------------------------------------------------------------------- child processes


class ChildService:
    """`python -m MODULE ARGS` as a child process, output in `log_path`, ready on /api/v1/health.

    `ready` (default: the health endpoint at `url` answers) decides when `start()` returns;
    a child that exits first fails the test with the end of its log.
    """

    def __init__(
        self,
        module: str,
        args: list[str],
        log_path: Path,
        url: str = "",
        *,
        cwd: Path = REPO_ROOT,
        env: Mapping[str, str] | None = None,
        ready: Callable[[], bool] | None = None,
        verify: bool | str = True,
        split_stderr: bool = False,
    ) -> None:
        self.argv = [sys.executable, "-m", module, *args]
        # stderr in its own file (`errors()`) when a test reads what the child says there
        self.err_path = log_path.with_suffix(".err") if split_stderr else None
        self.module = module
        self.log_path = log_path
        self.url = url
        self.cwd = cwd
        self.env = dict(env) if env is not None else None
        self.verify = verify  # a CA file for a server over HTTPS
        self._ready = ready
        self.proc: subprocess.Popen[bytes] | None = None
        self._kill_lock = threading.Lock()

    def spawn(self) -> subprocess.Popen[bytes]:
        """Start the child without waiting for it to be ready."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log_file:
            err = self.err_path.open("ab") if self.err_path is not None else None
            try:
                self.proc = subprocess.Popen(
                    self.argv, cwd=self.cwd, env=self.env, stdout=log_file, stderr=err or subprocess.STDOUT
                )
            finally:
                if err is not None:
                    err.close()
        return self.proc

    def answers(self) -> bool:
        """Ready as `ready` says (default: the health endpoint answers)."""
        if self._ready is not None:
            return self._ready()
        assert self.url, "a child without a URL needs a `ready` predicate"
        return answers_health(self.url, self.verify)

    def is_ready(self) -> bool:
        """Ready as `ready` says (default: health answers); fails if the child has exited."""
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"{self.module} exited ({self.proc.returncode}): {self.log()[-3000:]}")
        return self.answers()

    def start(self, timeout_s: float = 60.0) -> None:
        """Start the child and wait until it is ready."""
        self.spawn()
        wait_until(self.is_ready, timeout_s, f"`python -m {self.module}` to answer at {self.url}")

    def start_or_exit(self, timeout_s: float = 60.0) -> int | None:
        """Start and wait until ready or exited: the exit status, or None when it serves."""
        self.spawn()
        proc = self.proc
        assert proc is not None

        def settled() -> bool:
            return proc.poll() is not None or self.answers()

        wait_until(settled, timeout_s, f"`python -m {self.module}` to serve or stop")
        return proc.poll()

    def log(self) -> str:
        """Everything the child wrote so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def errors(self) -> str:
        """What the child wrote on stderr (with `split_stderr`)."""
        path = self.err_path
        return path.read_text(encoding="utf-8", errors="replace") if path and path.exists() else ""

    def stop(self, timeout_s: float = 30.0) -> int | None:
        """SIGTERM and wait (SIGKILL if it does not stop in time); its exit status."""
        proc = self.proc
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        return proc.returncode

    def kill(self) -> None:
        """SIGKILL and wait (one caller at a time: a test and a simulator thread may both kill)."""
        with self._kill_lock:
            proc = self.proc
            if proc is not None and proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
            if proc is not None:
                proc.wait(timeout=20)

    def __enter__(self) -> ChildService:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class LockerProcess(ChildService):
    """`python -m locker` on a free loopback port with its data in `data_dir`.

    `site` is the [locker] section as data (written by `site_toml`) or None for the embedded
    default (a simulated cabinet); `site_path` an already written site file instead.
    """

    def __init__(
        self,
        tmp: Path,
        site: Mapping[str, Any] | None = None,
        *,
        data_dir: Path | None = None,
        site_path: Path | None = None,
        port: int | None = None,
        extra_args: list[str] | None = None,
        cwd: Path = REPO_ROOT,
        env: Mapping[str, str] | None = None,
        ready: Callable[[], bool] | None = None,
        log_path: Path | None = None,
        split_stderr: bool = False,
    ) -> None:
        self.data_dir = data_dir or tmp / "data"
        self.port = port or free_port()
        if site is not None:
            site_path = tmp / "site.toml"
            site_path.write_text(site_toml("locker", site), encoding="utf-8")
        self.site_path = site_path
        args = ["--data-dir", str(self.data_dir), "--host", "127.0.0.1", "--port", str(self.port)]
        if site_path is not None:
            args = ["--config", str(site_path), *args]
        super().__init__(
            "locker",
            [*args, *(extra_args or [])],
            log_path or tmp / "locker.log",
            f"http://127.0.0.1:{self.port}",
            cwd=cwd,
            env=env,
            ready=ready,
            split_stderr=split_stderr,
        )

    @property
    def kiosk_token(self) -> str:
        """The kiosk's bearer token (the file the daemon created in its data dir)."""
        return (self.data_dir / "kiosk.token").read_text(encoding="utf-8").strip()


#: `lockerctl` as a command: the installed console script when present (CI installs the project),
#: else the same entry point through this interpreter.
_LOCKERCTL_SCRIPT = Path(sys.executable).parent / "lockerctl"
LOCKERCTL = [str(_LOCKERCTL_SCRIPT)] if _LOCKERCTL_SCRIPT.exists() else [sys.executable, "-m", "locker.cli"]


def run_lockerctl(
    *words: str, stdin: str = "", cwd: Path = REPO_ROOT, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`lockerctl WORDS...` as an installer types it (`stdin` on its standard input); its exit
    status and output, whatever they are (the caller asserts)."""
    return subprocess.run(
        [*LOCKERCTL, *words],
        cwd=cwd,
        env=dict(env) if env is not None else None,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def enrol_locker_staff(
    data_dir: Path,
    staff_id: str,
    role: str,
    pin: str,
    *,
    site: Path | None = None,
    cwd: Path = REPO_ROOT,
    env: Mapping[str, str] | None = None,
) -> pyotp.TOTP:
    """`lockerctl staff add STAFF_ID --role ROLE --pin-stdin` on `data_dir` (and the site file
    `site`); the account's TOTP, read from the otpauth URI it prints."""
    args = ["staff", "add", staff_id, "--role", role, "--pin-stdin", "--data-dir", str(data_dir)]
    if site is not None:
        args += ["--config", str(site)]
    out = run_lockerctl(*args, stdin=pin + "\n", cwd=cwd, env=env)
    assert out.returncode == 0, f"lockerctl staff add {staff_id} failed: {out.stderr}"
    uri = re.search(r"otpauth://\S+", out.stdout)
    assert uri, f"no otpauth URI in {out.stdout!r}"
    return pyotp.TOTP(str(pyotp.parse_uri(uri.group(0)).secret))


def sign_in_locker_staff(url: str, staff_id: str, pin: str, totp: pyotp.TOTP) -> str:
    """`POST /api/v1/staff/sessions` on the locker at `url` with the PIN and a TOTP code; the token."""
    r = requests.post(
        url + "/api/v1/staff/sessions",
        json={"staff_id": staff_id, "pin": pin, "totp": totp.now()},
        timeout=15,
    )
    assert r.status_code == 200, f"sign-in of {staff_id}: {r.status_code} {r.text}"
    return str(r.json()["token"])


def queueing_site(config: Any) -> str:
    """A site file holding the whole [queueing] section of the QueueingConfig `config`."""
    return site_toml("queueing", config.model_dump(mode="json"))


def kiosk_headers_for(url: str) -> dict[str, str]:
    """The kiosk's Authorization header for the queueing server of this test process at `url`."""
    return kiosk_headers(RUNNING_QUEUEING[url.rstrip("/")])


class QueueingProcess(ChildService):
    """`python -m queueing` (real clock) on `port`, data in `tmp/data`.

    `config` is a QueueingConfig (its whole [queueing] section written by `queueing_site`) or
    the text of a site file merged over config/default.toml.
    """

    def __init__(
        self, config: Any, tmp: Path, port: int | None = None, *, data_dir: Path | None = None
    ) -> None:
        self.site = tmp / "site.toml"
        self.site.write_text(config if isinstance(config, str) else queueing_site(config), encoding="utf-8")
        self.data_dir = data_dir or tmp / "data"
        self.port = port or free_port()
        args = ["--config", str(self.site), "--port", str(self.port), "--data-dir", str(self.data_dir)]
        super().__init__(
            "queueing", [*args, "--log-level", "WARNING"], tmp / "server.log", f"http://127.0.0.1:{self.port}"
        )
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 30.0) -> None:
        """Start and wait for /api/v1/health."""
        super().start(timeout_s)
        RUNNING_QUEUEING[self.url] = self.data_dir

    def stop(self, timeout_s: float = 15.0) -> int | None:
        """Terminate (SIGTERM) and wait."""
        RUNNING_QUEUEING.pop(self.url, None)
        code = super().stop(timeout_s)
        self.proc = None
        return code

    def __enter__(self) -> QueueingProcess:
        self.start()
        return self

    @property
    def token_file(self) -> Path:
        """The kiosk token file the service creates in its data dir."""
        return self.data_dir / "kiosk.token"

    @property
    def kiosk_headers(self) -> dict[str, str]:
        """What a kiosk sends: its token (the file the service created in its data dir)."""
        return kiosk_headers(self.data_dir)


class HubProcess(ChildService):
    """`python -m hub` on a free port, killable and restartable.

    On `database_url`, or (None) on its own private cluster under `data_dir`.
    """

    def __init__(
        self,
        database_url: str | None,
        tmp: Path,
        *,
        data_dir: Path | None = None,
        ready: Callable[[], bool] | None = None,
    ) -> None:
        self.database_url = database_url
        self.port = free_port()
        where = ["--database", database_url] if database_url else ["--data-dir", str(data_dir)]
        args = [*where, "--port", str(self.port), "--log-level", "WARNING"]
        super().__init__("hub", args, tmp / "hub.log", f"http://127.0.0.1:{self.port}", ready=ready)

    def start(self, timeout_s: float = 30.0) -> None:
        """Start and wait for /api/v1/health."""
        super().start(timeout_s)

    def kill(self) -> None:
        """SIGKILL and wait."""
        super().kill()
        self.proc = None

    def __enter__(self) -> HubProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()


class LockerZygote:
    """`tests/locker/crash_zygote.py`: forks locker daemons from a parent that imported them once.

    For the kill -9 loop, where a cold `python -m locker` per start would take most of the time.
    `spawn(args)` forks a daemon with the arguments of a `LockerProcess` and returns its pid.
    """

    def __init__(self, log_path: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.locker.crash_zygote", str(log_path)],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None and self.proc.stdin is not None
        assert self.proc.stdout.readline().strip() == "ready"

    def spawn(self, daemon: LockerProcess) -> int:
        """Fork a daemon started as `daemon` would be; its pid."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("spawn " + " ".join(daemon.argv[3:]) + "\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline().split()[1])

    def close(self) -> None:
        """End the zygote (its children are the caller's to kill)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write("quit\n")
        self.proc.stdin.flush()
        self.proc.wait(timeout=10)


class UplinkProcess(ChildService):
    """`python -m uplink --config SITE` as a child process (it needs no answer from anyone to run)."""

    def __init__(self, site: Path, tmp: Path) -> None:
        self.site = site
        args = ["--config", str(site), "--log-level", "DEBUG"]
        super().__init__("uplink", args, tmp / "uplink.log", ready=lambda: True)

    def start(self, timeout_s: float = 0.0) -> None:
        """Start (nothing to wait for)."""
        self.spawn()

    def kill(self, sig: int = signal.SIGKILL) -> None:  # type: ignore[override]
        """Signal (SIGKILL by default) and wait."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
            self.proc.wait(timeout=10)
        self.proc = None

    def __enter__(self) -> UplinkProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill(signal.SIGTERM)


class SimulatorProcess:
    """`python -m drivers.lockboard.sim --tcp PORT`: a simulated cabinet in its own process.

    For a daemon that is itself a process (it reaches the boards over `socket://`); the test acts
    like a person at the door through `command("close 0 3")`, `command("fault jammed 0 3")`.
    """

    def __init__(
        self,
        protocol: str = "kerong-cu16",
        boards: int = 1,
        *,
        auto_close_s: float = -1,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        args = ["--protocol", protocol, "--boards", str(boards), "--tcp", str(self.port)]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "drivers.lockboard.sim", *args, "--auto-close-s", str(auto_close_s)],
            cwd=REPO_ROOT,
            env=dict(env) if env is not None else None,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline().strip()
        assert first.startswith("socket://"), f"simulator did not start: {first!r}"
        self.url = f"socket://127.0.0.1:{self.port}"

    def command(self, line: str) -> None:
        """A command on the simulator's stdin; it must answer `ok`."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline().strip()
        assert reply == "ok", f"simulator refused {line!r}: {reply}"

    def close(self) -> None:
        """Terminate and wait."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()
