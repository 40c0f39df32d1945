"""How both HTTP services are served: the config keys they share and what uvicorn gets from them.

The locker daemon and the queueing service each mix `HttpServing` into their config section, so
`[locker]` and `[queueing]` carry the same keys with the same checks: the body cap, TLS, and the
proxies whose forwarded headers are believed. `uvicorn_options` turns them into uvicorn's own
options and `uvicorn_config` is the one server configuration the hub, the locker daemon and the
queueing service are run with; `check_tls` proves at start that the certificate and key load,
naming the key if not.
"""

from __future__ import annotations

import ipaddress
import ssl
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, field_validator, model_validator

from common.config import ConfigError, resolve_path

if TYPE_CHECKING:
    import uvicorn

DEFAULT_MAX_BODY_BYTES = 64 * 1024
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


class HttpServing(BaseModel):
    """Keys every HTTP service shares (mixed into `[locker]` and `[queueing]`)."""

    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, ge=1024, le=16 * 1024 * 1024)
    tls_cert_file: str = ""
    tls_key_file: str = ""
    trusted_proxies: list[str] = Field(default_factory=list)
    #: A request must arrive whole (headers and body) this soon after its first byte, or after
    #: the connection opened; a slower one is answered 408 and its connection closed.
    request_timeout_s: float = Field(default=15.0, ge=1.0, le=600.0)
    #: Connections one client address may hold open at once (loopback and trusted proxies: no
    #: limit); more are closed as they open.
    max_connections_per_address: int = Field(default=256, ge=4, le=100_000)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as err:
                raise ValueError(
                    f"{item!r} is not an IP address or network; write e.g. '192.0.2.5' or '10.0.0.0/24'"
                ) from err
        return value

    @model_validator(mode="after")
    def _tls_pair(self) -> HttpServing:
        if bool(self.tls_cert_file) != bool(self.tls_key_file):
            raise ValueError("set both tls_cert_file and tls_key_file (HTTPS), or neither (plain HTTP)")
        return self

    @property
    def tls(self) -> bool:
        """True when the service serves HTTPS."""
        return bool(self.tls_cert_file)


def check_tls(cfg: HttpServing, section: str) -> None:
    """Load the configured certificate and key once, so a bad pair fails at start in one line."""
    if not cfg.tls:
        return
    cert, key = resolve_path(cfg.tls_cert_file), resolve_path(cfg.tls_key_file)
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as err:
        raise ConfigError(
            f"[{section}] tls_cert_file / tls_key_file: cannot load {cert} with {key} "
            f"({getattr(err, 'strerror', None) or err}); give a PEM certificate and its private key"
        ) from err


def uvicorn_options(cfg: HttpServing) -> dict[str, Any]:
    """uvicorn.Config keyword arguments for TLS and forwarded headers.

    uvicorn believes `X-Forwarded-For`/`-Proto` from 127.0.0.1 unless told otherwise; here only
    the configured proxies are believed, and with none configured the headers are ignored.
    """
    opts: dict[str, Any] = {
        "proxy_headers": bool(cfg.trusted_proxies),
        "server_header": False,  # no product name and version in every answer
    }
    if cfg.trusted_proxies:
        opts["forwarded_allow_ips"] = list(cfg.trusted_proxies)
    if cfg.tls:
        opts["ssl_certfile"] = str(resolve_path(cfg.tls_cert_file))
        opts["ssl_keyfile"] = str(resolve_path(cfg.tls_key_file))
    return opts


def uvicorn_config(app: Any, cfg: HttpServing, host: str, port: int, **specifics: Any) -> uvicorn.Config:
    """How a service is served: quiet (warnings only, no access log: one line per kiosk request is
    noise, the app logs its errors), a 2-second graceful shutdown, and TLS and forwarded headers
    from `cfg` (`uvicorn_options`), and uvicorn's HTTP/1.1 protocol with the connection limits of
    `_http_protocol`. `specifics` are one service's own uvicorn options, which win
    (the locker daemon runs without lifespan and lets requests in flight finish).

    uvicorn is imported here, not at the top, so a command that only reads config starts quickly.
    """
    import uvicorn

    options: dict[str, Any] = {
        "log_level": "warning",
        "access_log": False,
        "timeout_graceful_shutdown": 2,
        **uvicorn_options(cfg),
    }
    options["http"] = _http_protocol(cfg)
    options.update(specifics)
    return uvicorn.Config(app, host=host, port=port, **options)


