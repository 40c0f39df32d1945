"""The one exception the queue's use cases raise; the API turns it into a JSON error body."""

from __future__ import annotations

from typing import Any

from common.errors import ServiceError


class QueueError(ServiceError):
    """A request the queue cannot honour: HTTP status, machine code, clear text, extra fields
    (common.errors; the status comes first, as the queue's use cases raise it)."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(code, message, status=status, **extra)
