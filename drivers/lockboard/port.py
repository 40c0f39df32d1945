"""`PortKeeper`: the life cycle of one bus's serial port (open, lost, reopen, failed).

Used only by `drivers.lockboard.bus.SerialLockBus` (its bus thread, plus `open`/`close`). It
knows nothing about boards, jobs or doors: it owns the `SerialLink`, the `BusState`, the last
fatal error and the reconnect schedule of the current outage:
- a lost port is reopened after `reconnect_delay_ms(attempt)` (doubling from
  `reconnect_initial_delay_ms` up to `reconnect_max_delay_ms` for `reconnect_fast_attempts`
  tries, then once per `reconnect_slow_interval_ms`): never a tight loop;
- permission denied on a reopen is fatal: state `failed`, `error` holds the message with the fix.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable

import serial

from drivers.lockboard.config import BusConfig
from drivers.lockboard.link import FrameWritten, SerialLink
from drivers.lockboard.types import BusPermissionError, BusUnavailable, LockBoardError

log = logging.getLogger(__name__)


class BusState(enum.StrEnum):
    """Life cycle of the port, changed only by the bus (logged `old -> new`)."""

    CLOSED = "closed"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    FAILED = "failed"  # permission denied: needs an installer


class Reopen(enum.Enum):
    """Outcome of one `PortKeeper.reopen_step`."""

    STOPPED = 0  # the bus is closing
    STILL_DOWN = 1
    BACK = 2
    FATAL = 3  # permission denied: state is FAILED


class PortKeeper:
    """The port of one bus and its state; `link` is None while the port is down."""

    def __init__(
        self,
        config: BusConfig,
        *,
        on_frame_written: FrameWritten | None = None,
        serial_factory: Callable[..., serial.SerialBase] | None = None,
    ) -> None:
        self.config = config
        self.link: SerialLink | None = None
        self.error: LockBoardError | None = None
        self.attempt = 0  # reopen attempts in the current outage
        self._on_written = on_frame_written
        self._factory = serial_factory or serial.serial_for_url
        self._state = BusState.CLOSED
        self._state_lock = threading.Lock()

    @property
    def state(self) -> BusState:
        """Current port state."""
        return self._state

    def set_state(self, new: BusState) -> None:
        """Change state, logging `old -> new` once."""
        with self._state_lock:
            old, self._state = self._state, new
        if old is not new:
            log.info("bus %s: %s -> %s", self.config.name, old.value, new.value)

    def usable(self) -> None:
        """Raise the fatal error, or BusUnavailable, unless the port is connected."""
        if self._state is BusState.FAILED and self.error is not None:
            raise self.error
        if self._state is not BusState.CONNECTED:
            raise BusUnavailable(f"bus {self.config.name}: port {self.config.url} is {self._state.value}")

    def connect(self) -> SerialLink:
        """Open the port now; raises BusPermissionError or BusUnavailable."""
        c = self.config
        link = SerialLink(
            c.name,
            c.url,
            c.baud,
            on_frame_written=self._on_written,
            factory=self._factory,
            adapter_echo=c.adapter_echo,
        )
        link.open()
        self.link = link
        self.attempt = 0
        self.error = None
        self.set_state(BusState.CONNECTED)
        return link

    def close(self) -> None:
        """Close the port if open (the state is the caller's business)."""
        link, self.link = self.link, None
        if link is not None:
            link.close()

    def lost(self, err: BaseException) -> bool:
        """The port failed: close it and start an outage. False if it was already down."""
        if self.link is None:
            return False
        log.error("bus %s: port %s lost: %s", self.config.name, self.config.url, err)
        self.close()
        self.attempt = 0
        self.set_state(BusState.RECONNECTING)
        return True

    def fail(self, error: LockBoardError) -> None:
        """Stop for good (needs a person): close, remember `error`, state FAILED."""
        self.error = error
        self.close()
        self.set_state(BusState.FAILED)

    def reopen_step(self, stop: threading.Event) -> Reopen:
        """Wait this attempt's delay (or until `stop`), then try to reopen once."""
        c = self.config
        if stop.wait(c.reconnect_delay_ms(self.attempt) / 1000):
            return Reopen.STOPPED
        self.attempt += 1
        try:
            self.connect()
        except BusPermissionError as err:
            log.critical("%s", err)
            self.fail(err)
            return Reopen.FATAL
        except BusUnavailable as err:
            if self.attempt in (1, c.reconnect_fast_attempts):
                log.warning("%s (attempt %d; retrying)", err, self.attempt)
            return Reopen.STILL_DOWN
        return Reopen.BACK
