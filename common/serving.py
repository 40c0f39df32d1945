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
    from `cfg` (`uvicorn_options`); over TLS, idle connections are dropped at shutdown
    (`_tls_http_protocol`). `specifics` are one service's own uvicorn options, which win
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
    if cfg.tls:
        options["http"] = _tls_http_protocol()
    options.update(specifics)
    return uvicorn.Config(app, host=host, port=port, **options)


def _tls_http_protocol() -> type[Any]:
    """uvicorn's HTTP/1.1 protocol (httptools when installed, as uvicorn's "auto" picks), except
    that at shutdown a TLS connection with no request in flight and nothing left to send is
    dropped at once. Closed gracefully, TLS waits for the client's close_notify, which a kept-alive
    client that is not reading (the kiosk's connection pool) never sends: the stop waited 30 s for
    it (asyncio's TLS shutdown timeout). A request in flight still finishes and is answered."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as Base
    except ImportError:  # no httptools: uvicorn's h11 protocol
        from uvicorn.protocols.http.h11_impl import H11Protocol as Base  # type: ignore[assignment]

    class QuickTlsShutdown(Base):  # type: ignore[misc, valid-type]
        def shutdown(self) -> None:
            idle = self.cycle is None or self.cycle.response_complete
            if idle and self.transport.get_write_buffer_size() == 0:
                self.transport.abort()
            else:
                super().shutdown()

    return QuickTlsShutdown


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
