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
from common.config import ConfigError, read_token_file
from uplink.catalogue import CataloguePuller
from uplink.config import Setup, Source
from uplink.devices import DeviceReader

log = logging.getLogger(__name__)


class UplinkError(Exception):
    """The hub could not be reached or refused; the message says which and why."""


class Refused(UplinkError):
    """The hub was reached and refused what was sent (a 4xx other than the token's or a limit's)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class TooSlow(UplinkError):
    """A batch did not get through in time: the hub answered 408 (it did not arrive whole within
    the hub's `request_timeout_s`), no answer came within ours, or the connection broke after
    half of it (what a slow link does to a large body: the hub's 408 is often never read)."""

    #: How many events the batch held (set by `_post`).
    events = 0


#: Batches stored in a row, after one was halved for being too slow, before the size doubles again.
GROW_AFTER = 16
#: A batch smaller than this that does not get through in time is not halved: the hub or the link
#: is slow or down (a few live events are ~150 bytes each), and it is retried as unreachable.
SLOW_BATCH_MIN = 100


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
        # per stream: the batch size now (halved after a 413 or a batch too slow to arrive), the
        # batches stored since one was too slow (it grows back after GROW_AFTER), what was last said
        self.batch: dict[str, int] = {s.stream: self.cfg.batch_max_events for s in setup.sources}
        # the most a batch grows back to: batch_max_events, or below a size the hub refused (413)
        self.ceiling: dict[str, int] = dict(self.batch)
        self._since_slow: dict[str, int] = {}
        self._grow_after: dict[str, int] = {}
        self._regrown: set[str] = set()  # grew back since it was last too slow
        self._said: dict[str, str] = {}
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
        """One batch per stream; True when some stream has more waiting (send again at once).

        A batch the hub refuses (4xx: a value it cannot take, too large) holds back its own stream
        only, and is said once in the log as a refusal; a 413 halves that stream's batches."""
        more = False
        for source in self.setup.sources:
            stream = source.stream
            try:
                more = self._send_stream(source) or more
            except TooSlow as err:
                # half of what did not get through (a batch shorter than the size: half of it)
                self.batch[stream] = max(1, min(self.batch[stream], err.events or self.batch[stream]) // 2)
                # a size it grew back to is too slow again: wait twice as long before the next try
                # (halving on the way down does not: those sizes were never shown to pass)
                wait = self._grow_after.get(stream, GROW_AFTER)
                self._grow_after[stream] = min(wait * 2, GROW_AFTER * 64) if stream in self._regrown else wait
                self._regrown.discard(stream)
                self._since_slow[stream] = 0
                log.warning(
                    "a %s batch did not reach the hub in time (%s): now %d a batch",
                    stream,
                    err,
                    self.batch[stream],
                )
                more = True
            except Refused as err:
                if err.status == 413 and self.batch[stream] > 1:
                    self.batch[stream] = max(1, self.batch[stream] // 2)
                    self.ceiling[stream] = min(self.ceiling[stream], self.batch[stream])
                    log.warning(
                        "the hub refused a %s batch as too large: now %d a batch", stream, self.batch[stream]
                    )
                    more = True
                    continue
                self._say_once(
                    stream,
                    f"the hub refused a batch of {stream} ({err}); its later events wait until it is fixed",
                )
        return more

    def _say_once(self, stream: str, message: str) -> None:
        """Log `message` as an error when it is new for `stream` (a stuck stream is not a flood)."""
        if self._said.get(stream) != message:
            self._said[stream] = message
            log.error("%s", message)

    def _send_stream(self, source: Source) -> bool:
        """One batch of one stream; True when it has more waiting."""
        conn = self._conn(source)
        if conn is None:
            return False
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
        events = self._read(conn, source.stream, acked)
        if events and events[0]["seq"] > acked + 1:
            # pruned here after an earlier ack, missing at the hub (its database restored from an
            # older backup): they cannot be sent again, and the hub's ack waits at the gap
            first = events[0]["seq"]
            self._say_once(
                source.stream,
                f"the hub holds {source.stream} only up to seq {acked} but this center's outbox starts "
                f"at {first}: events {acked + 1}-{first - 1} were pruned after the hub had them (was "
                "its database restored from an older backup?). They cannot be sent again; the hub's "
                f"operator lets the stream go on: `python -m hub stream skip CENTER_ID {source.stream} "
                f"--to {first - 1}` (docs/hub.md)",
            )
        more = False
        if events:
            try:
                new_acked = self._post(source.stream, events)
            except Refused as err:  # the hub's answer names an event by its place: give the seqs
                span = f"the batch held seqs {events[0]['seq']}-{events[-1]['seq']}"
                raise Refused(f"{err} ({span})", err.status) from err
            self.sent += max(0, new_acked - acked)
            # more at once only when this batch moved the ack (else wait: no tight loop)
            full = len(events) >= self.batch[source.stream]
            more = full and new_acked > acked
            if full:  # a few live events passing say nothing of a larger batch
                self._grow_back(source.stream)
            acked = new_acked
            if new_acked >= events[-1]["seq"]:
                self._said.pop(source.stream, None)  # all taken: a later refusal is news again
        if acked != self.acked[source.stream]:
            self._record_acked(source, acked)
        self.acked[source.stream] = acked
        return more

    def _grow_back(self, stream: str) -> None:
        """After GROW_AFTER full batches stored in a row since one was too slow, double the size
        again (up to `ceiling`: `batch_max_events`, or below a size the hub refused as too large): a
        slow hour of the link does not shrink batches for good. A size grown back to that is too
        slow again, the full size included, doubles the wait (up to 64 times, and kept for the
        process's life), so a link that stays slow costs one time-out now and then, not every
        GROW_AFTER batches."""
        if stream not in self._since_slow:
            return
        self._since_slow[stream] += 1
        if self._since_slow[stream] >= self._grow_after.get(stream, GROW_AFTER):
            self.batch[stream] = min(self.ceiling[stream], self.batch[stream] * 2)
            self._regrown.add(stream)
            self._since_slow[stream] = 0
            if self.batch[stream] >= self.ceiling[stream]:  # whole again: nothing more to grow
                del self._since_slow[stream]

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
        try:
            answer = self._call("/api/v1/events", {"stream": stream, "events": events})
        except TooSlow as err:
            if len(events) < SLOW_BATCH_MIN:  # ~15 KB: a link that cannot carry it is down, not slow
                raise UplinkError(f"{err} (a batch of {len(events)}: the hub or the link is slow)") from None
            err.events = len(events)
            raise
        acked = answer.get("acked_seq")
        if not isinstance(acked, int):
            raise UplinkError(f"hub answered without acked_seq: {answer!r:.200}")
        return acked

    def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        url = self.base + path
        started = self._monotonic()
        try:
            resp = self.http.post(url, json=body, timeout=self.cfg.request_timeout_s, verify=self.verify)
        except requests.ReadTimeout as err:
            raise TooSlow(f"POST {url}: no answer within {self.cfg.request_timeout_s:g} s: {err}") from err
        except requests.ConnectTimeout as err:  # never reached: unreachable, not slow
            raise UplinkError(f"POST {url}: {err}") from err
        except requests.ConnectionError as err:
            took = self._monotonic() - started
            # not refused at once: it broke on the way (the hub cuts a request off after 60 s)
            if took >= min(self.cfg.request_timeout_s / 2, 30.0):
                raise TooSlow(f"POST {url}: the connection broke after {took:.0f} s: {err}") from err
            raise UplinkError(f"POST {url}: {err}") from err
        except requests.RequestException as err:
            raise UplinkError(f"POST {url}: {err}") from err
        if resp.status_code in (401, 403) and self._reread_token():
            return self._call(path, body)  # the token was replaced at the hub and in token_file
        if resp.status_code in (401, 403):
            raise UplinkError(
                f"POST {url}: the hub refused this center's token ({resp.status_code}); check [hub] "
                "center_id and token_file against `python -m hub center add`"
            )
        if resp.status_code != 200:
            message = f"POST {url}: HTTP {resp.status_code}: {resp.text[:200]}"
            if resp.status_code == 408:  # the hub closed it: the request did not arrive whole in time
                raise TooSlow(message)
            if 400 <= resp.status_code < 500 and resp.status_code != 429:
                raise Refused(message, resp.status_code)
            raise UplinkError(message)
        try:
            data = resp.json()
        except ValueError as err:
            raise UplinkError(f"POST {url}: the answer is not JSON") from err
        if not isinstance(data, dict):
            raise UplinkError(f"POST {url}: unexpected answer {data!r:.200}")
        return data

    def _reread_token(self) -> bool:
        """After a 401/403: take the token file's line when it changed (`center add` again at the
        hub gave a new token and revoked the old one); True when it did."""
        try:
            token = read_token_file(self.cfg.token_file, "[hub] token_file", "")
        except ConfigError:
            return False
        if not token or self.http.headers.get("Authorization") == f"Bearer {token}":
            return False
        self.http.headers["Authorization"] = f"Bearer {token}"
        log.info("[hub] token_file holds a new token: using it")
        return True

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

    def _read(self, conn: sqlite3.Connection, stream: str, acked: int) -> list[dict[str, Any]]:
        try:
            return outbox.read_after(conn, acked, self.batch[stream])
        except sqlite3.OperationalError as err:
            if "no such table" in str(err):
                return []  # a service that has not written its first event yet
            if "locked" in str(err):  # its service holds the database a moment: the next round
                log.info("the %s outbox is busy (%s); read again at the next round", stream, err)
                return []
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