#: Most bytes of a request's line and headers (cookies and tokens included, ours are small):
#: uvicorn's httptools parser keeps a header it has not seen the end of, without limit.
MAX_HEAD_BYTES = 64 * 1024


def _plain_answer(status: bytes, text: str) -> bytes:
    body = text.encode()
    return (
        b"HTTP/1.1 %s\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
        b"content-length: %d\r\n\r\n%s" % (status, len(body), body)
    )


# Vietnamese first, English second, as every answer a citizen's phone may show
_TIMEOUT_ANSWER = _plain_answer(
    b"408 Request Timeout",
    "Yêu cầu không đến kịp; xin gửi lại. / The request did not arrive in time; send it again.",
)
_HEAD_TOO_LARGE = _plain_answer(
    b"431 Request Header Fields Too Large",
    "Dòng yêu cầu và các tiêu đề quá lớn (tối đa 64 KiB). / "
    "The request's line and headers are too large (64 KiB at most).",
)


class _Limits:
    """One server's connection limits (`_http_protocol`) and its open connections per address."""

    def __init__(self, cfg: HttpServing) -> None:
        self.timeout_s = cfg.request_timeout_s
        self.per_address = cfg.max_connections_per_address
        self.tls = cfg.tls
        self.proxies = [ipaddress.ip_network(p, strict=False) for p in cfg.trusted_proxies]
        self.open: dict[str, int] = {}  # one event loop: no lock needed

    def admit(self, host: str) -> str | None:
        """The address to count the connection against, None if not counted; raises
        `OverflowError` when the address holds its most already."""
        try:
            address = ipaddress.ip_address(host)
        except ValueError:  # a Unix socket or an unknown peer: not one of the LAN's clients
            return None
        if address.is_loopback or any(address in net for net in self.proxies):
            return None  # this machine's own clients; a trusted proxy carries everyone's
        if self.open.get(host, 0) >= self.per_address:
            raise OverflowError(host)
        self.open[host] = self.open.get(host, 0) + 1
        return host

    def release(self, host: str) -> None:
        left = self.open.pop(host) - 1
        if left:
            self.open[host] = left


class _LimitedConnection:
    """What `_http_protocol` adds to uvicorn's protocol class (which comes after it in the MRO)."""

    limits: _Limits
    _deadline: Any = None
    _counted: str | None = None
    _answered: Any = None  # the cycle answered before the request on its way (`_arm`)
    _head_bytes = 0  # of that request, while its head is not whole
    # uvicorn's protocol's own (annotations only, for the type checker)
    cycle: Any
    transport: Any
    client: tuple[str, int] | None
    loop: Any

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        try:
            self._counted = self.limits.admit(self.client[0] if self.client else "")
        except OverflowError:
            self.transport.abort()
            return
        self._arm(None)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._counted is not None:
            self.limits.release(self._counted)
            self._counted = None
        super().connection_lost(exc)  # type: ignore[misc]

    def data_received(self, data: bytes) -> None:
        cycle = self.cycle
        if self._deadline is None and (cycle is None or cycle.response_complete):
            self._arm(cycle)  # the first bytes of the next request on a kept-alive connection
        super().data_received(data)  # type: ignore[misc]
        if self._deadline is not None and self.cycle is self._answered:  # no whole head yet
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES and not self.transport.is_closing():
                self._refuse(_HEAD_TOO_LARGE)

    def on_response_complete(self) -> None:
        self._disarm()  # until the next request starts, uvicorn's keep-alive timeout rules
        super().on_response_complete()  # type: ignore[misc]
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            self._arm(None)  # a request sent behind the answered one (pipelined) is on its way

    def shutdown(self) -> None:
        cycle = self.cycle
        idle = cycle is None or cycle.response_complete
        if self.limits.tls and idle and self.transport.get_write_buffer_size() == 0:
            self.transport.abort()
        else:
            super().shutdown()  # type: ignore[misc]

    def _arm(self, answered: Any) -> None:
        self._answered, self._head_bytes = answered, 0
        self._deadline = self.loop.call_later(self.limits.timeout_s, self._late, answered)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _late(self, answered: Any) -> None:
        """`request_timeout_s` after `_arm`: unless a request other than `answered` has arrived
        whole since, answer 408 and close."""
        self._deadline = None
        cycle, transport = self.cycle, self.transport
        arrived = cycle is not None and cycle is not answered and not cycle.more_body
        if arrived or transport.is_closing():
            return
        if cycle is None or cycle is answered or not cycle.response_started:
            self._refuse(_TIMEOUT_ANSWER)
        else:  # the app answered before the body came: nothing more can be said
            transport.abort()

    def _refuse(self, answer: bytes) -> None:
        self._disarm()
        self.transport.write(answer)
        self.transport.close()


