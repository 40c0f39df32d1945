"""Shared HTTP plumbing for the service clients: timeouts, JSON, and one exception tree.

Every failure leaves here as a `ServiceError` subclass naming the service and carrying the
service's machine error code, so screens decide on `err.code`, never on HTTP details.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, TypeVar

import requests
from pydantic import BaseModel, TypeAdapter, ValidationError

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


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


IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def _may_resend(method: str, headers: dict[str, str]) -> bool:
    """Whether a call may be sent twice: idempotent methods, or an idempotency key the server keeps."""
    return method.upper() in IDEMPOTENT_METHODS or any(k.lower() == "idempotency-key" for k in headers)


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
        fresh: bool = False,
        raw: bool = False,
    ) -> Any:
        """One call; `fresh` sends it on a new connection closed afterwards (health polls); `raw`
        answers the body's bytes on success (an image), errors being JSON as for every call.

        A kept-alive connection can be closed by the server (its idle timeout) just as a request
        goes out on it; the request then never reached the application. Calls that are safe to
        repeat (idempotent methods, or an idempotency key) use the pool and are sent once more on
        a new connection after such a loss; calls that are not (a pickup, a deposit) always go on a
        new connection, so they never meet a connection the server is closing.
        """
        url = f"{self.base_url}{path}"
        hdrs = dict(headers or {})
        if self._token:
            hdrs["Authorization"] = f"Bearer {self._token}"
        fresh = fresh or not _may_resend(method, hdrs)
        try:
            resp = self._send(method, url, json, hdrs, params, fresh)
        except requests.Timeout as err:
            raise ServiceUnavailable(
                self.service, "timeout", f"no answer from {url} within {self.timeout_s:g} s"
            ) from err
        except requests.ConnectionError as err:
            if fresh:
                raise ServiceUnavailable(self.service, "unreachable", f"cannot reach {url}: {err}") from err
            log.info("%s %s: connection lost (%s); retrying once on a new connection", method, url, err)
            try:
                resp = self._send(method, url, json, hdrs, params, fresh=True)
            except requests.Timeout as err2:
                raise ServiceUnavailable(
                    self.service, "timeout", f"no answer from {url} within {self.timeout_s:g} s"
                ) from err2
            except requests.RequestException as err2:
                raise ServiceUnavailable(
                    self.service, "unreachable", f"cannot reach {url} (tried twice): {err2}"
                ) from err2
        except requests.RequestException as err:
            raise ServiceUnavailable(self.service, "unreachable", f"cannot reach {url}: {err}") from err
        body: Any
        try:
            body = resp.json() if resp.content and not (raw and resp.status_code < 400) else None
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
        if raw:
            return resp.content
        if body is None and resp.content:
            raise ServiceUnavailable(
                self.service, "bad_response", f"{method} {url}: body is not JSON", resp.status_code
            )
        return body

    def _parse(self, model: type[M], body: Any, what: str) -> M:
        """`body` as the contract's `model`; an answer that does not match it is ServiceUnavailable
        `bad_response` naming the first field that does not (the service and kiosk disagree)."""
        try:
            return model.model_validate(body)
        except ValidationError as err:
            raise self._mismatch(what, err) from err

    def _parse_list(self, model: type[M], body: Any, what: str) -> list[M]:
        """`body` as a JSON list of the contract's `model`."""
        try:
            return TypeAdapter(list[model]).validate_python(body)  # type: ignore[valid-type]
        except ValidationError as err:
            raise self._mismatch(what, err) from err

    def _mismatch(self, what: str, err: ValidationError) -> ServiceUnavailable:
        first = err.errors()[0] if err.errors() else {"loc": (), "msg": "invalid"}
        where = ".".join(str(p) for p in first["loc"]) or "body"
        return ServiceUnavailable(
            self.service,
            "bad_response",
            f"{what}: the answer does not match the contract ({where}: {first['msg']}); "
            f"update the kiosk or the {self.service} service so both speak the same version",
        )

    def _send(
        self,
        method: str,
        url: str,
        json: Any,
        headers: dict[str, str],
        params: dict[str, Any] | None,
        fresh: bool,
    ) -> requests.Response:
        if not fresh:
            return self._session.request(
                method,
                url,
                json=json,
                headers=headers,
                params=params,
                timeout=self.timeout_s,
                verify=self._verify,
            )
        # A session of its own: a pooled connection is never reused, whatever its age.
        with requests.Session() as one_off:
            one_off.headers.update(self._session.headers)
            return one_off.request(
                method,
                url,
                json=json,
                headers={**headers, "Connection": "close"},
                params=params,
                timeout=self.timeout_s,
                verify=self._verify,
            )

    def health(self) -> dict[str, Any]:
        """GET /api/v1/health on a new connection; raises ServiceUnavailable when it does not answer.

        Never on a pooled connection: the poll interval and the server's keep-alive timeout are
        both a few seconds, and a poll sent on a connection the server is closing fails for
        nothing.
        """
        body = self._request("GET", "/api/v1/health", fresh=True)
        if not isinstance(body, dict):
            raise ServiceUnavailable(self.service, "bad_response", "health: expected a JSON object")
        return body


