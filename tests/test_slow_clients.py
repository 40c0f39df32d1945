"""Clients that hold connections: silent, trickling, too many from one address (common.serving).

uvicorn alone keeps a connection that sends nothing, or sends its headers or body a byte at a
time, open for ever; a phone on the LAN could hold the service's connections and file
descriptors without end. Now a request must arrive whole within `request_timeout_s` (408 and
closed) and one address holds at most `max_connections_per_address` connections.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from common.serving import HttpServing, _http_protocol, _Limits, uvicorn_config
from tests.harness import QueueingProcess, free_port, wait_until
from tests.http_probe import MB, read_reply, rss_bytes
from tests.queueing.helpers import make_config

pytestmark = pytest.mark.slow

TIMEOUT_S = 1.0  # the services' request_timeout_s here (the shipped one is 15 s)
HEALTH = b"GET /api/v1/health HTTP/1.1\r\nHost: t\r\n\r\n"


@pytest.fixture(scope="module")
def queue_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QueueingProcess]:
    config = make_config(request_timeout_s=TIMEOUT_S)
    with QueueingProcess(config, tmp_path_factory.mktemp("queue"), free_port()) as srv:
        yield srv


def _connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def _until_closed(conn: socket.socket, trickle: list[bytes] | None = None, limit_s: float = 10) -> bytes:
    """What the server sends until it closes the connection (sending one of `trickle` every 0.2 s
    meanwhile); fails if it is still open after `limit_s`."""
    got, end = b"", time.monotonic() + limit_s
    conn.settimeout(0.2)
    while time.monotonic() < end:
        try:
            data = conn.recv(4096)
        except TimeoutError:
            if trickle:
                conn.sendall(trickle.pop(0))
            continue
        except ConnectionResetError:
            return got
        if not data:
            return got
        got += data
    raise AssertionError(f"still open after {limit_s} s; got {got!r}")


def _answer(conn: socket.socket) -> bytes:
    """One whole answer (`tests.http_probe.read_reply`, ten seconds at most)."""
    conn.settimeout(10)
    return read_reply(conn, time.monotonic() + 10)


def test_a_connection_that_sends_nothing_is_answered_408_and_closed(queue_server: QueueingProcess) -> None:
    started = time.monotonic()
    with _connect(queue_server.port) as conn:
        got = _until_closed(conn)
    assert got.startswith(b"HTTP/1.1 408 "), got
    assert b"did not arrive in time" in got
    assert "Yêu cầu không đến kịp; xin gửi lại.".encode() in got  # Vietnamese first
    assert time.monotonic() - started >= TIMEOUT_S * 0.9


@pytest.mark.parametrize(
    ("first", "trickle"),
    [
        (b"GET /api/v1/health HTTP/1.1\r\n", [b"X-Slow: %d\r\n" % i for i in range(60)]),
        (
            b"POST /api/v1/tickets HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n{",
            [b" " for _ in range(60)],
        ),
    ],
    ids=["headers", "body"],
)
def test_a_request_trickled_byte_by_byte_is_cut(
    queue_server: QueueingProcess, first: bytes, trickle: list[bytes]
) -> None:
    """Sending a little every 0.2 s never completes the request: the connection is closed about
    `request_timeout_s` after it began, whatever keeps coming."""
    started = time.monotonic()
    with _connect(queue_server.port) as conn:
        conn.sendall(first)
        got = _until_closed(conn, trickle)
    assert time.monotonic() - started < TIMEOUT_S + 3
    assert b" 200 " not in got.split(b"\r\n")[0], got
    assert trickle, "the server read the whole trickle: it did not cut the request"


def test_idle_time_between_requests_on_a_kept_alive_connection_is_not_counted(
    queue_server: QueueingProcess,
) -> None:
    """A kiosk's pooled connection waits between requests: only a request on its way is timed."""
    with _connect(queue_server.port) as conn:
        conn.sendall(HEALTH)
        assert _answer(conn).startswith(b"HTTP/1.1 200 ")
        conn.settimeout(TIMEOUT_S * 1.5)
        with pytest.raises(TimeoutError):  # longer than the request timeout: nothing comes
            conn.recv(1)
        conn.sendall(HEALTH)
        assert _answer(conn).startswith(b"HTTP/1.1 200 ")


