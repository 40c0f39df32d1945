"""Printer URLs: parse and check them, and open the transport they name.

usb://04b8:0202[?in_ep=0x82&out_ep=0x01]     USB, vendor:product in hex
serial:///dev/ttyUSB1?baudrate=38400          serial port (also serial://socket://host:port)
tcp://192.0.2.50:9100                         network printer, raw port (default 9100)
file:///dev/usb/lp0                           device file (Linux usblp)
dummy://[?status=...&fail=...]                bytes kept in memory (tests)
png://var/printer[?status=...&fail=...]       PNG + raw bytes per job in a folder (embedded default)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

from common.config import resolve_path
from drivers.printer.model import PrinterState
from drivers.printer.sim import DummyTransport, PngTransport, SimFault
from drivers.printer.transport import FileTransport, SerialTransport, TcpTransport, Transport, UsbTransport

SCHEMES = ("usb", "serial", "tcp", "file", "dummy", "png")


class PrinterUrlError(ValueError):
    """The printer URL cannot be used; the message shows the accepted forms."""


@dataclass(frozen=True)
class PrinterUrl:
    """A parsed printer URL."""

    scheme: str
    target: str  # what follows scheme:// without the query
    params: dict[str, str]

    @property
    def is_simulated(self) -> bool:
        """dummy:// and png:// are simulators (selected in config, never a silent fallback)."""
        return self.scheme in ("dummy", "png")


def parse_url(url: str) -> PrinterUrl:
    """Split `scheme://target?query`; raises PrinterUrlError with the accepted forms."""
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in SCHEMES:
        raise PrinterUrlError(
            f"printer URL {url!r} not understood; use one of usb://VID:PID, "
            "serial:///dev/ttyUSB0?baudrate=9600, tcp://HOST:9100, file:///dev/usb/lp0, dummy://, png://DIR"
        )
    target, _, query = rest.rpartition("?") if "?" in rest else (rest, "", "")
    params = dict(parse_qsl(query, keep_blank_values=True))
    parsed = PrinterUrl(scheme, target, params)
    _check(parsed, url)
    return parsed


def _check(u: PrinterUrl, url: str) -> None:
    if u.scheme == "usb":
        _usb_ids(u, url)
    elif u.scheme in ("serial", "file", "png") and not u.target:
        raise PrinterUrlError(f"printer URL {url!r} needs a path after {u.scheme}://")
    elif u.scheme == "tcp":
        _host_port(u, url)
    if u.is_simulated:
        _sim_params(u, url)
    if u.scheme == "png" and not u.params.get("keep", "0").isdigit():
        raise PrinterUrlError(
            f"printer URL {url!r}: keep= takes a number of jobs, e.g. png://var/printer?keep=500"
        )
    if u.scheme == "serial" and "baudrate" in u.params and not u.params["baudrate"].isdigit():
        raise PrinterUrlError(f"printer URL {url!r}: baudrate must be a number such as 9600 or 38400")


def _usb_ids(u: PrinterUrl, url: str) -> tuple[int, int]:
    vid, _, pid = u.target.partition(":")
    try:
        return int(vid, 16), int(pid, 16)
    except ValueError as err:
        raise PrinterUrlError(
            f"printer URL {url!r}: write usb://VID:PID in hex, e.g. usb://04b8:0202 (see `lsusb`)"
        ) from err


def _host_port(u: PrinterUrl, url: str) -> tuple[str, int]:
    host, _, port = u.target.rpartition(":") if ":" in u.target else (u.target, "", "9100")
    if not host or not port.isdigit():
        raise PrinterUrlError(f"printer URL {url!r}: write tcp://HOST:PORT, e.g. tcp://192.0.2.50:9100")
    return host, int(port)


def _sim_params(u: PrinterUrl, url: str) -> tuple[PrinterState, SimFault]:
    try:
        return PrinterState(u.params.get("status", "ready")), SimFault(u.params.get("fail", "none"))
    except ValueError as err:
        raise PrinterUrlError(
            f"printer URL {url!r}: status= takes {', '.join(PrinterState)}; fail= takes {', '.join(SimFault)}"
        ) from err


def open_transport(url: str, *, timeout_s: float) -> Transport:
    """The transport for a URL (not connected yet: the printer connects on first use)."""
    u = parse_url(url)
    p = u.params
    if u.scheme == "usb":
        vid, pid = _usb_ids(u, url)
        return UsbTransport(
            vid,
            pid,
            in_ep=int(p.get("in_ep", "0x82"), 0),
            out_ep=int(p.get("out_ep", "0x01"), 0),
            timeout_s=timeout_s,
        )
    if u.scheme == "serial":
        return SerialTransport(
            u.target,
            baudrate=int(p.get("baudrate", "9600")),
            write_timeout_s=timeout_s,
            rtscts=p.get("rtscts", "0") in ("1", "true"),
            xonxoff=p.get("xonxoff", "0") in ("1", "true"),
        )
    if u.scheme == "tcp":
        host, port = _host_port(u, url)
        return TcpTransport(host, port, connect_timeout_s=min(timeout_s, 5.0), write_timeout_s=timeout_s)
    if u.scheme == "file":
        return FileTransport(u.target, write_timeout_s=timeout_s)
    state, fault = _sim_params(u, url)
    if u.scheme == "dummy":
        return DummyTransport(state, fault)
    return PngTransport(resolve_path(Path(u.target)), state, fault, keep_jobs=int(p.get("keep", "1000")))
