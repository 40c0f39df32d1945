"""Shared HTTP plumbing for the service clients: timeouts, JSON, and one exception tree.

Every failure leaves here as a `ServiceError` subclass naming the service and carrying the
service's machine error code, so screens decide on `err.code`, never on HTTP details.
"""

from __future__ import annotations

import logging
from typing import Any

import requests

log = logging.getLogger(__name__)


class ServiceError(Exception):
    """A call to a service failed. `code` is the machine code the screens switch on."""

    def __init__(
        self,
        service: str,
        code: str,
        message: str,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{service}: {code}: {message}")
        self.service = service
        self.code = code
        self.message = message
        self.status = status
        self.extra = extra or {}


class ServiceUnavailable(ServiceError):
    """The service did not answer (refused, timeout, 5xx, garbage): show out-of-service."""


class ApiError(ServiceError):
    """The service answered with an error body `{"error": code, "message": ...}` (4xx)."""


class ServiceClient:
    """Base for JSON-over-HTTP clients: one `requests.Session`, a timeout on every call."""

    service = "service"

    def __init__(
        self,
        base_url: str,
        timeout_s: float = 5.0,
        session: requests.Session | None = None,
        token: str | None = None,
        client_id: str | None = None,
        ca_file: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._session = session or requests.Session()
        # An https:// service whose certificate the center's own CA (or a self-signed pair) made.
        # Given on each call: requests lets $REQUESTS_CA_BUNDLE override a session's `verify`.
        self._verify: bool | str = ca_file or True
        self._token = token
        if client_id:
            # which kiosk is calling, for the services' logs (not a credential)
            self._session.headers["X-Kiosk-Id"] = client_id

    def close(self) -> None:
        """Release pooled connections."""
        self._session.close()

    def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        url = f"{self.base_url}{path}"
        hdrs = dict(headers or {})
        if self._token:
            hdrs["Authorization"] = f"Bearer {self._token}"
        try:
            resp = self._session.request(
                method,
                url,
                json=json,
                headers=hdrs,
                params=params,
                timeout=self.timeout_s,
                verify=self._verify,
            )
        except requests.Timeout as err:
            raise ServiceUnavailable(
                self.service, "timeout", f"no answer from {url} within {self.timeout_s:g} s"
            ) from err
        except requests.RequestException as err:
            raise ServiceUnavailable(self.service, "unreachable", f"cannot reach {url}: {err}") from err
        body: Any
        try:
            body = resp.json() if resp.content else None
        except ValueError:
            body = None
        if resp.status_code >= 500:
            code = body.get("error", "server_error") if isinstance(body, dict) else "server_error"
            raise ServiceUnavailable(
                self.service, str(code), f"{method} {url} -> HTTP {resp.status_code}", resp.status_code
            )
        if resp.status_code >= 400:
            if isinstance(body, dict) and "error" in body:
                extra = {k: v for k, v in body.items() if k not in ("error", "message")}
                if "Retry-After" in resp.headers and "retry_after_s" not in extra:
                    extra["retry_after_s"] = resp.headers["Retry-After"]
                raise ApiError(
                    self.service, str(body["error"]), str(body.get("message", "")), resp.status_code, extra
                )
            raise ApiError(
                self.service,
                f"http_{resp.status_code}",
                f"{method} {url} -> HTTP {resp.status_code}",
                resp.status_code,
            )
        if body is None and resp.content:
            raise ServiceUnavailable(
                self.service, "bad_response", f"{method} {url}: body is not JSON", resp.status_code
            )
        return body

    def health(self) -> dict[str, Any]:
        """GET /api/v1/health; raises ServiceUnavailable when it does not answer."""
        body = self._request("GET", "/api/v1/health")
        if not isinstance(body, dict):
            raise ServiceUnavailable(self.service, "bad_response", "health: expected a JSON object")
        return body
