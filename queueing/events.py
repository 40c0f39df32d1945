"""Server-sent events for display boards and consoles, with sequence numbers for catch-up.

Events are rows in the database (written in the same transaction as the change), so a board
that reconnects with `?since=SEQ` or `Last-Event-ID` gets exactly what it missed, even across a
server restart. The hub only wakes waiting streams; it holds no events itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio.to_thread

from queueing.store import Store

log = logging.getLogger(__name__)

KEEPALIVE_S = 15.0


class EventHub:
    """Wakes every open event stream when a transaction added events (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self.closed = False

    def notify(self, seq: int) -> None:
        """Called after a commit (from any thread)."""
        with self._lock:
            subs = list(self._subs)
        for loop, ev in subs:
            try:
                loop.call_soon_threadsafe(ev.set)
            except RuntimeError:  # loop already closed: the stream is gone
                pass

    def close(self) -> None:
        """Wake and end all streams (server shutting down)."""
        self.closed = True
        self.notify(0)

    def subscribe(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Event]:
        """Register the calling coroutine's loop."""
        sub = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: tuple[asyncio.AbstractEventLoop, asyncio.Event]) -> None:
        """Forget a stream."""
        with self._lock:
            self._subs.discard(sub)

    @property
    def listeners(self) -> int:
        """How many streams are open."""
        with self._lock:
            return len(self._subs)


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
    since: int,
    is_disconnected: Callable[[], Any],
    now: Callable[[], float] | None = None,
) -> AsyncIterator[str]:
    """Events after `since`, then new ones as they come; a comment every 15 s keeps proxies open."""
    sub = hub.subscribe()
    _, wake = sub
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
