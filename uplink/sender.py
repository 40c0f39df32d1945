"""Send each outbox to the hub in batches, resending from what the hub acknowledges.

The uplink keeps no state of its own: at start (and after any failure) it asks the hub how far
it holds each stream (an empty batch answers that), then sends what follows, oldest first. A
batch the hub stored but whose answer was lost is sent again and ignored there, so a crash or a
`kill -9` at any point loses nothing and counts nothing twice. The services never wait on it:
they only write their outbox; the uplink reads it on its own connection.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

import requests

from common import outbox
from uplink.catalogue import CataloguePuller
from uplink.config import Setup, Source
from uplink.devices import DeviceReader

log = logging.getLogger(__name__)


class UplinkError(Exception):
    """The hub could not be reached or refused; the message says which and why."""


class Refused(UplinkError):
    """The hub was reached and refused what was sent (a 4xx other than the token's or a limit's)."""


class Uplink:
    """One center's sender (run in a loop by `run`, or step by step in tests)."""

    def __init__(
        self,
        setup: Setup,
        session: requests.Session | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.setup = setup
        self.cfg = setup.hub
        self.base = self.cfg.url.rstrip("/")
        self.http = session or requests.Session()
        self.http.headers["Authorization"] = f"Bearer {setup.token}"
        self.verify: bool | str = self.cfg.ca_file or True
        self._monotonic = monotonic
        self.acked: dict[str, int | None] = {s.stream: None for s in setup.sources}
        self._conns: dict[str, sqlite3.Connection] = {}
        self._next_heartbeat = float("-inf")
        self.heartbeat_interval_s = self.cfg.heartbeat_interval_s
        self.failures = 0
        self.sent = 0  # events the hub stored from this process (tests, log)
        self.devices = DeviceReader(self.cfg.health_timeout_s, setup.services_ca_file or True)
        queue_dirs = [s.db_path.parent for s in setup.sources if s.stream == "queueing"]
        self.catalogue = (
            CataloguePuller(
                self.base,
                self.http,
                setup.queueing,
                queue_dirs[0],
                self.cfg.catalogue_interval_s,
                self.cfg.request_timeout_s,
                self.verify,
                monotonic,
            )
            if setup.queueing is not None and queue_dirs
            else None
        )

    # ------------------------------------------------------------------ loop

    def run(self, stop: threading.Event) -> None:
        """Send until `stop` is set; back off (doubling) while the hub is unreachable."""
        log.info("uplink to %s as center %s", self.base, self.cfg.center_id)
        while not stop.is_set():
            try:
                if self._monotonic() >= self._next_heartbeat:
                    try:
                        self.heartbeat()
                    except Refused as err:  # the events still go: a heartbeat must not hold them
                        self._next_heartbeat = self._monotonic() + self.heartbeat_interval_s
                        log.warning("the hub refused this center's heartbeat: %s", err)
                if self.catalogue is not None and self.catalogue.due():
                    self.catalogue.step()
                more = self.send_round()
                if self.failures:
                    log.info("hub %s reachable again; sending", self.base)
                self.failures = 0
                delay = 0.0 if more else self.cfg.send_interval_s
            except UplinkError as err:
                self.failures += 1
                self.acked = dict.fromkeys(self.acked)  # ask again: the hub may have moved on
                delay = min(self.cfg.retry_max_s, self.cfg.retry_min_s * 2 ** (self.failures - 1))
                level = (
                    logging.WARNING if self.failures in (1, 10) or self.failures % 100 == 0 else logging.DEBUG
                )
                log.log(
                    level,
                    "hub unreachable (%d failures in a row; next try in %.0f s): %s",
                    self.failures,
                    delay,
                    err,
                )
            stop.wait(delay)
        self.close()

    def close(self) -> None:
        """Close the outbox connections."""
        for conn in self._conns.values():
            conn.close()
        self._conns.clear()
        self.devices.close()

    # ------------------------------------------------------------------ steps

    def send_round(self) -> bool:
        """One batch per stream; True when some stream has more waiting (send again at once)."""
        more = False
        for source in self.setup.sources:
            conn = self._conn(source)
            if conn is None:
                continue
            acked = self.acked[source.stream]
            if acked is None:
                acked = self._post(source.stream, [])
                last = self._last_seq(conn)
                if acked > last:
                    log.error(
                        "the hub holds %s events up to seq %d but this center's outbox ends at %d: the "
                        "database was replaced or restored; new events up to %d will be ignored by the hub",
                        source.stream,
                        acked,
                        last,
                        acked,
                    )
            events = self._read(conn, acked)
            if events:
                new_acked = self._post(source.stream, events)
                self.sent += max(0, new_acked - acked)
                acked = new_acked
                more = more or len(events) >= self.cfg.batch_max_events
            if acked != self.acked[source.stream]:
                self._record_acked(source, acked)
            self.acked[source.stream] = acked
        return more

    def heartbeat(self) -> None:
        """Tell the hub this center is alive: software version, its devices' states (from the
        services' health answers), the tickets waiting now and the locker's compartment count
        (left out when the locker did not say: the hub keeps the last one it heard)."""
        devices, waiting, compartments = self.devices.read(self.setup.sources)
        body: dict[str, Any] = {"version": self.setup.version, "waiting_now": waiting, "devices": devices}
        if compartments is not None:
            body["locker_compartments"] = compartments
        answer = self._call("/api/v1/heartbeat", body)
        interval = answer.get("interval_s")
        if isinstance(interval, int | float) and interval > 0:
            self.heartbeat_interval_s = float(interval)
        self._next_heartbeat = self._monotonic() + self.heartbeat_interval_s

    # ------------------------------------------------------------------ helpers

    def _post(self, stream: str, events: list[dict[str, Any]]) -> int:
        answer = self._call("/api/v1/events", {"stream": stream, "events": events})
        acked = answer.get("acked_seq")
        if not isinstance(acked, int):
            raise UplinkError(f"hub answered without acked_seq: {answer!r:.200}")
        return acked

    def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        url = self.base + path
        try:
            resp = self.http.post(url, json=body, timeout=self.cfg.request_timeout_s, verify=self.verify)
        except requests.RequestException as err:
            raise UplinkError(f"POST {url}: {err}") from err
        if resp.status_code in (401, 403):
            raise UplinkError(
                f"POST {url}: the hub refused this center's token ({resp.status_code}); check [hub] "
                "center_id and token_file against `python -m hub center add`"
            )
        if resp.status_code != 200:
            refused = 400 <= resp.status_code < 500 and resp.status_code not in (408, 429)
            raise (Refused if refused else UplinkError)(
                f"POST {url}: HTTP {resp.status_code}: {resp.text[:200]}"
            )
        try:
            data = resp.json()
        except ValueError as err:
            raise UplinkError(f"POST {url}: the answer is not JSON") from err
        if not isinstance(data, dict):
            raise UplinkError(f"POST {url}: unexpected answer {data!r:.200}")
        return data

    def _conn(self, source: Source) -> sqlite3.Connection | None:
        """The outbox's database, opened read/write but only read (never created here)."""
        conn = self._conns.get(source.stream)
        if conn is not None:
            return conn
        if not source.db_path.exists():
            return None  # the service has not started yet
        try:
            conn = sqlite3.connect(
                f"file:{source.db_path}?mode=rw", uri=True, timeout=5, check_same_thread=False
            )
        except sqlite3.Error as err:
            log.warning("cannot open %s outbox %s: %s", source.stream, source.db_path, err)
            return None
        self._conns[source.stream] = conn
        return conn

    def _read(self, conn: sqlite3.Connection, acked: int) -> list[dict[str, Any]]:
        try:
            return outbox.read_after(conn, acked, self.cfg.batch_max_events)
        except sqlite3.OperationalError as err:
            if "no such table" in str(err):
                return []  # a service that has not written its first event yet
            raise UplinkError(f"cannot read the outbox: {err}") from err

    @staticmethod
    def _record_acked(source: Source, acked: int) -> None:
        """Tell the service (a file next to its database) what it may prune."""
        try:
            outbox.write_acked(source.db_path.parent, source.stream, acked)
        except OSError as err:
            log.warning(
                "cannot record the acknowledged %s seq in %s: %s", source.stream, source.db_path.parent, err
            )

    @staticmethod
    def _last_seq(conn: sqlite3.Connection) -> int:
        try:
            row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (outbox.TABLE,)).fetchone()
        except sqlite3.OperationalError:
            return 0
        return int(row[0]) if row else 0
