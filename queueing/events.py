"""Server-sent events for display boards and consoles, with sequence numbers for catch-up.

Events are rows in the database (written in the same transaction as the change), so a board
that reconnects with `?since=SEQ` or `Last-Event-ID` gets exactly what it missed, even across a
server restart. The hub only wakes waiting streams; it holds no events itself.

Every open stream holds a socket, a task and a subscription, so the hub admits a bounded number:
per client address and in all (`[queueing] events_max_streams_per_client`, `..._total`); more
are refused with 503 `too_many_streams` and Retry-After. A stream ends when its client goes away
(Starlette cancels it on the disconnect; the keep-alive finds a silent one) and always gives its
subscription back.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio.to_thread
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from queueing.errors import QueueError
from queueing.store import Store

log = logging.getLogger(__name__)

KEEPALIVE_S = 15.0


#: A refused stream is told to come back after this many seconds (Retry-After).
REFUSED_RETRY_AFTER_S = 10
#: At most one log line per this many seconds about refused streams (with the count since).
REFUSAL_LOG_EVERY_S = 60.0


class Subscription:
    """One open event stream: the loop and event that wake it, and the client address it counts
    against."""

    __slots__ = ("loop", "wake", "client")

    def __init__(self, loop: asyncio.AbstractEventLoop, client: str) -> None:
        self.loop = loop
        self.wake = asyncio.Event()
        self.client = client


class EventHub:
    """Wakes every open event stream when a transaction added events (thread-safe), and admits
    at most `max_per_client` streams per client address and `max_total` in all."""

    def __init__(
        self,
        max_per_client: int = 8,
        max_total: int = 200,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_per_client = max_per_client
        self.max_total = max_total
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._subs: set[Subscription] = set()
        self._per_client: dict[str, int] = {}
        self._refused_unlogged = 0
        self._last_refusal_log = float("-inf")
        self.refused = 0  # streams refused since start (health, tests)
        self.closed = False

    def notify(self, seq: int) -> None:
        """Called after a commit (from any thread)."""
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            try:
                sub.loop.call_soon_threadsafe(sub.wake.set)
            except RuntimeError:  # loop already closed: the stream is gone
                pass

    def close(self) -> None:
        """Wake and end all streams (server shutting down)."""
        self.closed = True
        self.notify(0)

    def subscribe(self, client: str = "") -> Subscription:
        """Register a stream of `client` (its address) on the calling coroutine's loop.

        Raises QueueError 503 `too_many_streams` (with Retry-After) past either limit; refusals
        are logged at most once a minute, with their count.
        """
        sub = Subscription(asyncio.get_running_loop(), client)
        with self._lock:
            from_client = self._per_client.get(client, 0)
            if from_client >= self.max_per_client or len(self._subs) >= self.max_total:
                self._refuse(client, from_client)
            self._subs.add(sub)
            self._per_client[client] = from_client + 1
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Forget a stream (a second call does nothing)."""
        with self._lock:
            if sub not in self._subs:
                return
            self._subs.discard(sub)
            left = self._per_client.get(sub.client, 1) - 1
            if left > 0:
                self._per_client[sub.client] = left
            else:
                self._per_client.pop(sub.client, None)

    @property
    def listeners(self) -> int:
        """How many streams are open."""
        with self._lock:
            return len(self._subs)

    def _refuse(self, client: str, from_client: int) -> None:
        """Count, maybe log, and raise the refusal (called with the lock held)."""
        self.refused += 1
        self._refused_unlogged += 1
        now = self._monotonic()
        if now - self._last_refusal_log >= REFUSAL_LOG_EVERY_S:
            since = now - self._last_refusal_log
            log.warning(
                "refused %d event stream(s) %s (latest from %s: %d open from it, "
                "%d in all; limits %d per client address, %d in all: "
                "[queueing] events_max_streams_per_client / events_max_streams_total)",
                self._refused_unlogged,
                f"in the last {since:.0f} s" if since != float("inf") else "since start",
                client or "?",
                from_client,
                len(self._subs),
                self.max_per_client,
                self.max_total,
            )
            self._refused_unlogged = 0
            self._last_refusal_log = now
        per_client = from_client >= self.max_per_client
        raise QueueError(
            503,
            "too_many_streams",
            (
                f"Quá nhiều kết nối sự kiện từ máy này ({self.max_per_client}); hãy đóng bớt các "
                "trang bảng hiển thị/quầy đang mở. / Too many event streams from this address "
                f"({self.max_per_client}); close other display or counter pages."
            )
            if per_client
            else (
                "Máy chủ đang có quá nhiều kết nối sự kiện; xin thử lại sau. / "
                f"The server has its most event streams open ({self.max_total}); try again later."
            ),
            retry_after_s=REFUSED_RETRY_AFTER_S,
        )


class EventStreamResponse(StreamingResponse):
    """A streaming answer that gives its hub subscription back however it ends (client gone,
    cancelled before the first byte, server shutting down)."""

    def __init__(self, content: AsyncIterator[str], hub: EventHub, sub: Subscription) -> None:
        super().__init__(
            content,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )
        self._hub = hub
        self._sub = sub

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._hub.unsubscribe(self._sub)


def format_sse(event: dict[str, Any], now: float | None = None) -> str:
    """One SSE frame: id (the sequence number), event (its kind) and JSON data.

    `age_s` (by the server's clock) lets a board tell a live call from a replayed one without
    trusting its own clock.
    """
    payload = {"seq": event["seq"], "at": event["at"], **event["data"]}
    if now is not None:
        payload["age_s"] = round(max(0.0, now - event["at"]), 1)
    return f"id: {event['seq']}\nevent: {event['kind']}\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n"


async def stream(
    store: Store,
    hub: EventHub,
    sub: Subscription,
    since: int,
    is_disconnected: Callable[[], Any],
    now: Callable[[], float] | None = None,
) -> AsyncIterator[str]:
    """Events after `since`, then new ones as they come; a comment every 15 s keeps proxies open
    (and finds a client that left without a word). Ends with the subscription given back."""
    wake = sub.wake
    last = since
    try:
        yield "retry: 1000\n\n"
        while not hub.closed:
            wake.clear()
            batch = await anyio.to_thread.run_sync(store.events_since, last)
            for event in batch:
                last = event["seq"]
                yield format_sse(event, now() if now else None)
            if batch:
                continue
            try:
                await asyncio.wait_for(wake.wait(), KEEPALIVE_S)
            except TimeoutError:
                if await is_disconnected():
                    break
                yield ": keepalive\n\n"
    finally:
        hub.unsubscribe(sub)
