"""Lock-board simulator: a real serial peer speaking the boards' wire protocol.

In-process (tests, the locker daemon's embedded simulated cabinet)::

    handle = start_simulator("kerong-cu16", boards=2, auto_close_s=5.0)
    bus = open_bus(BusConfig(url=handle.url, protocol="kerong-cu16", boards=handle.boards))
    handle.cabinet.set_door(0, 3, True)          # a person opens door 3 of board 0
    handle.cabinet.inject("no_reply", board=0, count=1)
    handle.unplug(); handle.replug()            # adapter vanishes and returns
    handle.close()

From a shell::

    python -m drivers.lockboard.sim --protocol bu-8a --boards 2 --pty
    python -m drivers.lockboard.sim --protocol modbus-relay --boards 1 --tcp 7001

`.url` is a stable path (a symlink to the current pty slave, so it survives unplug/replug)
or `socket://127.0.0.1:PORT`. Board addresses: Kerong 0..N-1, 8A/BU and Modbus 1..N.
On stdin the CLI accepts: `open B L`, `close B L`, `item B L 0|1`, `fault NAME [B [L]]`,
`clear`, `unplug`, `replug`, `quit`.
"""

from __future__ import annotations

import argparse
import logging
import os
import select
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import tty
from pathlib import Path

from common.cli_exit import fail
from common.clock import Clock
from drivers.lockboard.codec import Request, RequestKind, codec_for
from drivers.lockboard.kerong import CMD_STATUS_ALL_REPLY, status_reply_frame
from drivers.lockboard.sim_cabinet import Fault, SimCabinet
from drivers.lockboard.types import Protocol_

log = logging.getLogger(__name__)

__all__ = ["Fault", "SimCabinet", "SimulatorHandle", "start_simulator", "main"]


def first_board(protocol: Protocol_ | str) -> int:
    """Lowest board address of a protocol (Kerong 0, others 1)."""
    return 0 if Protocol_(protocol) is Protocol_.KERONG_CU16 else 1


