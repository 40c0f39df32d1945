"""The kiosk's two hot requests answered without FastAPI's per-request machinery.

Every kiosk ticket is `POST /api/v1/tickets` then `POST /api/v1/tickets/{id}/confirm`. Profiled
under 8 concurrent kiosks, FastAPI's routing and dependency solving (route matching over every
route, parameter introspection, ~160 `isinstance` calls per request) cost more CPU than the
SQLite transaction itself. This pure-ASGI layer answers exactly those two requests when they are
well formed (JSON body that validates, a usable Idempotency-Key, kiosk channel): the same use
case, the same body, the same status codes.

Anything else (invalid JSON or fields, a missing key, remote tickets with their rate limits,
other content types) is handed on untouched, with the body replayed, to the FastAPI routes,
which stay the documented API and give the one canonical error answer. Domain errors
(`QueueError`, `StoreError`) are answered here with the same bodies the app's handlers send.

Group commit: the requests whose turn comes in the same event-loop round run in one SQLite
transaction (each in its own savepoint, so one refused request undoes only itself) and are
answered after its single COMMIT: a ticket a kiosk receives is always committed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from pydantic import ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from common.asgi_fast import (
    Answer,
    FastPathCounts,
    claim_json,
    dumps,
    rendered,
    send_answer,
)
from queueing.api_models import (
    ConfirmRequest,
    TicketRequest,
    error_response,
    issued_answer,
    storage_error_response,
)
from queueing.errors import QueueError
from queueing.service import QueueService
from queueing.store import StoreError

log = logging.getLogger(__name__)

ISSUE_PATH = "/api/v1/tickets"
_TICKET_PREFIX = ISSUE_PATH + "/"
_CONFIRM_SUFFIX = "/confirm"
#: Longest Idempotency-Key the documented route accepts (Header(max_length=128)).
MAX_KEY_CHARS = 128


@dataclass
class FastPathStats(FastPathCounts):
    """How many requests the fast path answered and how many it handed on (health, tests)."""

    batches: int = 0  # group commits (several requests in one transaction)
    largest_batch: int = 0


class KioskFastPath:
    """ASGI middleware: issue and confirm of kiosk tickets straight to the use cases."""

    def __init__(self, app: ASGIApp, queue: QueueService, stats: FastPathStats | None = None) -> None:
        self.app = app
        self.queue = queue
        self.stats = stats or FastPathStats()
        self._pending: list[tuple[Callable[[], dict[str, Any]], asyncio.Future[dict[str, Any]]]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        ticket_id: str | None = None
        if path == ISSUE_PATH:
            pass
        elif path.startswith(_TICKET_PREFIX) and path.endswith(_CONFIRM_SUFFIX):
            ticket_id = path[len(_TICKET_PREFIX) : -len(_CONFIRM_SUFFIX)]
            if not ticket_id or "/" in ticket_id:
                await self.app(scope, receive, send)
                return
        else:
            await self.app(scope, receive, send)
            return

        def decide(headers: dict[bytes, bytes], body: bytes) -> Callable[[], dict[str, Any]] | None:
            return self._issue(headers, body) if ticket_id is None else self._confirm(ticket_id, body)

        work = await claim_json(self.app, scope, receive, send, decide, self.stats)
        if work is None:
            return
        try:
            result = await self._in_next_batch(work)
            if ticket_id is None:
                answer = self._issued(result)
            else:
                answer = 200, dumps(result), []
        except QueueError as err:
            answer = rendered(error_response(err))
        except StoreError as err:
            log.error("storage problem on POST %s: %s", path, err)
            answer = rendered(storage_error_response())
        self.stats.answered += 1
        await send_answer(send, answer)

    def _issue(self, headers: dict[bytes, bytes], body: bytes) -> Callable[[], dict[str, Any]] | None:
        """The use-case call of a kiosk ticket, or None to leave the request to the full route."""
        raw_key = headers.get(b"idempotency-key")
        if not raw_key:
            return None
        key = raw_key.decode("latin-1")
        if len(key) > MAX_KEY_CHARS:
            return None
        try:
            req = TicketRequest.model_validate_json(body)
        except ValidationError:
            return None
        if req.channel != "kiosk":
            return None  # remote tickets: rate limits and device cookies live in the route
        return partial(
            self.queue.issue,
            req.service,
            channel=req.channel,
            idempotency_key=key,
            priority=req.priority,
            id_hash=req.id_hash,
            birth_date=req.birth_date,
        )

    @staticmethod
    def _issued(ticket: dict[str, Any]) -> Answer:
        """The answer to an issue: 201 for a new ticket, 200 for a replayed key."""
        status, answer = issued_answer(ticket)
        return status, dumps(answer), []

    def _confirm(self, ticket_id: str, body: bytes) -> Callable[[], dict[str, Any]] | None:
        """The use-case call of a confirm, or None to leave the request to the full route."""
        try:
            req = ConfirmRequest.model_validate_json(body)
        except ValidationError:
            return None
        return partial(self.queue.confirm, ticket_id, req.delivery)

    # ------------------------------------------------------------------ group commit

    async def _in_next_batch(self, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Run `work` in the next group commit; its result once that commit is durable.

        Requests whose turn comes in the same event-loop round share one transaction: the first
        schedules the batch at the end of the round (`call_soon`), the others join it.
        """
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[dict[str, Any]] = loop.create_future()
        self._pending.append((work, fut))
        if len(self._pending) == 1:
            loop.call_soon(self._run_batch)
        return await fut

    def _run_batch(self) -> None:
        """One transaction for every waiting request; each answered after the COMMIT."""
        pending, self._pending = self._pending, []
        done: list[tuple[asyncio.Future[dict[str, Any]], dict[str, Any] | None, BaseException | None]] = []
        try:
            with self.queue.store.batch():
                for work, fut in pending:
                    try:
                        done.append((fut, work(), None))
                    except StoreError:
                        raise  # the database failed: the whole batch rolls back
                    except Exception as err:  # noqa: BLE001 - its own savepoint was undone
                        done.append((fut, None, err))
        except Exception as err:  # noqa: BLE001 - nothing of the batch was committed
            for _, fut in pending:
                if not fut.done():
                    fut.set_exception(err)
            return
        self.stats.batches += 1
        self.stats.largest_batch = max(self.stats.largest_batch, len(pending))
        for fut, value, error in done:
            if fut.done():  # the client went away; what it asked for is committed all the same
                continue
            if error is not None:
                fut.set_exception(error)
            else:
                assert value is not None
                fut.set_result(value)
