"""`[hub_server]`: the province hub's own settings (the `[hub]` section is a center's link to it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from common.config import load_raw, section, validate
from common.serving import HttpServing
from hub.supervisors import SupervisorSettings


class HubConfig(HttpServing):
    """Typed `[hub_server]` (every key has a default and a comment in config/default.toml)."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8730, ge=1, le=65535)
    data_dir: str = "var/hub"
    database_url: str = ""
    private_cluster_port: int = Field(default=0, ge=0, le=65535)
    timezone: str = "Asia/Ho_Chi_Minh"
    heartbeat_interval_s: int = Field(default=30, ge=1, le=3600)
    offline_after_missed_heartbeats: int = Field(default=2, ge=1, le=100)
    offline_alarm_after_min: int = Field(default=10, ge=1, le=10080)
    alarms_ended_shown_days: int = Field(default=7, ge=0, le=366)
    wait_target_min: float = Field(default=30.0, gt=0, le=1440)
    max_batch_events: int = Field(default=5000, ge=1, le=100000)
    pool_max_connections: int = Field(default=10, ge=1, le=200)
    log_level: str = "INFO"
    catalogue: SupervisorSettings = SupervisorSettings()  # [hub_server.catalogue]


class _Root(BaseModel):
    model_config = ConfigDict(extra="ignore")


def load_hub_config(path: str | Path | None, overrides: dict[str, Any] | None = None) -> HubConfig:
    """`[hub_server]` of default.toml with the site file merged over it, then non-None overrides."""
    data = dict(section(load_raw(path), "hub_server"))
    data.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return validate(HubConfig, data, "hub_server")
