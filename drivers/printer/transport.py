"""Byte transports to real printers: serial (any pyserial URL), TCP, a device file, USB.

A transport moves bytes and nothing else: `write` a whole job, `request` a status byte with a
timeout. Errors come out as OSError (or TimeoutError) and are translated into PrintError once,
by the printer, with its URL in the message. USB goes through python-escpos's `Usb` backend;
serial and TCP are opened here so every call has a timeout and serial takes pyserial URLs
(`/dev/ttyUSB0`, `socket://host:port` for a serial-over-TCP bridge, a pty in tests).
"""

from __future__ import annotations

import logging
import os
import select
import socket
import time
from dataclasses import dataclass
from typing import Any, Protocol

import serial
from PIL import Image

log = logging.getLogger(__name__)
wire = logging.getLogger("wire.printer")  # DLE EOT traffic, kept apart (common.logsetup)


@dataclass(frozen=True)
class Job:
    """One complete print job: the bytes, and what they look like (for simulated printers)."""

    kind: str
    data: bytes
    preview: Image.Image | None = None


class Transport(Protocol):
    """Moves bytes to one printer. Used by one thread at a time (the printer's worker)."""

    def open(self) -> None:
        """Connect; raises OSError naming what to check."""
        ...

    def write_job(self, job: Job) -> None:
        """Send a whole job."""
        ...

    def request(self, data: bytes, timeout_s: float) -> bytes:
        """Send a real-time request and return the reply byte, or b"" when nothing came in time."""
        ...

    def close(self) -> None:
        """Disconnect; safe to call twice."""
        ...


class SerialTransport:
    """A printer on a serial port or any pyserial URL."""

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 9600,
        write_timeout_s: float = 30.0,
        rtscts: bool = False,
        xonxoff: bool = False,
    ) -> None:
        self.port = port
        self.baudrate = baudrate
        self.write_timeout_s = write_timeout_s
        self.rtscts = rtscts
        self.xonxoff = xonxoff
        self._ser: Any = None

    def open(self) -> None:
        if self._ser is not None:
            return
        try:
            self._ser = serial.serial_for_url(
                self.port,
                baudrate=self.baudrate,
                timeout=0.5,
                write_timeout=self.write_timeout_s,
                rtscts=self.rtscts,
                xonxoff=self.xonxoff,
            )
        except (serial.SerialException, ValueError) as err:
            raise OSError(f"cannot open serial port {self.port}: {err}") from err

    def _port(self) -> Any:
        self.open()
        return self._ser

    def write_job(self, job: Job) -> None:
        ser = self._port()
        try:
            ser.write(job.data)
            ser.flush()
        except serial.SerialTimeoutException as err:
            raise TimeoutError(f"serial write to {self.port} timed out") from err
        except serial.SerialException as err:
            raise OSError(str(err)) from err

    def request(self, data: bytes, timeout_s: float) -> bytes:
        ser = self._port()
        try:
            ser.reset_input_buffer()  # a stale byte must not answer this request
            ser.write(data)
            ser.flush()
            ser.timeout = timeout_s
            reply = bytes(ser.read(1))
        except serial.SerialException as err:
            raise OSError(str(err)) from err
        wire.debug("%s > %s < %s", self.port, data.hex(" "), reply.hex(" ") or "(nothing)")
        return reply

    def close(self) -> None:
        if self._ser is not None:
            try:
                self._ser.close()
            except (OSError, serial.SerialException):
                log.debug("closing %s failed", self.port, exc_info=True)
            self._ser = None


class TcpTransport:
    """A network printer (raw port 9100) or a serial-to-Ethernet box."""

    def __init__(
        self, host: str, port: int = 9100, *, connect_timeout_s: float = 3.0, write_timeout_s: float = 30.0
    ) -> None:
        self.host = host
        self.port = port
        self.connect_timeout_s = connect_timeout_s
        self.write_timeout_s = write_timeout_s
        self._sock: socket.socket | None = None

    def open(self) -> None:
        if self._sock is None:
            self._sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout_s)

    def _socket(self) -> socket.socket:
        self.open()
        assert self._sock is not None
        return self._sock

    def write_job(self, job: Job) -> None:
        sock = self._socket()
        sock.settimeout(self.write_timeout_s)
        sock.sendall(job.data)

    def request(self, data: bytes, timeout_s: float) -> bytes:
        sock = self._socket()
        _drain(sock)
        sock.settimeout(timeout_s)
        sock.sendall(data)
        try:
            reply = sock.recv(1)
        except TimeoutError:
            reply = b""
        else:
            if not reply:
                raise ConnectionResetError(f"{self.host}:{self.port} closed the connection")
        wire.debug("%s:%s > %s < %s", self.host, self.port, data.hex(" "), reply.hex(" ") or "(nothing)")
        return reply

    def close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None


