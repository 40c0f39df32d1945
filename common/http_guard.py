"""One pure-ASGI guard in front of both HTTP services: bounded bodies, browser rules, headers.

It sits outermost among each app's middleware (added last), so it sees every request before
any route or other middleware reads its body. Per request it:

- refuses a body over `max_body_bytes` before anything reads it: at once from `Content-Length`
  (413), and for a chunked body by counting the chunks as they arrive (413 as soon as the cap is
  passed; at most the cap is ever held, then handed on as one message);
- on a state-changing method (POST, PUT, PATCH, DELETE) refuses an `Origin` that is not the
  service's own (403): a page of another site, or of another port of the same host, must not
  drive the counter console or the locker; clients that send no `Origin` (the kiosk, lockerctl,
  scripts) are not browsers and pass; then refuses a body that is not `application/json` (415),
  which closes the "simple request" door (text/plain, forms) browsers open without a preflight;
- adds the security headers to every answer (CSP, nosniff, frame denial, no referrer), leaving
  any a route set itself, and marks cookies `Secure` when the request came over HTTPS. The one
  answer it cannot see, the 500 of an unexpected error (Starlette sends it from outside every
  app middleware), gets them from `common.api_errors` (`CRASH_HEADERS`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.serving import DEFAULT_MAX_BODY_BYTES, is_loopback, origin_of

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: The pages load scripts, styles, fonts, sounds and data only from the service itself; images may
#: be data: URIs (the poster's QR code). Inline style attributes stay allowed (the templates use
#: them for layout; an injected style cannot run code), inline and injected scripts do not.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; media-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
#: FastAPI's interactive API page loads Swagger UI from its CDN and starts it with an inline
#: script. It shows no user data; it gets this looser policy and nothing else does.
DOCS_CSP = (
    "default-src 'none'; script-src https://cdn.jsdelivr.net 'unsafe-inline'; "
    "style-src https://cdn.jsdelivr.net 'unsafe-inline'; img-src 'self' data: https://fastapi.tiangolo.com; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
COMMON_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
#: The same headers for the one answer the guard never sees: the 500 of an unexpected error, sent
#: by Starlette's error middleware, which sits outside every middleware an app adds
#: (`common.api_errors.install_error_handlers` puts these on it).
CRASH_HEADERS: dict[str, str] = {
    "content-security-policy": PAGE_CSP,
    **{name.decode(): value.decode() for name, value in COMMON_HEADERS},
}


@dataclass(frozen=True)
class GuardPolicy:
    """What the guard enforces for one service."""

    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    #: Origins (scheme://host[:port]) allowed to send state-changing requests, besides the
    #: service's own address when it was reached by a loopback name.
    allowed_origins: frozenset[str] = frozenset()
    #: Paths of the interactive API documentation (they get DOCS_CSP).
    docs_paths: tuple[str, ...] = ()
    #: Where people should open the pages (said in the 403 message); empty: not said.
    public_base_url: str = ""
    page_csp: str = PAGE_CSP
    docs_csp: str = DOCS_CSP
    #: Paths whose body must come with a Content-Length (a chunked one is 411): the route looks at
    #: who is calling before it reads the body, which a chunked body, counted here first, defeats.
    length_required: tuple[str, ...] = ()

    @staticmethod
    def for_service(
        max_body_bytes: int, public_urls: Iterable[str] = (), docs_paths: Iterable[str] = ()
    ) -> GuardPolicy:
        """A policy whose allowed origins are those of `public_urls` (empty ones skipped)."""
        urls = [u for u in public_urls if u]
        return GuardPolicy(
            max_body_bytes=max_body_bytes,
            allowed_origins=frozenset(origin_of(u) for u in urls),
            docs_paths=tuple(docs_paths),
            public_base_url=urls[0] if urls else "",
        )


class Refusal(Exception):
    """A request the guard answers itself: status, machine code and what to do.

    `close` ends the connection after the answer, so a client still pushing a refused body is cut
    off instead of having the rest read and thrown away.
    """

    def __init__(self, status: int, code: str, message: str, close: bool = False, **extra: object) -> None:
        super().__init__(message)
        self.status = status
        self.close = close
        self.body = {"error": code, "message": message, **extra}


class HttpGuard:
    """Pure-ASGI middleware applying a `GuardPolicy` (see the module docstring)."""

    def __init__(self, app: ASGIApp, policy: GuardPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = self._decorated(scope, send)
        headers = header_map(scope)
        try:
            self._check_request(scope, headers)
            if b"transfer-encoding" in headers:  # a length only known at the end: count it
                receive = await self._capped(receive)
        except Refusal as refusal:
            await _answer(send, refusal)
            return
        await self.app(scope, receive, send)

    # ------------------------------------------------------------------ request checks

    def _check_request(self, scope: Scope, headers: dict[bytes, bytes]) -> None:
        """Raise Refusal for a request to turn away."""
        length = _content_length(headers.get(b"content-length"))
        cap = self.policy.max_body_bytes
        if length is not None and length > cap:
            raise _too_large(cap)
        if b"transfer-encoding" in headers and scope.get("path") in self.policy.length_required:
            raise Refusal(
                411, "length_required", "Send this request with a Content-Length header.", close=True
            )
        if scope["method"] in UNSAFE_METHODS:
            origin = headers.get(b"origin")
            if origin is not None and not self._origin_ok(scope, headers, origin.decode("latin-1")):
                base = self.policy.public_base_url or "this service's own address"
                raise Refusal(
                    403,
                    "cross_origin",
                    f"This request came from a page of another address and was refused; open the page "
                    f"at {base} and try again.",
                )
            has_body = (length or 0) > 0 or b"transfer-encoding" in headers
            if has_body and media_type(headers.get(b"content-type")) != "application/json":
                raise Refusal(
                    415,
                    "unsupported_media_type",
                    "Send the body as JSON with the header Content-Type: application/json.",
                )

    def _origin_ok(self, scope: Scope, headers: dict[bytes, bytes], origin: str) -> bool:
        """The configured public origins, or this service's own address reached by a loopback name.

        Matching the Host header alone would let DNS rebinding through (an attacker's name that
        resolves to this machine sends a matching Host); a loopback literal cannot be rebound.
        """
        try:
            seen = origin_of(origin)
        except ValueError:  # a malformed port, say: not an origin at all
            return False
        if seen in self.policy.allowed_origins:
            return True
        host = headers.get(b"host", b"").decode("latin-1")
        if not host:
            return False
        try:
            own = origin_of(f"{scope.get('scheme', 'http')}://{host}")
        except ValueError:
            return False
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return seen == own and is_loopback(name)

    async def _capped(self, receive: Receive) -> Receive:
        """Read a body of unknown length up to the cap (Refusal past it), then replay it."""
        cap = self.policy.max_body_bytes
        parts: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # client gone: let the app see the disconnect
                return replay(b"".join(parts), False, _then(message, receive))
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > cap:
                raise _too_large(cap)
            parts.append(chunk)
            if not message.get("more_body", False):
                return replay(b"".join(parts), True, receive)

    # ------------------------------------------------------------------ answer headers

    def _decorated(self, scope: Scope, send: Send) -> Send:
        """`send` with the security headers added and cookies made Secure over HTTPS."""
        path = scope.get("path", "")
        csp = self.policy.docs_csp if path in self.policy.docs_paths else self.policy.page_csp
        extra = ((b"content-security-policy", csp.encode()), *COMMON_HEADERS)
        secure = scope.get("scheme") == "https"

        async def decorated(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in extra if name not in present]
                if secure:
                    headers = [_secure_cookie(name, value) for name, value in headers]
                message = {**message, "headers": headers}
            await send(message)

        return decorated


def _content_length(value: bytes | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise Refusal(
            400, "bad_content_length", "Content-Length must be a whole number of bytes.", close=True
        ) from None


def _too_large(cap: int) -> Refusal:
    return Refusal(
        413,
        "body_too_large",
        f"The request body is larger than {cap} bytes, the most this service accepts; send a smaller one.",
        close=True,
        max_body_bytes=cap,
    )


def _secure_cookie(name: bytes, value: bytes) -> tuple[bytes, bytes]:
    if name.lower() != b"set-cookie":
        return name, value
    attrs = {part.strip().lower() for part in value.split(b";")[1:]}
    return (name, value) if b"secure" in attrs else (name, value + b"; Secure")


def _then(first: Message, receive: Receive) -> Receive:
    """A receive() giving `first` once, then the real one."""
    given = False

    async def again() -> Message:
        nonlocal given
        if not given:
            given = True
            return first
        return await receive()

    return again


def header_map(scope: Scope) -> dict[bytes, bytes]:
    """Request headers by lower-case name (the first of repeated ones, as Starlette does)."""
    out: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        out.setdefault(name, value)
    return out


def media_type(value: bytes | None) -> str:
    """`application/json` from `application/json; charset=utf-8`; "" when absent."""
    return "" if value is None else value.split(b";", 1)[0].strip().lower().decode("latin-1")


def replay(body: bytes, ended: bool, receive: Receive) -> Receive:
    """A receive() that first gives back what was read, then continues with the real one."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": not ended}
        return await receive()

    return again


async def _answer(send: Send, refusal: Refusal) -> None:
    """Send the refusal as the services' JSON error (through the decorated `send`), with the
    bytes Starlette's JSONResponse would render."""
    payload = json.dumps(refusal.body, ensure_ascii=False, separators=(",", ":")).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    if refusal.close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
