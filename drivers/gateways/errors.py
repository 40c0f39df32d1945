"""Errors of the outside-system gateways; messages name the gateway."""

from __future__ import annotations


class GatewayError(Exception):
    """Sending failed; `permanent` means retrying cannot help (e.g. 4xx: bad number or request)."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class GatewayTimeout(GatewayError):
    """The outside system did not answer within the configured time-out (it may be slow or down)."""
