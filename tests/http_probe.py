"""Raw-socket HTTP for the guard tests: push a huge body and catch the early answer, read RSS.

`requests` sends the whole body before it looks for an answer, and a server that refuses early
and closes may reset the connection under it. This client watches for the answer while it sends,
stops pushing as soon as one arrives, and reports how much of the body went out.
"""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MB = 1024 * 1024


@dataclass
class Pushed:
    """What came back from a pushed body."""

    status: int
    headers: dict[str, str]
    body: Any
    sent_bytes: int


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """`total` bytes of a JSON-looking body, `size` at a time (a generator: never all in memory)."""
    block = b"9" * size
    sent = 0
    while sent < total:
        piece = block[: min(size, total - sent)]
        sent += len(piece)
        yield piece


def push(
    port: int,
    path: str,
    body: Iterator[bytes],
    content_length: int | None,
    headers: dict[str, str] | None = None,
    timeout_s: float = 60.0,
) -> Pushed:
    """POST `body` (chunked when `content_length` is None) until the server answers."""
    head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Content-Type: application/json"]
    head.append(
        "Transfer-Encoding: chunked" if content_length is None else f"Content-Length: {content_length}"
    )
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    deadline = time.monotonic() + timeout_s
    sent = 0
    reply = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        pending = b""
        for piece in body:
            pending = (b"%x\r\n" % len(piece) + piece + b"\r\n") if content_length is None else piece
            while pending:
                if time.monotonic() > deadline:
                    raise AssertionError(f"no answer after pushing {sent} bytes")
                readable, writable, _ = select.select([sock], [sock], [], 1.0)
                if readable:
                    break
                if writable:
                    try:
                        n = sock.send(pending)
                    except (BrokenPipeError, ConnectionResetError):
                        break
                    pending = pending[n:]
                    sent += n
            if pending:  # an answer (or a closed socket) stopped the push
                break
        else:
            if content_length is None:
                sock.sendall(b"0\r\n\r\n")
        reply = read_reply(sock, deadline)
    return _parse(reply, sent)


def read_reply(sock: socket.socket, deadline: float) -> bytes:
    """One answer: until its Content-Length body is whole, the server closes, or `deadline`."""
    data = b""
    while time.monotonic() < deadline:
        try:
            piece = sock.recv(65536)
        except ConnectionResetError:
            break
        if not piece:
            break
        data += piece
        head, sep, rest = data.partition(b"\r\n\r\n")
        if sep:
            length = next(
                (
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                None,
            )
            if length is not None and len(rest) >= length:
                break
    return data


def _parse(reply: bytes, sent: int) -> Pushed:
    head, _, rest = reply.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines or not lines[0].startswith("HTTP/1.1 "):
        raise AssertionError(f"no HTTP answer (pushed {sent} bytes): {reply[:200]!r}")
    status = int(lines[0].split()[1])
    headers = {
        k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)
    }
    try:
        body: Any = json.loads(rest) if rest else None
    except ValueError:
        body = rest
    return Pushed(status, headers, body, sent)


def rss_bytes(pid: int) -> int:
    """Resident memory of a process (VmRSS in /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for process {pid}")
