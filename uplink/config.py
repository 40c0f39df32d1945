"""`[hub]` (the center's link to the province hub) and where the services' outboxes are."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from common.config import ConfigError, load_raw, read_token_file, resolve_path, section, validate
from common.outbox import CENTER_ID_RE
from queueing.config import QueueingConfig


class UplinkConfig(BaseModel):
    """Typed `[hub]` (every key commented in config/default.toml)."""

    model_config = ConfigDict(extra="forbid")

    url: str = ""
    center_id: str = ""
    token_file: str = "var/uplink/hub.token"
    send_interval_s: float = Field(default=2.0, gt=0, le=3600)
    batch_max_events: int = Field(default=2000, ge=1, le=100_000)
    heartbeat_interval_s: float = Field(default=30.0, gt=0, le=3600)
    retry_min_s: float = Field(default=1.0, gt=0, le=3600)
    retry_max_s: float = Field(default=60.0, gt=0, le=86400)
    request_timeout_s: float = Field(default=15.0, gt=0, le=600)
    health_timeout_s: float = Field(default=3.0, gt=0, le=60)
    ca_file: str = ""
    catalogue_interval_s: float = Field(default=60.0, gt=0, le=86400)

    @model_validator(mode="after")
    def _complete(self) -> UplinkConfig:
        if self.url:
            if not self.url.startswith(("http://", "https://")):
                raise ValueError(f"url {self.url!r} must start with https:// (or http:// on a test bench)")
            if not CENTER_ID_RE.match(self.center_id):
                raise ValueError("center_id must be set (as registered at the hub) when url is set")
        return self


@dataclass(frozen=True)
class Source:
    """One service's outbox: the stream name the hub knows it by, and its SQLite file."""

    stream: str
    db_path: Path
    health_url: str = ""  # the service's GET /api/v1/health (its devices for the heartbeat)


@dataclass(frozen=True)
class Setup:
    """Everything the uplink needs from the site config."""

    hub: UplinkConfig
    token: str
    sources: list[Source]
    version: str
    services_ca_file: str = ""  # [kiosk] ca_file: the services' own CA when they answer over HTTPS
    #: this center's [queueing] config, against which a pulled catalogue is checked (None: none)
    queueing: QueueingConfig | None = None


def load_setup(path: str | Path | None) -> Setup:
    """Read `[hub]`, the token file and the queueing and locker data dirs; ConfigError naming the key
    if unusable."""
    raw = load_raw(path)
    hub = validate(UplinkConfig, dict(section(raw, "hub")), "hub")
    if not hub.url:
        raise ConfigError(
            "[hub] url is empty: this center sends nothing to a hub (set url, center_id, token_file)"
        )
    token_path = resolve_path(hub.token_file)
    hint = "put there the token `python -m hub center add CENTER_ID --name NAME` printed at the hub"
    token = read_token_file(hub.token_file, "[hub] token_file", hint)
    if not token:
        raise ConfigError(f"[hub] token_file {token_path} is empty; put the center's hub token in it")
    queue_dir = resolve_path(str(section(raw, "queueing").get("data_dir", "var/queueing")))
    locker_dir = resolve_path(str(section(raw, "locker").get("data_dir", "var/locker")))
    # the services where the kiosk finds them ([kiosk] queueing_url, locker_url)
    kiosk = section(raw, "kiosk")
    queue_url = str(kiosk.get("queueing_url", "http://127.0.0.1:8720")).rstrip("/")
    locker_url = str(kiosk.get("locker_url", "http://127.0.0.1:8710")).rstrip("/")
    ca_file = str(kiosk.get("ca_file", ""))
    # a service not run on this machine has no file there: its stream is skipped
    sources = [
        Source("queueing", queue_dir / "queue.sqlite3", f"{queue_url}/api/v1/health"),
        Source("locker", locker_dir / "locker.db", f"{locker_url}/api/v1/health"),
    ]
    from queueing.config import load_config

    queueing = load_config(path) if section(raw, "queueing") else None
    return Setup(
        hub=hub,
        token=token,
        sources=sources,
        version=_version(raw),
        services_ca_file=str(resolve_path(ca_file)) if ca_file else "",
        queueing=queueing,
    )


def _version(raw: dict[str, Any]) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kiosk-locker")
    except PackageNotFoundError:
        return "dev"
