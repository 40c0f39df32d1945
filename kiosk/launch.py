"""What run_kiosk.py does before the app runs: display detection, child services, the banner."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from common.config import REPO_ROOT, ConfigError, read_toml, resolve_path, site_file
from common.serving import is_loopback
from kiosk.config import AppConfig
from kiosk.supervisor import ChildSpec


def needs_offscreen(env: Mapping[str, str], force: bool = False) -> bool:
    """True when there is no display to open a window on (or offscreen was asked for)."""
    if force:
        return True
    if env.get("SDL_VIDEODRIVER"):
        return env["SDL_VIDEODRIVER"] in ("offscreen", "dummy")
    return not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def _host_port(url: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or default_port


def names_this_machine(url: str, served: Mapping[str, Any]) -> bool:
    """Whether `url` names this machine's service: a loopback address, or its bind address."""
    host = (urlsplit(url).hostname or "127.0.0.1").strip("[]")
    return is_loopback(host) or host == str(served.get("host", "127.0.0.1")).strip("[]")


def reaches(url: str, default_port: int, served: Mapping[str, Any]) -> str | None:
    """Why the kiosk's `url` does not reach a service bound on this machine as `served` says (its
    merged section), or None when it does or when the URL goes elsewhere: only a URL naming this
    service's own address (loopback, or the bind address itself) can be judged here; a DNS name,
    a reverse proxy or another PC's address is left to the health check."""
    if not names_this_machine(url, served):
        return None  # elsewhere: another PC, a proxy, a name
    parts = urlsplit(url)
    host = (parts.hostname or "127.0.0.1").strip("[]")
    bind = str(served.get("host", "127.0.0.1")).strip("[]")
    wildcard = bind in ("0.0.0.0", "::", "")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    want = int(served.get("port", default_port))
    scheme = "https" if served.get("tls_cert_file") else "http"
    if parts.scheme != scheme or port != want:
        return f"the service answers on {scheme}://…:{want}"
    if is_loopback(host) and not (wildcard or is_loopback(bind)):
        return f"the service listens on {bind} only"
    return None


def binds_itself(config_path: str | None, name: str) -> bool:
    """Whether the site file sets `[name] host` or `port` (then the service starts there, not
    where the kiosk's URL names)."""
    site = site_file(config_path)
    own = read_toml(site).get(name, {}) if site is not None else {}
    return isinstance(own, dict) and ("host" in own or "port" in own)


def service_specs(config: AppConfig, config_path: str | None) -> list[ChildSpec]:
    """The locker daemon and queueing service, each on the host and port its own section sets in
    the site file; a service whose section sets neither starts where the kiosk's URL names (the
    simulated center, tests). ConfigError when a URL cannot reach its service."""
    log_dir = resolve_path(config.center.data_dir) / "log"
    specs = []
    for name, module, key, url, port in (
        ("locker", "locker", "locker_url", config.kiosk.locker_url, 8710),
        ("queueing", "queueing", "queueing_url", config.kiosk.queueing_url, 8720),
    ):
        argv = [sys.executable, "-m", module]
        if binds_itself(config_path, name):  # the site binds the service itself: the URL must reach it
            why = reaches(url, port, config.raw.get(name, {}))
            if why:
                raise ConfigError(
                    f"[kiosk] {key} = {url!r} cannot reach the {name} service ({why}, as [{name}] host, "
                    f"port and tls_cert_file say): make them agree, e.g. a loopback URL with [{name}]'s "
                    "port for a service on 0.0.0.0"
                )
        else:
            host, p = _host_port(url, port)
            argv += ["--host", host, "--port", str(p)]
        if config_path:
            argv += ["--config", str(Path(config_path).resolve())]
        specs.append(
            ChildSpec(
                name=name,
                argv=argv,
                health_url=f"{url.rstrip('/')}/api/v1/health",
                log_path=log_dir / f"{name}.log",
                cwd=REPO_ROOT,
            )
        )
    return specs


def opening_hours_line(config: AppConfig) -> str:
    """Whether tickets follow the opening hours (a real center) or not (the simulated one)."""
    from queueing.config import load_config  # config only: no database, no web app

    try:
        always = load_config(config.source).open_all_hours
    except ConfigError as err:
        return f"unknown ({err})"
    if always:
        return "any hour: simulated center ([queueing] open_all_hours = true)"
    return "[queueing.hours] and holidays; outside them the kiosk says when the center opens"


def banner(config: AppConfig, offscreen: bool, started_services: bool) -> str:
    """What a person starting `make run` needs to know: URLs, where things land."""
    q = config.kiosk.queueing_url.rstrip("/")
    data = resolve_path(config.center.data_dir)
    printer_url = str(config.raw.get("printer", {}).get("url", ""))
    # The locker daemon writes simulated SMS where its own config says ([locker.sms] outbox_dir).
    sms_dir = resolve_path(str(config.raw.get("locker", {}).get("sms", {}).get("outbox_dir", "var/sms")))
    lines = [
        "=" * 72,
        f"  {config.center.name_en}",
        f"  Counter console : {q}/counter",
        f"  Display board   : {q}/display",
        f"  Phone ticket    : {q}/remote",
        f"  Reports         : {q}/reports",
        f"  Locker API      : {config.kiosk.locker_url.rstrip('/')}/api/v1/health",
        f"  Printer         : {printer_url}"
        + ("  (tickets and receipts as PNG files)" if printer_url.startswith("png://") else ""),
        f"  SMS (simulated) : {sms_dir}  (pickup codes land here)",
        f"  Logs            : {data / 'log'}",
        f"  Opening hours   : {opening_hours_line(config)}",
    ]
    if not started_services:
        lines.append("  Services        : not started here; the kiosk expects them at the URLs above")
    if offscreen:
        lines.append("  No display found: running OFFSCREEN. The current kiosk screen is kept in")
        lines.append(f"                    {resolve_path(config.kiosk.screenshot_path)}")
    lines += ["  Ctrl-C stops everything.", "=" * 72]
    return "\n".join(lines)


def prepare_kivy_env(offscreen: bool, env: dict[str, str] | None = None) -> None:
    """Environment Kivy reads at import: no argv parsing, Python logging, offscreen when needed."""
    target = os.environ if env is None else env
    target.setdefault("KIVY_NO_ARGS", "1")
    target.setdefault("KIVY_NO_FILELOG", "1")
    target.setdefault("KIVY_LOG_MODE", "PYTHON")
    target.setdefault("KIVY_CLIPBOARD", "sdl2")  # xsel/xclip probes print tracebacks on a bare kiosk
    if offscreen:
        target["SDL_VIDEODRIVER"] = "offscreen"


class _KivyNoise(logging.Filter):
    """Drops Kivy's start-up probes that are harmless on a kiosk (no mtdev, no X cut buffer)."""

    NOISE = ("MTDev is not supported", "Unable to find any valuable Cutbuffer provider")

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        return not any(n in msg for n in self.NOISE)


def quiet_kivy(level: str = "WARNING") -> None:
    """Kivy logs through Python logging at `level`, without the harmless probe tracebacks."""
    kivy_log = logging.getLogger("kivy")
    kivy_log.setLevel(level)
    kivy_log.addFilter(_KivyNoise())
