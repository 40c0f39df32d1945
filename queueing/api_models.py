"""The JSON error answers (`QueueError` bodies, the storage 503) and the issue answer's status.

The request and answer bodies themselves are the contract in `contracts.queueing`
(request bodies re-exported here for the routes).
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from contracts.queueing_counter import CallNumberRequest, SignInRequest, TransferRequest
from contracts.queueing_tickets import ConfirmRequest, RatingRequest, TicketRequest, VoidRequest
from queueing.issuing import Issued
from queueing.store import StoreError

__all__ = [
    "CallNumberRequest",
    "ConfirmRequest",
    "RatingRequest",
    "SignInRequest",
    "TicketRequest",
    "TransferRequest",
    "VoidRequest",
    "issued_answer",
    "storage_error_response",
]


def storage_error_response(err: StoreError | None = None) -> JSONResponse:
    """The 503 answer when the queue database cannot be used (the cause goes to the log):
    busy (locked by another program, with Retry-After), failed (files deleted), or unavailable."""
    kind = err if err is not None else StoreError("")
    headers = {} if kind.retry_after_s is None else {"Retry-After": str(kind.retry_after_s)}
    return JSONResponse(
        {"error": kind.code, "message": kind.public_message}, status_code=503, headers=headers
    )


def issued_answer(ticket: Issued) -> tuple[int, dict[str, Any]]:
    """An issued ticket as answered: 201 if new, 200 for a replayed key.

    Its status_url comes from `public_base_url` alone (queueing.app.with_public_base_url), never
    from the request's Host header.
    """
    return (200 if ticket.replayed else 201), ticket.model_dump(mode="json")
