"""`SerialLink`: the byte-moving half of a bus (open by URL, write, read one reply, settle).

Owned and used only by the bus thread of `drivers.lockboard.bus.SerialLockBus`; it knows
nothing about boards or doors, only frames and timeouts. Errors from the port
(`serial.SerialException`, `OSError`) pass through unchanged so the bus can treat them as a
lost adapter; opening errors are translated into `BusPermissionError` / `BusUnavailable`
messages that say what to do.
"""

from __future__ import annotations

import errno
import logging
import termios
import time
from collections.abc import Callable
from typing import Any

import serial

from drivers.lockboard.types import (
    BoardTimeout,
    BusPermissionError,
    BusUnavailable,
    FrameError,
    LockBoardError,
)

wire = logging.getLogger("wire.lockboard")

FrameWritten = Callable[[bytes, float], None]
Parser = Callable[[bytes], tuple[Any, int] | None]
# What a dying port raises: pyserial errors, OS errors, and termios.error from tcdrain on a pty.
PORT_ERRORS: tuple[type[BaseException], ...] = (serial.SerialException, OSError, termios.error)


def translate_open_error(name: str, url: str, err: BaseException) -> LockBoardError:
    """Turn a pyserial/OS error from opening `url` into a message a technician can act on."""
    code = getattr(err, "errno", None)
    text = str(err)
    if code == errno.EACCES or isinstance(err, PermissionError) or "Permission denied" in text:
        return BusPermissionError(
            f"bus {name}: permission denied opening {url}: add the service user to the 'dialout' "
            "group (sudo usermod -aG dialout USER), log in again, then restart"
        )
    if code == errno.ENOENT or "No such file" in text:
        return BusUnavailable(f"bus {name}: no device at {url} (adapter unplugged, or wrong port path?)")
    if "exclusively lock" in text or code == errno.EAGAIN:
        return BusUnavailable(
            f"bus {name}: {url} is in use by another program (is the locker daemon running?)"
        )
    if "refused" in text.lower():
        return BusUnavailable(f"bus {name}: {url} refused the connection (is the TCP-RS485 bridge on?)")
    return BusUnavailable(f"bus {name}: cannot open {url}: {text}")