class SimulatorHandle:
    """A running simulator: `.url`, `.cabinet`, `.boards`, `unplug()`, `replug()`, `close()`."""

    def __init__(
        self, protocol: Protocol_, cabinet: SimCabinet, *, tcp_port: int | None = None, echo: bool = False
    ) -> None:
        self.protocol = protocol
        self.cabinet = cabinet
        self.boards = list(cabinet.boards)
        self._codec = codec_for(protocol)
        self._tcp_port = tcp_port
        self._echo = echo  # behave like an RS485 adapter that echoes what the host sends
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._plugged = False
        self._master: int | None = None
        self._slave: int | None = None
        self._listener: socket.socket | None = None
        self._client: socket.socket | None = None
        self._pending: list[tuple[float, bytes]] = []  # late replies (due monotonic time, bytes)
        self._rx = bytearray()
        self._dir: Path | None = None
        if tcp_port is None:
            self._dir = Path(tempfile.mkdtemp(prefix="locksim-"))
            self.url = str(self._dir / "ttyLOCKSIM0")
        else:
            self.url = f"socket://127.0.0.1:{tcp_port}"
        cabinet.on_transport_fault = self._transport_fault
        self._plug()
        self._thread = threading.Thread(target=self._serve, name="locksim", daemon=True)
        self._thread.start()

    # ----- adapter presence -----
    def _plug(self) -> None:
        with self._lock:
            if self._plugged:
                return
            if self._tcp_port is None:
                master, slave = os.openpty()
                tty.setraw(slave)
                # never block on a write: the simulator keeps the slave open, so once the bus side
                # has closed its end nobody reads what is written, and a full buffer would hold the
                # write (and the lock that `close` needs) for ever
                os.set_blocking(master, False)
                self._master, self._slave = master, slave
                link = Path(self.url)
                tmp = link.with_suffix(".new")
                tmp.unlink(missing_ok=True)
                tmp.symlink_to(os.ttyname(slave))
                tmp.replace(link)
            else:
                lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                lsock.bind(("127.0.0.1", self._tcp_port))
                lsock.listen(1)
                self._listener = lsock
            self._rx.clear()
            self._pending.clear()
            self._plugged = True

    def _unplug(self) -> None:
        with self._lock:
            if not self._plugged:
                return
            self._plugged = False
            if self._tcp_port is None:
                Path(self.url).unlink(missing_ok=True)
                for fd in (self._master, self._slave):
                    if fd is not None:
                        os.close(fd)
                self._master = self._slave = None
            else:
                for s in (self._client, self._listener):
                    if s is not None:
                        s.close()
                self._client = self._listener = None

    def unplug(self) -> None:
        """The USB adapter vanishes: the bus's reads and writes fail, the path disappears."""
        log.info("simulator: adapter unplugged")
        self._unplug()

    def replug(self) -> None:
        """The adapter comes back at the same URL."""
        log.info("simulator: adapter replugged")
        self._plug()

    def _transport_fault(self, fault: Fault) -> None:
        if fault is Fault.UNPLUG:
            self.unplug()
        elif fault is Fault.REPLUG:
            self.replug()

    def close(self) -> None:
        """Stop serving and remove the pty/port."""
        self._stop.set()
        self._thread.join(timeout=5)
        self._unplug()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> SimulatorHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- serving -----
    def _serve(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                fds: list[int | socket.socket] = []
                if self._master is not None:
                    fds.append(self._master)
                if self._listener is not None:
                    fds.append(self._client if self._client is not None else self._listener)
            if not fds:
                self._stop.wait(0.02)
                continue
            try:
                ready, _, _ = select.select(fds, [], [], self._select_timeout())
            except (OSError, ValueError):
                continue  # closed under us by unplug
            for fd in ready:
                self._receive(fd)
            self._send_due()

    def _select_timeout(self) -> float:
        if not self._pending:
            return 0.05
        return max(0.0, min(0.05, min(t for t, _ in self._pending) - time.monotonic()))

    def _receive(self, fd: int | socket.socket) -> None:
        try:
            if isinstance(fd, socket.socket):
                if fd is self._listener:
                    client, _addr = fd.accept()
                    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    with self._lock:
                        self._client = client
                    return
                data = fd.recv(4096)
                if not data:
                    with self._lock:
                        self._client = None
                    fd.close()
                    return
            else:
                data = os.read(fd, 4096)
        except OSError:
            return  # EIO when the bus side closed its end, or unplugged
        if self._echo:
            self._send(data)
        self._rx += data
        while True:
            parsed = self._codec.parse_request(bytes(self._rx))
            if parsed is None:
                return
            req, used = parsed
            del self._rx[:used]
            if req is not None:
                self._respond(req)

    def _respond(self, req: Request) -> None:
        if req.kind is RequestKind.STATUS_ALL_BOARDS:
            self._respond_all()
            return
        raw = self.cabinet.handle(req.kind, req.board, req.lock, req.value)
        if raw is None:
            return  # no board at that address: silence, like the real bus
        if req.kind is RequestKind.UNLOCK:
            reply = self._codec.unlock_reply(req, raw)
        elif req.kind in (RequestKind.STATUS, RequestKind.STATUS_ONE):
            if req.kind is RequestKind.STATUS_ONE and not 1 <= (req.lock or 0) <= len(raw.lock_bits):
                return
            reply = self._codec.status_reply(req, raw)
        else:
            reply = self._codec.other_reply(req)
        if reply is None:
            return
        plan = self.cabinet.reply_plan(req.board, req.kind)
        if plan.fault is Fault.NO_REPLY:
            return
        if plan.fault is Fault.GARBLED_REPLY:
            reply = reply[:-1] + bytes([reply[-1] ^ 0x5A])
        if plan.fault is Fault.SHORT_REPLY:
            reply = reply[:-2]
        if plan.fault is Fault.LATE_REPLY:
            self._pending.append((time.monotonic() + plan.delay_s, reply))
            return
        self._send(reply)

    def _respond_all(self) -> None:
        """Kerong 0x32: every board answers with its own 0x36 frame, in address order."""
        for raw in self.cabinet.status_all():
            plan = self.cabinet.reply_plan(raw.board, RequestKind.STATUS_ALL_BOARDS)
            if plan.fault is Fault.NO_REPLY:
                continue
            frame = status_reply_frame(raw.board, raw.lock_bits, raw.item_bits or (), CMD_STATUS_ALL_REPLY)
            if plan.fault is Fault.GARBLED_REPLY:
                frame = frame[:-1] + bytes([frame[-1] ^ 0x5A])
            if plan.fault is Fault.LATE_REPLY:
                self._pending.append((time.monotonic() + plan.delay_s, frame))
                continue
            self._send(frame)

    def _send_due(self) -> None:
        now = time.monotonic()
        due = [p for p in self._pending if p[0] <= now]
        self._pending = [p for p in self._pending if p[0] > now]
        for _t, data in due:
            self._send(data)

    def _send(self, data: bytes) -> None:
        with self._lock:
            try:
                if self._master is not None:
                    view = memoryview(data)
                    while view:  # a full buffer raises BlockingIOError: the rest is lost, as on a line
                        view = view[os.write(self._master, view) :]
                elif self._client is not None:
                    self._client.sendall(data)
            except OSError as err:
                log.debug("simulator: send failed: %s", err)


def start_simulator(
    protocol: Protocol_ | str,
    boards: int | list[int] = 1,
    locks_per_board: int = 16,
    *,
    tcp_port: int | None = None,
    auto_close_s: float | None = 5.0,
    closed_bit: int = 1,
    clock: Clock | None = None,
    echo: bool = False,
    has_items: bool | None = None,
) -> SimulatorHandle:
    """Start a simulator on a pty (default) or on 127.0.0.1:`tcp_port`.

    `boards` is a count (addresses from the protocol's first address) or an explicit list.
    Kerong boards have item (IR) sensors; 8A/BU and Modbus boards do not (`has_items` None);
    `has_items=False` simulates Kerong boards without IR sensors. `echo` makes the
    line echo every byte the host sends, like an RS485 adapter without echo suppression.
    """
    proto = Protocol_(protocol)
    addresses = boards if isinstance(boards, list) else [first_board(proto) + i for i in range(boards)]
    cabinet = SimCabinet(
        addresses,
        locks_per_board,
        closed_bit=closed_bit,
        auto_close_s=auto_close_s,
        has_items=proto is Protocol_.KERONG_CU16 and has_items is not False,
        clock=clock,
    )
    return SimulatorHandle(proto, cabinet, tcp_port=tcp_port, echo=echo)


def _command(handle: SimulatorHandle, line: str) -> str:
    words = line.split()
    if not words:
        return ""
    cmd, args = words[0], [int(w) for w in words[1:] if w.lstrip("-").isdigit()]
    cab = handle.cabinet
    if cmd in ("open", "close") and len(args) == 2:
        cab.set_door(args[0], args[1], cmd == "open")
    elif cmd == "item" and len(args) == 3:
        cab.set_item(args[0], args[1], bool(args[2]))
    elif cmd == "fault" and len(words) >= 2:
        cab.inject(words[1], *args[:2])
    elif cmd == "clear":
        cab.clear()
    elif cmd in ("unplug", "replug"):
        getattr(handle, cmd)()
    else:
        return (
            "commands: open B L | close B L | item B L 0|1 | fault NAME [B [L]]"
            " | clear | unplug | replug | quit"
        )
    return "ok"


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Command line: run a simulator until Ctrl-C (or `quit` on stdin)."""
    parser = argparse.ArgumentParser(
        prog="python -m drivers.lockboard.sim", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--protocol", required=True, choices=[p.value for p in Protocol_])
    parser.add_argument("--boards", type=int, default=1, help="number of boards (default 1)")
    parser.add_argument("--locks-per-board", type=int, default=16)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--pty", action="store_true", help="serve on a pty (default)")
    where.add_argument("--tcp", type=int, metavar="PORT", help="serve on 127.0.0.1:PORT")
    parser.add_argument(
        "--auto-close-s", type=float, default=5.0, help="person closes a door after S s; <0: never"
    )
    parser.add_argument("--closed-bit", type=int, choices=[0, 1], default=1)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    try:
        handle = start_simulator(
            args.protocol,
            args.boards,
            args.locks_per_board,
            tcp_port=args.tcp,
            auto_close_s=None if args.auto_close_s < 0 else args.auto_close_s,
            closed_bit=args.closed_bit,
        )
    except (OSError, ValueError) as err:
        return fail("simulator", f"cannot start: {err}")
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)  # clean up the pty link on `kill` too
    print(handle.url, flush=True)  # after the handler: a `kill` as soon as the path is read still cleans up
    try:
        for line in sys.stdin:
            if line.strip() == "quit":
                break
            try:
                reply = _command(handle, line)
            except ValueError as err:
                reply = f"error: {err}"
            if reply:
                print(reply, flush=True)
        else:
            threading.Event().wait()  # stdin closed (run in background): serve until killed
    except KeyboardInterrupt:
        pass
    finally:
        handle.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
