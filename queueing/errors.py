"""The one exception the queue's use cases raise; the API turns it into a JSON error body."""

from __future__ import annotations

from typing import Any


class QueueError(Exception):
    """A request the queue cannot honour: machine code, HTTP status, clear text, extra fields."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The JSON error body: {"error", "message", ...extra}."""
        return {"error": self.code, "message": self.message, **self.extra}
