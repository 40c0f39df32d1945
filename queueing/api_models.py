"""What goes over the wire besides the answers: request bodies (pydantic models, which also
document the API) and the JSON error answers (`QueueError` bodies, the storage 503).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from queueing.errors import QueueError
from queueing.store import StoreError


class TicketRequest(BaseModel):
    """POST /api/v1/tickets. `priority`, `id_hash` and `birth_date` are kiosk-only fields."""

    model_config = ConfigDict(extra="ignore")
    service: str = Field(min_length=1, max_length=32)
    priority: str | None = Field(default=None, max_length=32)
    id_hash: str | None = Field(default=None, max_length=128)
    birth_date: date | None = None
    channel: Literal["kiosk", "remote"] = "kiosk"


class ConfirmRequest(BaseModel):
    """POST /api/v1/tickets/{id}/confirm."""

    model_config = ConfigDict(extra="ignore")
    delivery: Literal["printed", "screen"]


class VoidRequest(BaseModel):
    """POST /api/v1/tickets/{id}/void (body optional)."""

    model_config = ConfigDict(extra="ignore")
    reason: str = Field(default="kiosk", max_length=64)


class RatingRequest(BaseModel):
    """POST /api/v1/tickets/{id}/rating."""

    model_config = ConfigDict(extra="ignore")
    score: int = Field(ge=1, le=5)


class SignInRequest(BaseModel):
    """POST /api/v1/counter/sessions."""

    model_config = ConfigDict(extra="ignore")
    staff_id: str = Field(min_length=1, max_length=32)
    pin: str = Field(min_length=1, max_length=32)
    counter: int | None = Field(default=None, ge=1, le=99)
    take_over: bool = False  # a supervisor takes over a counter someone else is signed in to


class TransferRequest(BaseModel):
    """POST /api/v1/counter/transfer."""

    model_config = ConfigDict(extra="ignore")
    service: str = Field(min_length=1, max_length=32)


class CallNumberRequest(BaseModel):
    """POST /api/v1/counter/call."""

    model_config = ConfigDict(extra="ignore")
    number: str = Field(min_length=2, max_length=8)


class PauseRequest(BaseModel):
    """POST /api/v1/counter/pause."""

    model_config = ConfigDict(extra="ignore")
    paused: bool


def storage_error_response(err: StoreError | None = None) -> JSONResponse:
    """The 503 answer when the queue database cannot be used (the cause goes to the log):
    busy (locked by another program, with Retry-After), failed (files deleted), or unavailable."""
    kind = err if err is not None else StoreError("")
    headers = {} if kind.retry_after_s is None else {"Retry-After": str(kind.retry_after_s)}
    return JSONResponse(
        {"error": kind.code, "message": kind.public_message}, status_code=503, headers=headers
    )


def error_response(err: QueueError) -> JSONResponse:
    """A QueueError as its JSON body (with Retry-After when it says how long)."""
    headers = {}
    if "retry_after_s" in err.extra:
        headers["Retry-After"] = str(err.extra["retry_after_s"])
    return JSONResponse(err.body(), status_code=err.status, headers=headers)


def issued_answer(ticket: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """An issued ticket as answered: 201 if new, 200 for a replayed key.

    Its status_url comes from `public_base_url` alone (queueing.app.with_public_base_url), never
    from the request's Host header.
    """
    return (200 if ticket.pop("replayed", False) else 201), ticket
