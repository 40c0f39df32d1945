"""Run the locker daemon and the queueing service as supervised child processes.

A child that dies is logged with its exit code and restarted after a delay that doubles while
it keeps dying (up to 60 s) and resets once it has stayed up for a minute. Each child's output
goes to its own log file. `stop()` terminates them all (SIGTERM, then SIGKILL after a grace time).
"""

from __future__ import annotations

import logging
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import requests

from common.periodic import Periodic

log = logging.getLogger(__name__)

MAX_DELAY_S = 60.0
STABLE_AFTER_S = 60.0
WATCH_EVERY_S = 0.25  # how often the children are looked at (a death is seen this quickly)


@dataclass
class ChildSpec:
    """One service to keep running."""

    name: str
    argv: list[str]
    health_url: str
    log_path: Path
    cwd: Path | None = None


def already_listening(specs: list[ChildSpec], timeout_s: float = 0.5) -> list[tuple[ChildSpec, str]]:
    """The children whose port something already listens on, with "host:port".

    An earlier run that ended without stopping its children (a crash, a lost display) leaves
    them running: a new child could not bind, would die and be restarted forever, while the
    kiosk quietly talked to the old one.
    """
    busy = []
    for spec in specs:
        url = urlsplit(spec.health_url)
        host, port = url.hostname or "127.0.0.1", url.port or (443 if url.scheme == "https" else 80)
        try:
            with socket.create_connection((host, port), timeout=timeout_s):
                busy.append((spec, f"{host}:{port}"))
        except OSError:
            continue  # nothing there (refused, unreachable): free for the child
    return busy


@dataclass
class _Child:
    spec: ChildSpec
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    delay_s: float = 0.0
    next_start: float = 0.0
    log_fh: IO[bytes] | None = field(default=None, repr=False)


class Supervisor:
    """Starts children, restarts the ones that die, stops them all on request."""

    def __init__(
        self,
        specs: list[ChildSpec],
        restart_delay_s: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._children = [_Child(spec=s) for s in specs]
        self._base_delay = restart_delay_s
        self._mono = monotonic
        self._stop = threading.Event()  # set by stop(): no restart, no more waiting for health
        self._watcher = Periodic("supervisor", WATCH_EVERY_S, self._watch_round, join_s=5.0)
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start every child and the watching thread."""
        with self._lock:
            for child in self._children:
                self._spawn(child)
        self._watcher.start()

    def restarts(self, name: str) -> int:
        """How many times `name` was restarted."""
        return next(c.restarts for c in self._children if c.spec.name == name)

    def pid(self, name: str) -> int | None:
        """Current process id of `name` (None while it is down)."""
        child = next(c for c in self._children if c.spec.name == name)
        return child.proc.pid if child.proc is not None and child.proc.poll() is None else None

    def wait_healthy(self, timeout_s: float) -> dict[str, bool]:
        """Poll each child's health URL until all answer or `timeout_s` passes."""
        deadline = self._mono() + timeout_s
        ok: dict[str, bool] = {c.spec.name: False for c in self._children}
        while not self._stop.is_set() and self._mono() < deadline and not all(ok.values()):
            for c in self._children:
                if not ok[c.spec.name]:
                    try:
                        ok[c.spec.name] = requests.get(c.spec.health_url, timeout=1).ok
                    except requests.RequestException:
                        pass
            if not all(ok.values()):
                self._stop.wait(0.2)
        return ok

    def _spawn(self, child: _Child) -> None:
        spec = child.spec
        spec.log_path.parent.mkdir(parents=True, exist_ok=True)
        if child.log_fh is None:
            child.log_fh = spec.log_path.open("ab")
        try:
            child.proc = subprocess.Popen(
                spec.argv,
                cwd=spec.cwd,
                stdout=child.log_fh,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as err:
            log.error("%s could not be started (%s): %s", spec.name, " ".join(spec.argv), err)
            child.proc = None
            self._schedule_restart(child)
            return
        child.started_at = self._mono()
        log.info("%s started (pid %d), log in %s", spec.name, child.proc.pid, spec.log_path)

    def _schedule_restart(self, child: _Child) -> None:
        child.delay_s = min(MAX_DELAY_S, child.delay_s * 2 if child.delay_s else self._base_delay)
        child.next_start = self._mono() + child.delay_s

    def _watch_round(self) -> None:
        with self._lock:
            for child in self._children:
                self._check(child)

    def _check(self, child: _Child) -> None:
        now = self._mono()
        if child.proc is not None:
            code = child.proc.poll()
            if code is None:
                if child.delay_s and now - child.started_at > STABLE_AFTER_S:
                    child.delay_s = 0.0
                return
            uptime = now - child.started_at
            if uptime > STABLE_AFTER_S:
                child.delay_s = 0.0
            child.proc = None
            self._schedule_restart(child)
            log.error(
                "%s died (exit code %s after %.1f s); restarting in %.1f s (see %s)",
                child.spec.name,
                code,
                uptime,
                child.delay_s,
                child.spec.log_path,
            )
            return
        if now >= child.next_start and not self._stop.is_set():
            child.restarts += 1
            log.warning("restarting %s (restart #%d)", child.spec.name, child.restarts)
            self._spawn(child)

    def stop(self, grace_s: float = 5.0) -> None:
        """Stop watching, then terminate every child (kill after `grace_s`)."""
        self._stop.set()
        self._watcher.stop()
        with self._lock:
            for child in self._children:
                if child.proc is not None and child.proc.poll() is None:
                    child.proc.terminate()
            deadline = time.monotonic() + grace_s
            for child in self._children:
                if child.proc is None:
                    continue
                try:
                    child.proc.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    log.warning("%s did not stop in %.0f s; killing it", child.spec.name, grace_s)
                    child.proc.kill()
                    child.proc.wait(5)
                log.info("%s stopped (exit code %s)", child.spec.name, child.proc.returncode)
                child.proc = None
                if child.log_fh is not None:
                    child.log_fh.close()
                    child.log_fh = None