def _http_protocol(cfg: HttpServing) -> type[Any]:
    """uvicorn's HTTP/1.1 protocol (httptools when installed, as uvicorn's "auto" picks) with what
    a client on the LAN must not be able to hold:

    - time: a request must arrive whole within `request_timeout_s` of its first byte (or of the
      connection's opening); otherwise it is answered 408 and the connection closed. uvicorn
      itself waits for ever for a connection that sends nothing or trickles its headers or body
      (its keep-alive timeout starts only after an answer), so a phone could hold connections,
      and the service's file descriptors, without end. The app's own time is not limited: the
      clock stops when the request has arrived, and an answer that streams (the locker's event
      stream) is not cut.
    - size: a request's line and headers are at most `MAX_HEAD_BYTES`; more is answered 431 and
      the connection closed (httptools keeps a header whose end it has not seen, without limit:
      100 MB sent in one header grew the process by 100 MB).
    - number: at most `max_connections_per_address` open connections per client address (not
      counting loopback, this machine's own clients, and `trusted_proxies`, which carry
      everyone's); more are closed as they open.
    - over TLS, at shutdown a connection with no request in flight and nothing left to send is
      dropped at once: closed gracefully, TLS waits for the client's close_notify, which a
      kept-alive client that is not reading (the kiosk's connection pool) never sends, and the
      stop waited 30 s for it (asyncio's TLS shutdown timeout). A request in flight still
      finishes and is answered.
    """
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as Base
    except ImportError:  # no httptools: uvicorn's h11 protocol
        from uvicorn.protocols.http.h11_impl import H11Protocol as Base  # type: ignore[assignment]

    return type("LimitedHttp", (_LimitedConnection, Base), {"limits": _Limits(cfg)})


def ensure_port_free(host: str, port: int, section: str) -> None:
    """ConfigError (one line: what to do) when this process could not listen on `host:port`: taken
    by another program, or `host` not an address of this machine. Checked before the service opens
    its database or its lock boards, so a second start says so at once instead of starting up,
    saying "ready", and then dying on the bind."""
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as err:
        raise ConfigError(f"[{section}] host {host!r}: not an address of this machine ({err})") from err
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise ConfigError(
                    f"{host}:{port} is already in use ([{section}] port): another copy of this service? "
                    f"`ss -ltnp 'sport = :{port}'` shows which program; stop it or choose another port"
                ) from err
            raise ConfigError(
                f"cannot listen on {host}:{port} ([{section}] host, port): {err.strerror or err}"
            ) from err


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost (a bind or Host name only this machine reaches)."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of a URL, lower-cased, default ports dropped (as browsers send it)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def local_base_url(host: str, port: int, tls: bool) -> str:
    """The service's own address on this machine (a loopback bind, or loopback for a wildcard)."""
    if not is_loopback(host):
        host = "127.0.0.1"
    host = host.strip("[]")
    if ":" in host:
        host = f"[{host}]"
    return f"{'https' if tls else 'http'}://{host}:{port}"
