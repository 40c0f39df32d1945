"""systemd's notify protocol (sd_notify) and a watchdog fed by several keep-alive sources.

`notify("READY=1")` sends one datagram to the unix socket named by $NOTIFY_SOCKET (a path, or an
abstract name starting with "@"); without it (not started by systemd) nothing is sent. No
dependency: the protocol is one datagram of newline-separated `KEY=VALUE` lines.

`Watchdog` sends `WATCHDOG=1` only while *every* registered source (a bus thread, the main loop)
has beaten within `stale_after_s`: one hung source stops the keep-alives, and systemd restarts
the service after `WatchdogSec`. A healthy service is never restarted. The clock is injected;
`tick()` is one step of the sending thread, so tests drive it without waiting.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping

from common.clock import Clock, SystemClock
from common.periodic import Periodic

log = logging.getLogger(__name__)


def notify(state: str, env: Mapping[str, str] | None = None) -> bool:
    """Send `state` (e.g. "READY=1", "WATCHDOG=1") to systemd; False when there is no socket."""
    address = (os.environ if env is None else env).get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.setblocking(False)  # a full socket queue drops this one, never blocks the caller
            sock.sendto(state.encode(), address)
    except OSError as err:
        log.warning("sd_notify %s to %s failed: %s", state.split("=")[0], address.lstrip("\0"), err)
        return False
    return True


def watchdog_interval_s(env: Mapping[str, str] | None = None) -> float | None:
    """systemd's WatchdogSec for this process in seconds, or None when no watchdog is asked for."""
    env = os.environ if env is None else env
    usec, pid = env.get("WATCHDOG_USEC", ""), env.get("WATCHDOG_PID", "")
    if not env.get("NOTIFY_SOCKET") or not usec.isdigit() or int(usec) == 0:
        return None
    if pid and pid != str(os.getpid()):
        return None  # meant for another process (a parent that exec'd us without clearing it)
    return int(usec) / 1_000_000


class Watchdog:
    """Sends WATCHDOG=1 every `interval_s` while every source beat within `stale_after_s`."""

    def __init__(
        self,
        send: Callable[[str], bool],
        interval_s: float,
        stale_after_s: float,
        clock: Clock | None = None,
    ) -> None:
        self._send = send
        self.interval_s = interval_s
        self.stale_after_s = stale_after_s
        self._clock = clock or SystemClock()
        self._beats: dict[str, float] = {}
        self._stale_logged: set[str] = set()
        self._lock = threading.Lock()
        self._ticks: Periodic | None = None

    def register(self, source: str) -> None:
        """Add a source that must keep beating (counted as just beaten)."""
        self.beat(source)

    def beat(self, source: str) -> None:
        """`source` is alive now (cheap: call it from a hot loop)."""
        now = self._clock.monotonic()
        with self._lock:
            self._beats[source] = now

    def stale(self) -> list[str]:
        """The sources that have not beaten within `stale_after_s`."""
        now = self._clock.monotonic()
        with self._lock:
            return sorted(name for name, at in self._beats.items() if now - at > self.stale_after_s)

    def tick(self) -> bool:
        """Send one keep-alive if every source is fresh; returns whether it was sent."""
        stale = self.stale()
        for name in stale:
            if name not in self._stale_logged:
                log.error(
                    "watchdog: %s gave no sign of life for over %.0f s; keep-alives stop and systemd "
                    "restarts the service",
                    name,
                    self.stale_after_s,
                )
        self._stale_logged = set(stale)
        if stale:
            return False
        return self._send("WATCHDOG=1")

    def start(self) -> None:
        """Tick every `interval_s` on a daemon thread until `stop()`."""
        self._ticks = Periodic("sd-watchdog", self.interval_s, self.tick)
        self._ticks.start()

    def stop(self) -> None:
        """Stop ticking."""
        if self._ticks is not None:
            self._ticks.stop()
