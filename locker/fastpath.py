"""`POST /api/v1/pickups` answered without FastAPI's per-request machinery.

Profiled with 8 kiosks collecting at once, FastAPI's routing, dependency solving, body parsing
and thread hand-off cost about a third of the daemon's CPU per pickup, all of it on the event
loop that also receives the next pickups. This pure-ASGI layer answers a pickup when the request
is well formed: the kiosk token checked by the same function the route uses
(`locker.api_models.kiosk_id`), the body validated by the same model (`PickupBody`), the same use case
(`Pickups.pickup`), the same answer, and domain errors rendered by the same functions as the
app's handlers (`locker_error_response`, `transition_error_response`).

Anything else (a missing or wrong kiosk token, a body that is not JSON or does not validate,
another content type, a body too big) is handed on untouched, its body replayed, to the
FastAPI route, which stays the documented API and gives the one canonical error answer. So a
request is never refused here for a reason the route would phrase differently.

Priority: the pickup counts as "a pulse being prepared" (`FrameFirst`) from the moment its
request is read, not only once its worker thread starts, so bookkeeping of earlier pickups
(door watch, outcome, door events, outbox) steps aside for it from the start.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
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
from locker.api_models import PickupBody, kiosk_id, locker_error_response, transition_error_response
from locker.domain import TransitionError
from locker.errors import LockerError
from locker.service import LockerService

log = logging.getLogger(__name__)

PICKUP_PATH = "/api/v1/pickups"
#: Pickups at once (each holds a thread while its door is watched, up to `doors.watch_s`).
PICKUP_THREADS = 32


class PickupFastPathStats(FastPathCounts):
    """How many pickups were answered here and how many were handed on (health, tests)."""


class PickupFastPath:
    """ASGI middleware: well-formed kiosk pickups straight to `Pickups.pickup`."""

    def __init__(self, app: ASGIApp, svc: LockerService, stats: PickupFastPathStats | None = None) -> None:
        self.app = app
        self.svc = svc
        self.stats = stats or PickupFastPathStats()
        self._pool = ThreadPoolExecutor(PICKUP_THREADS, thread_name_prefix="locker-pickup")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != PICKUP_PATH:
            await self.app(scope, receive, send)
            return
        call = await claim_json(self.app, scope, receive, send, self._pickup_call, self.stats)
        if call is None:
            return
        ticket = self.svc.cabinet.frames.preparing()  # released by Pickups.pickup, whatever happens
        answer: Answer
        try:
            future = asyncio.get_running_loop().run_in_executor(self._pool, partial(call, ticket=ticket))
        except BaseException:
            ticket.release()  # never started: nothing will release it otherwise
            raise
        try:
            answer = 200, dumps(await future), []
        except LockerError as err:
            answer = rendered(locker_error_response(err))
        except TransitionError as err:
            answer = rendered(transition_error_response(err))
        self.stats.answered += 1
        await send_answer(send, answer)

    def _pickup_call(self, headers: dict[bytes, bytes], body: bytes) -> partial[dict[str, Any]] | None:
        """The use-case call for this request, or None to leave it to the documented route."""
        try:
            kiosk = kiosk_id(
                self.svc.kiosk_token,
                _text(headers.get(b"authorization")),
                _text(headers.get(b"x-kiosk-id")),
            )
            req = PickupBody.model_validate_json(body)
        except (LockerError, ValidationError):
            return None
        return partial(self.svc.pickups.pickup, kiosk, req.code, req.id_number, req.phone_last4)


def _text(value: bytes | None) -> str | None:
    """A header's text as Starlette decodes it (latin-1)."""
    return None if value is None else value.decode("latin-1")
