"""Pieces of a pure-ASGI fast path placed in front of a FastAPI app.

Both services answer their hottest kiosk request without FastAPI's per-request machinery
(route matching over every route, dependency solving, a model round trip): `queueing.fastpath`
for ticket issue/confirm, `locker.fastpath` for pickups. They share these helpers: read the
headers and the body, hand an unusual request on untouched (its body replayed) to the FastAPI
route, which stays the documented API and gives the canonical error answer, and send a JSON
answer with the same bytes Starlette's `JSONResponse` would.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: A bigger kiosk body is surely wrong: left to the full route (which reports it properly).
MAX_FAST_BODY_BYTES = 4096
JSON_HEADERS = [(b"content-type", b"application/json")]

Answer = tuple[int, bytes, list[tuple[bytes, bytes]]]
"""(status, JSON body, extra headers other than content type and length)."""
W = TypeVar("W")


@dataclass
class FastPathCounts:
    """How many requests a fast path answered and how many it handed on (health, tests)."""

    answered: int = 0
    handed_on: int = 0


async def claim_json(
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    decide: Callable[[dict[bytes, bytes], bytes], W | None],
    counts: FastPathCounts,
) -> W | None:
    """Read a JSON request and let `decide(headers, body)` turn it into work for the fast path.

    A request that is not JSON, whose body is too big, or that `decide` declines (None) is handed
    on to `app` untouched, its body replayed, and None is returned: it has been answered there.
    """
    headers = header_map(scope)
    if media_type(headers.get(b"content-type")) != "application/json":
        await app(scope, receive, send)
        return None
    body, ended = await read_body(receive)
    work = decide(headers, body) if ended and len(body) <= MAX_FAST_BODY_BYTES else None
    if work is None:
        counts.handed_on += 1
        await app(scope, replay(body, ended, receive), send)
    return work


def header_map(scope: Scope) -> dict[bytes, bytes]:
    """Request headers by lower-case name (the first of repeated ones, as Starlette does)."""
    out: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        out.setdefault(name, value)
    return out


def media_type(value: bytes | None) -> str:
    """`application/json` from `application/json; charset=utf-8`; "" when absent."""
    return "" if value is None else value.split(b";", 1)[0].strip().lower().decode("latin-1")


async def read_body(receive: Receive) -> tuple[bytes, bool]:
    """The request body read so far, and whether it ended.

    Reading stops early past MAX_FAST_BODY_BYTES (ended=False): the full route reads the rest.
    """
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # client gone: the full route sees the disconnect
            return b"".join(parts), False
        chunk = message.get("body", b"")
        parts.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(parts), True
        if size > MAX_FAST_BODY_BYTES:
            return b"".join(parts), False


def replay(body: bytes, ended: bool, receive: Receive) -> Receive:
    """A receive() that first gives back what was read, then continues with the real one."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": not ended}
        return await receive()

    return again


def dumps(data: dict[str, Any]) -> bytes:
    """The same bytes Starlette's JSONResponse renders."""
    return json.dumps(data, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")).encode()


def rendered(response: Any) -> Answer:
    """A ready JSONResponse as (status, body, extra headers other than type and length)."""
    extra = [(k, v) for k, v in response.raw_headers if k not in (b"content-type", b"content-length")]
    return int(response.status_code), bytes(response.body), extra


async def send_answer(send: Send, answer: Answer) -> None:
    """Send one whole JSON answer."""
    status, payload, extra = answer
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*JSON_HEADERS, (b"content-length", str(len(payload)).encode()), *extra],
        }
    )
    await send({"type": "http.response.body", "body": payload})
