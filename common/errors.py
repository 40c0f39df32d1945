"""The one base class of the services' domain errors (locker, queueing, hub).

A use case raises a `ServiceError` subclass with a stable machine `code`, a `message` that tells a
person what to do, and optional extra fields; `common.api_errors.install_error_handlers` turns
every one of them into the same JSON body, `{"error": code, "message": text, ...extra}`, with its
HTTP `status` and a `Retry-After` header when `retry_after_s` is among the extras. Each service
keeps its own subclasses (the locker's by status, the queue's and the hub's with the status given
at the raise) and its own error-code enum in `contracts/`.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A request a service cannot honour: HTTP `status`, machine `code`, clear `message`, `extra`."""

    status = 400  # subclasses name theirs; `status=` at the raise overrides it

    def __init__(self, code: str, message: str, *, status: int | None = None, **extra: Any) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The JSON error body: {"error", "message", ...extra}."""
        return {"error": self.code, "message": self.message, **self.extra}

    def headers(self) -> dict[str, str]:
        """`Retry-After` when the error says how long to wait."""
        wait = self.extra.get("retry_after_s")
        return {} if wait is None else {"Retry-After": str(wait)}
