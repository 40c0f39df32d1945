"""The kiosk does not cry wolf: health polls, keep-alive and the grace before "down".

A real HTTP/1.1 server on 127.0.0.1 keeps connections alive and drops one that was idle for its
keep-alive timeout exactly when the next request arrives on it (the worst case of the race
between uvicorn's 5 s keep-alive and a 5 s poll). Time is a ManualClock shared by the server
and the monitor, so 30 minutes pass in a second.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from common.clock import ManualClock
from kiosk.clients.base import ServiceClient, ServiceUnavailable
from kiosk.health import HealthMonitor
from tests.kiosk.fakes import InlineWorker


class KeepAliveServer:
    """HTTP/1.1 with keep-alive; a connection idle for `keepalive_s` (on `clock`) is closed,
    without an answer, by the request that finds it so. Counts what happened."""

    def __init__(self, clock: ManualClock, keepalive_s: float = 5.0) -> None:
        self.clock = clock
        self.keepalive_s = keepalive_s
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections = 0
        self.dropped = 0
        self.answered: list[str] = []
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._accept = threading.Thread(target=self._serve, daemon=True)
        self._accept.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            t = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            t.start()
            self._threads.append(t)

    def _handle(self, conn: socket.socket) -> None:
        buf = b""
        last: float | None = None
        with conn:
            conn.settimeout(10)
            while True:
                try:
                    while b"\r\n\r\n" not in buf:
                        chunk = conn.recv(65536)
                        if not chunk:
                            return
                        buf += chunk
                except OSError:
                    return
                head, _, buf = buf.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
                length = int(headers.get("content-length", "0"))
                while len(buf) < length:
                    buf += conn.recv(65536)
                buf = buf[length:]
                now = self.clock.monotonic()
                if last is not None and now - last >= self.keepalive_s:
                    self.dropped += 1  # the keep-alive timer fired as the request came in
                    return
                last = now
                method, path, _ = lines[0].split(" ", 2)
                self.answered.append(f"{method} {path}")
                body = json.dumps({"status": "ok"}).encode()
                close = headers.get("connection", "").lower() == "close"
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(body)}\r\n".encode()
                    + (b"Connection: close\r\n" if close else b"")
                    + b"\r\n"
                    + body
                )
                if close:
                    return

    def close(self) -> None:
        self._stop.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes accept() and stops listening
        except OSError:
            pass
        self.sock.close()
        for t in self._threads:
            t.join(5)


class Svc(ServiceClient):
    """A client of the test server."""

    service = "queueing"

    def services(self) -> Any:
        return self._request("GET", "/api/v1/services")

    def ticket(self) -> Any:
        return self._request("POST", "/api/v1/tickets", json={}, headers={"Idempotency-Key": "k1"})

    def confirm(self) -> Any:
        return self._request("POST", "/api/v1/tickets/1/confirm", json={})


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def server(clock: ManualClock) -> Iterator[KeepAliveServer]:
    s = KeepAliveServer(clock, keepalive_s=5.0)
    yield s
    s.close()


def _monitor(client: Svc, clock: ManualClock, flips: list[tuple[str, bool]]) -> HealthMonitor:
    return HealthMonitor(
        {"queueing": client},
        InlineWorker(),
        lambda name, up: flips.append((name, up)),
        clock=clock,
        down_after_failures=3,
        down_after_s=15.0,
    )


def test_thirty_minutes_of_polls_against_dropped_keepalives_never_flip(server, clock) -> None:
    client = Svc(server.url, timeout_s=5)
    flips: list[tuple[str, bool]] = []
    monitor = _monitor(client, clock, flips)
    failed_calls = 0
    polls = 0
    for i in range(30 * 60 // 5):  # a poll every 5 s, the default health_poll_s
        monitor.poll()
        polls += 1
        if i % 12 == 3:  # about once a minute a citizen flow calls the service
            clock.advance(1)
            try:
                client.services()
                client.ticket()
                client.confirm()
            except ServiceUnavailable as err:
                failed_calls += 1
                monitor.report("queueing", False, str(err))
            clock.advance(4)
        else:
            clock.advance(5)
    client.close()
    assert flips == []
    assert failed_calls == 0
    assert monitor.is_up("queueing")
    assert server.answered.count("GET /api/v1/health") == polls
    # the collision really happened, on the citizen calls' pooled connection, and was absorbed
    assert server.dropped >= 20


def test_three_real_failures_over_fifteen_seconds_mean_down_with_the_reason(server, clock, caplog) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.health")
    client = Svc(server.url, timeout_s=2)
    flips: list[tuple[str, bool]] = []
    monitor = _monitor(client, clock, flips)
    monitor.poll()
    assert monitor.is_up("queueing") and flips == []
    server.close()  # the service stops: connections refused from now on
    for n in (1, 2):
        clock.advance(5)
        monitor.poll()
        assert monitor.is_up("queueing"), f"down after {n} failed poll(s)"
        assert f"failed ({n} of 3" in caplog.text
    clock.advance(5)
    monitor.poll()
    assert flips == [("queueing", False)]
    assert not monitor.is_up("queueing")
    change = [r for r in caplog.records if "up -> down" in r.getMessage()]
    assert len(change) == 1 and change[0].levelno == logging.WARNING
    text = change[0].getMessage()
    assert "3 polls failed in a row" in text and "unreachable" in text and "refused" in text.lower()
    client.close()


def test_a_single_lost_poll_is_forgiven_and_a_failed_citizen_call_counts_at_once(clock) -> None:
    class Flaky:
        fail = 0

        def health(self) -> dict[str, Any]:
            if self.fail:
                self.fail -= 1
                raise ServiceUnavailable("locker", "unreachable", "connection reset by peer")
            return {"status": "ok"}

    target = Flaky()
    flips: list[tuple[str, bool]] = []
    monitor = HealthMonitor({"locker": target}, InlineWorker(), lambda *c: flips.append(c), clock=clock)
    monitor.poll()
    for _ in range(100):
        target.fail = 2  # two bad polls, then good again: never three in a row
        for _ in range(3):
            clock.advance(5)
            monitor.poll()
    assert flips == []
    # three failures inside 15 s (polls every 2 s) are not enough either: the grace is in time too
    target.fail = 3
    for _ in range(3):
        clock.advance(2)
        monitor.poll()
    assert flips == []
    monitor.report("locker", False, "a pickup call failed: unreachable")
    assert flips == [("locker", False)]
    clock.advance(5)
    monitor.poll()  # the service answers: up again at the first good answer
    assert flips == [("locker", False), ("locker", True)]


def test_a_service_never_heard_from_is_down_on_its_first_failure(clock) -> None:
    class Dead:
        def health(self) -> dict[str, Any]:
            raise ServiceUnavailable("locker", "unreachable", "refused")

    flips: list[tuple[str, bool]] = []
    monitor = HealthMonitor({"locker": Dead()}, InlineWorker(), lambda *c: flips.append(c), clock=clock)
    assert monitor.is_up("locker")  # unknown counts as up until the first answer
    monitor.poll()
    assert flips == [("locker", False)]


def test_calls_that_may_not_be_repeated_always_use_a_new_connection(server, clock) -> None:
    client = Svc(server.url, timeout_s=5)
    client.services()
    first = server.connections
    client.confirm()  # POST without an idempotency key
    assert server.connections == first + 1
    clock.advance(6)  # the pooled connection is now past the server's keep-alive
    client.confirm()
    assert server.dropped == 0  # never sent on the stale connection
    client.services()  # idempotent: pooled, lost, retried once on a new connection
    assert server.dropped == 1 and server.answered[-1] == "GET /api/v1/services"
    client.close()
