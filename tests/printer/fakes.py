"""A fake ESC/POS printer on the far end of a pty or a TCP socket, answering DLE EOT."""

from __future__ import annotations

import os
import select
import socket
import threading
import tty
from collections.abc import Callable

from drivers.printer.model import PrinterState
from drivers.printer.status import DLE_EOT, REQ_PRINTED, status_reply


class FakePrinter:
    """Reads what the driver sends; answers each DLE EOT n like a printer in `state` would.

    `state=None` means the printer never answers (unplugged, wrong port, off). `received`
    holds every byte that was not a status request (the jobs).
    """

    def __init__(self, state: PrinterState | None = PrinterState.READY) -> None:
        self.state = state
        self.received = bytearray()
        self.requests: list[bytes] = []
        self.after_job_state: PrinterState | None = None  # switch to this once a job arrived
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _handle(self, chunk: bytes, reply: Callable[[bytes], object]) -> None:
        buf = bytes(chunk)
        # A status request is the last thing the driver writes before waiting for the reply.
        if len(buf) >= 3 and (buf[-3:-1] == DLE_EOT or buf[-3:] == REQ_PRINTED):
            body, req = buf[:-3], buf[-3:]
        else:
            body, req = buf, b""
        if body:
            self.received.extend(body)
            if self.after_job_state is not None and len(self.received) > 64:
                self.state = self.after_job_state
        if req:
            self.requests.append(req)
            if self.state is not None and (answer := status_reply(self.state, req)):
                reply(answer)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


class PtyPrinter(FakePrinter):
    """The printer side of a pty pair; `port` is the path the driver opens."""

    def __init__(self, state: PrinterState | None = PrinterState.READY) -> None:
        super().__init__(state)
        self.master, slave = os.openpty()
        self.port = os.ttyname(slave)
        self._slave = slave  # kept open so the pty does not hang up between opens
        tty.setraw(slave)  # like a printer port: no echo, no line editing (file:// does not set it)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            self._handle(chunk, lambda b: os.write(self.master, b))

    def stop(self) -> None:
        super().stop()
        os.close(self.master)
        os.close(self._slave)


class TcpPrinter(FakePrinter):
    """A raw-port (9100-style) printer on 127.0.0.1; `port` is its TCP port."""

    def __init__(self, state: PrinterState | None = PrinterState.READY) -> None:
        super().__init__(state)
        self.hang_up = threading.Event()  # set: close the current connection at the next idle moment
        self.hung_up = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.05)
        self.port = self._server.getsockname()[1]
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(0.05)
                while not self._stop.is_set():
                    if self.hang_up.is_set():  # like a network printer closing an idle session
                        self.hang_up.clear()
                        self.hung_up.set()
                        break
                    try:
                        chunk = conn.recv(65536)
                    except TimeoutError:
                        continue
                    except OSError:
                        break
                    if not chunk:
                        break
                    self._handle(chunk, conn.sendall)

    def stop(self) -> None:
        super().stop()
        self._server.close()