class KioskTokenFile:
    """A service's kiosk token: read from its 0600 file once, read again on demand (rotation)."""

    def __init__(self, service: str, path: Path | None, token: str | None, config_key: str) -> None:
        self.service = service
        self.path = path
        self._token = token
        self._config_key = config_key
        self._lock = threading.Lock()

    def get(self, force: bool = False) -> str:
        """The token; `force` reads the file again (after a 401: the token was rotated)."""
        with self._lock:
            if self._token and not force:
                return self._token
            if self.path is None:
                raise ServiceUnavailable(self.service, "no_kiosk_token", "no kiosk token configured")
            try:
                token = self.path.read_text(encoding="utf-8").strip()
            except OSError as err:
                raise ServiceUnavailable(
                    self.service,
                    "no_kiosk_token",
                    f"cannot read the kiosk token {self.path}: {err}; start the {self.service} service "
                    f"(it creates the file) or fix {self._config_key}",
                ) from err
            if not token:
                raise ServiceUnavailable(
                    self.service, "no_kiosk_token", f"kiosk token file {self.path} is empty"
                )
            self._token = token
            return token


class KioskClient(ServiceClient):
    """A service client that calls as this kiosk, with the token of `token_file` (or `kiosk_token`).

    When the service refuses the token (401 with one of `token_refused`) and there is a file, the
    file is read again (the token was rotated) and the call sent once more.
    """

    #: The service's error codes for "not a valid kiosk token".
    token_refused: frozenset[str] = frozenset()
    #: The config key that names the token file (for the message when it cannot be read).
    token_config_key = ""

    def __init__(
        self,
        base_url: str,
        token_file: Path | None = None,
        timeout_s: float = 5.0,
        kiosk_token: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(base_url, timeout_s=timeout_s, **kwargs)
        self.token_file = token_file
        self._token_file = KioskTokenFile(self.service, token_file, kiosk_token, self.token_config_key)

    def _read_token(self, force: bool = False) -> str:
        return self._token_file.get(force)

    def _kiosk(self, method: str, path: str, json: Any = None, headers: dict[str, str] | None = None) -> Any:
        """A call as the kiosk; on a refused token the file is read again and the call tried once more."""
        token = self._read_token()
        try:
            return self._request(method, path, json=json, headers={**(headers or {}), **_bearer(token)})
        except ApiError as err:
            file = self.token_file
            if err.status != 401 or err.code not in self.token_refused or file is None:
                raise
            log.warning("%s refused the kiosk token (%s); re-reading %s", self.service, err.code, file)
        token = self._read_token(force=True)
        return self._request(method, path, json=json, headers={**(headers or {}), **_bearer(token)})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