class SerialLink:
    """An open port plus the framing loop; not thread-safe (one owner thread)."""

    def __init__(
        self,
        name: str,
        url: str,
        baud: int,
        *,
        on_frame_written: FrameWritten | None = None,
        factory: Callable[..., serial.SerialBase] | None = None,
        adapter_echo: bool = False,
    ) -> None:
        self.name = name
        self.url = url
        self.baud = baud
        self._on_written = on_frame_written
        self._factory = factory or serial.serial_for_url
        self._ser: serial.SerialBase | None = None
        self._adapter_echo = adapter_echo
        self._last_frame = b""

    def open(self) -> None:
        """Open the port 8N1, exclusively; raises BusPermissionError or BusUnavailable."""
        try:
            ser = self._factory(
                self.url, baudrate=self.baud, timeout=0.1, write_timeout=2.0, do_not_open=True
            )
            ser.exclusive = True
            ser.open()
        except (serial.SerialException, OSError, ValueError) as err:
            raise translate_open_error(self.name, self.url, err) from err
        self._ser = ser

    @property
    def is_open(self) -> bool:
        """True between a successful `open` and `close`."""
        return self._ser is not None

    def close(self) -> None:
        """Close the port; errors while closing a dead port are ignored."""
        ser, self._ser = self._ser, None
        if ser is not None:
            try:
                ser.close()
            except PORT_ERRORS as err:
                wire.debug("%s close failed: %s", self.name, err)

    def _port(self) -> serial.SerialBase:
        if self._ser is None:
            raise BusUnavailable(f"bus {self.name}: port {self.url} is not open")
        return self._ser

    def write(self, frame: bytes) -> None:
        """Drop stale input, write the frame and wait until it has left the driver."""
        ser = self._port()
        ser.reset_input_buffer()
        ser.write(frame)
        ser.flush()
        self._last_frame = frame
        if self._on_written is not None:
            self._on_written(frame, time.perf_counter())
        wire.debug("%s -> %s", self.name, frame.hex(" "))

    def read_reply(self, parse: Parser, timeout_ms: int, board: int) -> Any:
        """Read until `parse` returns a frame.

        Raises BoardTimeout if nothing came within `timeout_ms`, FrameError if bytes came but
        never a whole valid frame (short frame, wrong baud) or if `parse` rejects them. With
        `adapter_echo`, a copy of the frame just written at the start of the input is dropped.
        """
        ser = self._port()
        buf = bytearray()
        echo = self._last_frame if self._adapter_echo else b""
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            if echo and (len(buf) >= len(echo) or not echo.startswith(bytes(buf))):
                if buf.startswith(echo):  # our own frame, echoed by an adapter without suppression
                    del buf[: len(echo)]
                echo = b""
            if buf and not echo:
                parsed = parse(bytes(buf))
                if parsed is not None:
                    if parsed[1] < len(buf):
                        wire.debug("%s extra after reply: %s", self.name, bytes(buf[parsed[1] :]).hex(" "))
                    return parsed[0]
            remaining = deadline - time.monotonic()
            if remaining <= 0 and buf:
                raise FrameError(
                    f"bus {self.name}, board {board}: short or unrecognised reply, {len(buf)} bytes "
                    f"in {timeout_ms} ms (bytes: {bytes(buf).hex(' ')}; check the protocol and baud)"
                )
            if remaining <= 0:
                raise BoardTimeout(
                    f"bus {self.name}: board {board} did not answer within {timeout_ms} ms "
                    f"(check the DIP address, A/B wiring, power, baud {self.baud})"
                )
            _set_timeout(ser, remaining)
            chunk = ser.read(max(1, ser.in_waiting))
            if chunk:
                wire.debug("%s <- %s", self.name, chunk.hex(" "))
                buf += chunk

    def collect(self, first_ms: int, quiet_ms: int, max_ms: int) -> bytes:
        """Everything that arrives: up to `first_ms` for the first byte, then until `quiet_ms`
        of silence, at most `max_ms` in all (for answers from several boards, e.g. Kerong 0x32).
        """
        ser = self._port()
        start = time.monotonic()
        buf = bytearray()
        while True:
            now = time.monotonic()
            limit = start + (first_ms if not buf else max_ms) / 1000
            if now >= limit:
                break
            _set_timeout(ser, min(limit - now, quiet_ms / 1000) if buf else limit - now)
            chunk = ser.read(max(1, ser.in_waiting))
            if not chunk and buf:
                break
            if chunk:
                wire.debug("%s <- %s", self.name, chunk.hex(" "))
                buf += chunk
        return bytes(buf)

    def settle(self, quiet_ms: int, quiet_max_ms: int) -> None:
        """Wait until the line is silent for `quiet_ms` (at most `quiet_max_ms`), then flush input."""
        ser = self._port()
        _set_timeout(ser, quiet_ms / 1000)
        end = time.monotonic() + quiet_max_ms / 1000
        while time.monotonic() < end:
            chunk = ser.read(4096)
            if not chunk:
                break
            wire.debug("%s dropped: %s", self.name, chunk.hex(" "))
        ser.reset_input_buffer()


#: A read may end this much after the deadline asked for, so the port is not reconfigured for
#: every few microseconds of difference: setting pyserial's `timeout` on an open POSIX port
#: reconfigures it (flock, tcgetattr, tcsetattr), which under load cost more CPU than the read.
TIMEOUT_SLACK_S = 0.002


def _set_timeout(ser: serial.SerialBase, seconds: float) -> None:
    """Give the port this read timeout, unless it already has one within TIMEOUT_SLACK_S."""
    current = ser.timeout
    if current is None or abs(current - seconds) > TIMEOUT_SLACK_S:
        ser.timeout = seconds
