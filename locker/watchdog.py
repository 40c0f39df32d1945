"""The locker daemon under systemd: READY=1 once serving, and a watchdog fed by its bus threads
and its main loop (common.sdnotify).

Each bus is proved alive by a no-op job run *on its bus thread* (`SerialLockBus.transact`):
a bus thread stuck in a call never runs it, so that bus stops beating and systemd restarts the
daemon (boot reconciliation then explains every door). A bus whose port is gone is not hung
(its thread keeps trying to reopen, and health and alarms say so): it keeps beating, because a
restart would not plug the adapter back. The main loop beats from uvicorn's tick (every 0.1 s).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import uvicorn

from common.clock import Clock
from common.periodic import Periodic
from common.sdnotify import Watchdog, notify, watchdog_interval_s

log = logging.getLogger(__name__)

MAIN = "main loop"


class BusProbe:
    """Proves one bus thread alive by having it run a no-op job; beats the watchdog when it did."""

    def __init__(self, name: str, bus: Any, watchdog: Watchdog, every_s: float) -> None:
        self.name = f"bus {name}"
        self.bus = bus
        self.watchdog = watchdog
        self.every_s = every_s
        # a probe stuck on a hung bus is left to end with the process: stop() does not wait for it
        self._probes = Periodic(f"watchdog-{self.name}", every_s, self.probe_once, join_s=None)
        watchdog.register(self.name)

    def probe_once(self) -> bool:
        """One probe (blocks while the bus thread is busy or hung); True when it beat."""
        from drivers.lockboard.port import BusState
        from drivers.lockboard.types import BusUnavailable, LockBoardError

        if self.bus.state is not BusState.CONNECTED:
            self.watchdog.beat(self.name)  # reconnecting or failed: an alarm, not a hang
            return True
        try:
            self.bus.transact(lambda link: None)
        except BusUnavailable:
            if self.bus.state is BusState.CONNECTED:
                return False  # connected, yet the job was never run: the bus thread is stuck
        except LockBoardError:
            pass  # the bus thread ran it and answered
        self.watchdog.beat(self.name)
        return True

    def start(self) -> None:
        """Probe every `every_s` on a daemon thread until `stop()`."""
        self._probes.start()

    def stop(self) -> None:
        """Stop probing (a probe stuck on a hung bus is left to die with the process)."""
        self._probes.stop()


class WatchedServer(uvicorn.Server):
    """uvicorn's server that says READY=1 once listening and beats the watchdog every tick."""

    def __init__(
        self, config: uvicorn.Config, watchdog: Watchdog | None, env: Mapping[str, str] | None
    ) -> None:
        super().__init__(config)
        self.watchdog = watchdog
        self._env = env
        self._ready_sent = False

    async def on_tick(self, counter: int) -> bool:
        """uvicorn calls this every 0.1 s from the event loop."""
        if self.watchdog is not None:
            self.watchdog.beat(MAIN)
        if not self._ready_sent and self.started:
            self._ready_sent = True
            notify("READY=1", self._env)
        return await super().on_tick(counter)


class Supervision:
    """The watchdog and bus probes of one daemon run (nothing at all when systemd asks for none)."""

    def __init__(
        self, buses: Mapping[str, Any], env: Mapping[str, str] | None = None, clock: Clock | None = None
    ) -> None:
        self.env = env
        interval = watchdog_interval_s(env)
        self.watchdog: Watchdog | None = None
        self.probes: list[BusProbe] = []
        if interval is None:
            return
        # systemd's advice: keep-alives at half the interval; a source older than half is stale,
        # so a hang is acted on within one interval and a slow moment never is.
        self.watchdog = Watchdog(lambda s: notify(s, env), interval / 4, interval / 2, clock)
        self.watchdog.register(MAIN)  # beaten by WatchedServer.on_tick
        self.probes = [BusProbe(name, bus, self.watchdog, interval / 4) for name, bus in buses.items()]
        log.info("systemd watchdog: %.0f s, fed by %d bus thread(s) and the main loop", interval, len(buses))

    def server(self, config: uvicorn.Config) -> WatchedServer:
        """The HTTP server, beating the watchdog from its main loop."""
        return WatchedServer(config, self.watchdog, self.env)

    def start(self) -> None:
        """Start the probes and the keep-alive thread."""
        for probe in self.probes:
            probe.start()
        if self.watchdog is not None:
            self.watchdog.start()

    def stop(self) -> None:
        """Say STOPPING=1 and stop everything started."""
        notify("STOPPING=1", self.env)
        for probe in self.probes:
            probe.stop()
        if self.watchdog is not None:
            self.watchdog.stop()