def test_an_event_stream_outlives_the_request_timeout(queue_server: QueueingProcess) -> None:
    """The app's own time is not limited: a display board's stream stays open."""
    with _connect(queue_server.port) as conn:
        conn.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\n\r\n")
        got = b""
        while b"retry:" not in got:
            got += conn.recv(4096)
        assert got.startswith(b"HTTP/1.1 200 "), got
        conn.settimeout(TIMEOUT_S * 2.5)
        try:
            more = conn.recv(4096)
        except TimeoutError:
            more = b"(quiet)"
        assert more and b"408" not in more, more


def test_a_header_without_end_is_refused_431_with_flat_memory(queue_server: QueueingProcess) -> None:
    """uvicorn's parser keeps a header it has not seen the end of: 100 MB sent grew the process
    by 100 MB. Now the request's line and headers stop at 64 KiB."""
    assert queue_server.proc is not None
    with _connect(queue_server.port) as conn:  # warm: the first answers allocate
        conn.sendall(HEALTH)
        _answer(conn)
    before = rss_bytes(queue_server.proc.pid)
    sent = 0
    with _connect(queue_server.port) as conn:
        conn.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: t\r\nX-Big: ")
        try:
            while sent < 64 * MB:
                conn.sendall(b"a" * MB)
                sent += MB
        except (BrokenPipeError, ConnectionResetError):
            pass
        got = _until_closed(conn)
    assert got.startswith(b"HTTP/1.1 431 "), got
    assert sent < 16 * MB, f"the server read {sent / MB:.0f} MB of one header"
    assert rss_bytes(queue_server.proc.pid) - before < 16 * MB
    with _connect(queue_server.port) as conn:  # a head of 60 KiB is still fine
        conn.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 60 * 1024 + b"\r\n\r\n")
        assert _answer(conn).startswith(b"HTTP/1.1 200 ")


class _AsFromTheLan(_Limits):
    """The limits as if every loopback client were a phone on the LAN (tests reach 127.0.0.1 only)."""

    def admit(self, host: str) -> str | None:
        return super().admit("192.0.2.7" if host == "127.0.0.1" else host)


@pytest.fixture
def tiny_server() -> Iterator[int]:
    """uvicorn with the services' protocol, at most 4 connections per address, a one-line app."""
    import uvicorn

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
            await send({"type": "http.response.body", "body": b"ok"})

    cfg = HttpServing(max_connections_per_address=4, request_timeout_s=30)
    protocol = _http_protocol(cfg)
    lan = type("LanHttp", (protocol,), {"limits": _AsFromTheLan(cfg)})
    port = free_port()
    server = uvicorn.Server(uvicorn_config(app, cfg, "127.0.0.1", port, lifespan="off", http=lan))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, 10, "the test server to start")
    yield port
    server.should_exit = True
    thread.join(10)


def _served(conn: socket.socket) -> bool:
    try:
        conn.sendall(HEALTH)
        return _answer(conn).startswith(b"HTTP/1.1 200 ")
    except ConnectionError:
        return False


def _served_anew(port: int) -> socket.socket | None:
    """A new connection if the server serves it, else None (closed)."""
    conn = _connect(port)
    if _served(conn):
        return conn
    conn.close()
    return None


def test_one_address_holds_at_most_its_connections(tiny_server: int) -> None:
    held = [_connect(tiny_server) for _ in range(4)]
    assert all(_served(c) for c in held)
    extra = _connect(tiny_server)
    assert _until_closed(extra, limit_s=5) == b""  # closed as it opened, nothing answered
    assert all(_served(c) for c in held)  # the four go on
    held.pop().close()
    # the server sees the close a moment later
    again = wait_until(lambda: _served_anew(tiny_server), 5, "a freed place given again")
    for c in [*held, extra, again]:
        c.close()


def test_loopback_and_trusted_proxies_are_not_counted(tmp_path: Path) -> None:
    limits = _Limits(HttpServing(max_connections_per_address=4, trusted_proxies=["10.0.0.0/24"]))
    assert limits.admit("127.0.0.1") is None and limits.admit("::1") is None
    assert [limits.admit("10.0.0.9") for _ in range(10)] == [None] * 10
    assert [limits.admit("192.0.2.7") for _ in range(4)] == ["192.0.2.7"] * 4
    with pytest.raises(OverflowError):
        limits.admit("192.0.2.7")
    assert limits.admit("192.0.2.8") == "192.0.2.8"
    limits.release("192.0.2.7")
    assert limits.admit("192.0.2.7") == "192.0.2.7"
    for _ in range(4):
        limits.release("192.0.2.7")
    limits.release("192.0.2.8")
    assert limits.open == {}