def _drain(sock: socket.socket) -> None:
    """Drop bytes that arrived unasked (e.g. a late reply to an earlier request)."""
    sock.setblocking(False)
    try:
        while sock.recv(64):
            pass
    except (BlockingIOError, InterruptedError):
        pass
    finally:
        sock.setblocking(True)


class FileTransport:
    """A printer device file such as /dev/usb/lp0 (the usblp driver also passes replies back)."""

    def __init__(self, path: str, *, write_timeout_s: float = 30.0) -> None:
        self.path = path
        self.write_timeout_s = write_timeout_s
        self._fd: int | None = None

    def open(self) -> None:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_NONBLOCK | os.O_NOCTTY)

    def write_job(self, job: Job) -> None:
        self.open()
        assert self._fd is not None
        view = memoryview(job.data)
        while view:
            _, ready, _ = select.select([], [self._fd], [], self.write_timeout_s)
            if not ready:
                raise TimeoutError(f"{self.path} accepted no data for {self.write_timeout_s:g} s")
            view = view[os.write(self._fd, view) :]

    def request(self, data: bytes, timeout_s: float) -> bytes:
        self.open()
        assert self._fd is not None
        try:  # drop bytes that arrived unasked (a status byte triggered by raster data, say)
            while os.read(self._fd, 64):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        os.write(self._fd, data)
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self._fd], [], [], left)
            if not ready:
                break
            try:
                reply = os.read(self._fd, 1)
            except BlockingIOError:
                continue
            if reply:
                return reply
            break  # end of file: a plain file or a device that never answers
        return b""

    def close(self) -> None:
        if self._fd is not None:
            try:
                os.close(self._fd)
            finally:
                self._fd = None


class UsbTransport:
    """A USB printer through python-escpos's Usb backend (pyusb)."""

    def __init__(
        self,
        vendor_id: int,
        product_id: int,
        *,
        in_ep: int = 0x82,
        out_ep: int = 0x01,
        timeout_s: float = 30.0,
    ) -> None:
        self.vendor_id = vendor_id
        self.product_id = product_id
        self.in_ep = in_ep
        self.out_ep = out_ep
        self.timeout_s = timeout_s
        self._usb: Any = None

    def open(self) -> None:
        if self._usb is not None:
            return
        from escpos.exceptions import DeviceNotFoundError
        from escpos.printer import Usb

        usb = Usb(
            self.vendor_id,
            self.product_id,
            timeout=int(self.timeout_s * 1000),
            in_ep=self.in_ep,
            out_ep=self.out_ep,
        )
        try:
            usb.open()
        except (DeviceNotFoundError, RuntimeError, ValueError) as err:  # ValueError: pyusb NoBackendError
            why = " ".join(str(err).split())
            raise OSError(
                f"USB printer {self.vendor_id:04x}:{self.product_id:04x} not usable: {why} "
                "(is it plugged in, may this user open it, is libusb-1.0-0 installed?)"
            ) from err
        self._usb = usb

    def write_job(self, job: Job) -> None:
        self.open()
        try:
            self._usb._raw(job.data)
        except Exception as err:  # pyusb raises its own USBError/USBTimeoutError
            raise OSError(f"USB write failed: {err}") from err

    def request(self, data: bytes, timeout_s: float) -> bytes:
        self.open()
        try:
            self._usb._raw(data)
            return bytes(self._usb.device.read(self.in_ep, 1, int(timeout_s * 1000)))[:1]
        except Exception as err:  # a USB read timeout means "no answer"
            if "timeout" in str(err).lower() or "timed out" in str(err).lower():
                return b""
            raise OSError(f"USB status request failed: {err}") from err

    def close(self) -> None:
        if self._usb is not None:
            try:
                self._usb.close()
            finally:
                self._usb = None
