"""The doctor's checks: configuration, site-config mistakes, files, disk and clock.

Device checks (lock boards, printer, camera, hub) are in `doctor.devices`. Every check reuses
the rule the services themselves apply at start (config models, `check_tls`, the demo-PIN
refusal, the loopback-URL warnings), so the doctor and the services never disagree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common.config import ConfigError, load_raw, resolve_path, site_file
from doctor.report import Result, fail, ok, skip, warn

#: Free space below which a data directory fails the check (SQLite needs room for its WAL and a
#: backup copy) and below which it is only a warning.
DISK_FAIL_BELOW_MB = 500
DISK_WARN_BELOW_MB = 2048

Runner = Callable[[Sequence[str]], "subprocess.CompletedProcess[str] | None"]


@dataclass
class Site:
    """Everything the checks read, loaded once; a section that did not validate is None."""

    path: str | None
    site: bool  # a site file, not the shipped simulated center
    raw: dict[str, Any]
    locker: Any = None
    queueing: Any = None
    app: Any = None
    printer: Any = None
    camera: Any = None


def load_site(path: str | None) -> tuple[Site, list[Result]]:
    """Load and validate every section the programs own; one result line per program."""
    results: list[Result] = []
    try:
        raw = load_raw(path)
    except ConfigError as err:
        return Site(path, site_file(path) is not None, {}), [
            fail("config", str(err), "fix the site file and run the doctor again")
        ]
    site = Site(path, site_file(path) is not None, raw)
    from drivers.camera.config import load_camera_config
    from drivers.printer.config import load_printer_config
    from kiosk.config import load_app_config
    from locker.config import load_locker_config
    from queueing.config import load_config

    loaders: list[tuple[str, str, Callable[[], Any]]] = [
        ("locker", "locker", lambda: load_locker_config(path)),
        ("queueing", "queueing", lambda: load_config(path)),
        ("kiosk", "app", lambda: load_app_config(path)),
        ("printer", "printer", lambda: load_printer_config(raw)),
        ("camera", "camera", lambda: load_camera_config(raw)),
    ]
    for name, attr, load in loaders:
        try:
            setattr(site, attr, load())
        except ConfigError as err:
            results.append(
                fail(f"config [{name}]", " ".join(str(err).split()), "fix the key named in the site file")
            )
        else:
            results.append(ok(f"config [{name}]", "valid"))
    return site, results


def check_public_urls(site: Site) -> list[Result]:
    """The services' own site-config warnings (loopback URLs, open at any hour), as doctor lines."""
    out: list[Result] = []
    if site.queueing is not None:
        from queueing.app import config_warnings, with_public_base_url

        try:
            served = with_public_base_url(site.queueing, site=site.site)
        except ConfigError as err:
            out.append(fail("queueing public URL", str(err), "set [queueing] public_base_url"))
        else:
            found = config_warnings(served, site.site)
            out += [fail(f"queueing {w['code']}", w["message"], "edit the site file") for w in found]
            if not found:
                out.append(ok("queueing public URL", served.public_base_url))
    if site.locker is not None:
        from locker.daemon import config_warnings as locker_warnings

        found = locker_warnings(site.locker, site.site)
        out += [fail(f"locker {w['code']}", w["message"], "edit the site file") for w in found]
        if not found:
            out.append(ok("locker verify URL", site.locker.verify_base_url))
    return out


def check_demo_accounts(site: Site) -> list[Result]:
    """No demo counter accounts (published PINs) in a real center."""
    cfg = site.queueing
    if cfg is None:
        return [skip("demo accounts", "[queueing] did not validate")]
    from queueing.staff_accounts import demo_refusal, shipped_demo_pins

    refusal = demo_refusal(cfg)
    if refusal is not None:
        return [fail("demo accounts", refusal, "set demo_staff = [] under [queueing]")]
    if not cfg.demo_staff:
        return [ok("demo accounts", "none configured")]
    ids = ", ".join(d.staff_id for d in cfg.demo_staff)
    published = [d.staff_id for d in cfg.demo_staff if d.pin in shipped_demo_pins()]
    if site.site:
        what = f"demo counter accounts {ids} in a site file"
        if published:
            what += f" ({', '.join(published)} with a PIN published in config/default.toml)"
        return [
            fail(
                "demo accounts",
                what,
                "set demo_staff = [] under [queueing] and create real accounts with "
                "`python -m queueing staff add`",
            )
        ]
    return [ok("demo accounts", f"simulated center: {ids} on loopback only")]


def check_tls(site: Site) -> list[Result]:
    """The configured certificates and keys load (the same check the services make at start)."""
    from common.serving import check_tls as load_pair

    out: list[Result] = []
    for name, cfg in (("locker", site.locker), ("queueing", site.queueing)):
        if cfg is None:
            continue
        if not cfg.tls:
            out.append(ok(f"TLS [{name}]", "plain HTTP (no certificate configured)"))
            continue
        try:
            load_pair(cfg, name)
        except ConfigError as err:
            out.append(fail(f"TLS [{name}]", str(err), "fix the files or the paths"))
        else:
            out.append(ok(f"TLS [{name}]", f"{cfg.tls_cert_file} loads with its key"))
    app = site.app
    if app is not None and app.kiosk.ca_file:
        ca = resolve_path(app.kiosk.ca_file)
        if os.access(ca, os.R_OK):
            out.append(ok("TLS [kiosk] ca_file", f"{ca} readable"))
        else:
            out.append(fail("TLS [kiosk] ca_file", f"{ca} missing or not readable", "copy the center's CA"))
    return out


def check_kiosk_urls(site: Site) -> list[Result]:
    """The kiosk's `queueing_url` and `locker_url` reach the services where they listen (their
    own sections' host, port and TLS; `run_kiosk.py` starts a service at the URL only when it
    starts the services and the site does not bind that one itself)."""
    app = site.app
    if app is None:
        return [skip("kiosk URLs", "[kiosk] did not validate")]
    from kiosk.launch import binds_itself, names_this_machine, reaches

    out: list[Result] = []
    for name, key, url, port in (
        ("locker", "locker_url", app.kiosk.locker_url, 8710),
        ("queueing", "queueing_url", app.kiosk.queueing_url, 8720),
    ):
        if app.kiosk.start_services and not binds_itself(site.path, name):
            out.append(ok(f"kiosk {key}", f"{url} (run_kiosk.py starts the {name} service there)"))
            continue
        if not names_this_machine(url, site.raw.get(name, {})):
            out.append(ok(f"kiosk {key}", f"{url}: another machine or a proxy (the kiosk checks its health)"))
            continue
        why = reaches(url, port, site.raw.get(name, {}))
        if why:
            out.append(
                fail(
                    f"kiosk {key}",
                    f"{url} cannot reach the {name} service: {why}",
                    f"make [kiosk] {key} agree with [{name}] host, port and tls_cert_file",
                )
            )
        else:
            out.append(ok(f"kiosk {key}", f"{url} reaches the {name} service"))
    return out


def data_dirs(site: Site) -> dict[str, Path]:
    """Each configured data directory by the key that sets it."""
    dirs: dict[str, Path] = {}
    if site.app is not None:
        dirs["[center] data_dir"] = resolve_path(site.app.center.data_dir)
    if site.locker is not None:
        dirs["[locker] data_dir"] = resolve_path(site.locker.data_dir)
    if site.queueing is not None:
        dirs["[queueing] data_dir"] = resolve_path(site.queueing.data_dir)
    return dirs


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_disk(site: Site, usage: Callable[[Path], Any] = shutil.disk_usage) -> list[Result]:
    """Each data directory is writable (or will be creatable) and has room."""
    out: list[Result] = []
    for key, path in data_dirs(site).items():
        here = _existing(path)
        if not os.access(here, os.W_OK):
            out.append(fail(f"disk {key}", f"{here} is not writable by this user", "fix owner/permissions"))
            continue
        free_mb = usage(here).free // (1024 * 1024)
        found = f"{path}: {free_mb} MB free" + ("" if path.exists() else " (created at first start)")
        if free_mb < DISK_FAIL_BELOW_MB:
            out.append(fail(f"disk {key}", found, "free space or move the data directory"))
        elif free_mb < DISK_WARN_BELOW_MB:
            out.append(warn(f"disk {key}", found, "free space soon (old backups, logs)"))
        else:
            out.append(ok(f"disk {key}", found))
    return out


def run_command(argv: Sequence[str]) -> subprocess.CompletedProcess[str] | None:
    """Run a short system command; None when it is not installed or hangs."""
    if shutil.which(argv[0]) is None:
        return None
    try:
        return subprocess.run(list(argv), capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None


CLOCK_ADVICE = (
    "make sure NTP runs (Debian: `apt install systemd-timesyncd` or chrony) and reaches a time "
    "server; staff authenticator codes and pickup deadlines need the right time"
)


def check_clock(run: Runner = run_command) -> list[Result]:
    """The system clock is synchronised (timedatectl, else chronyc); 'unknown' is a warning."""
    done = run(["timedatectl", "show", "-p", "NTPSynchronized", "--value"])
    if done is not None and done.returncode == 0:
        if done.stdout.strip() == "yes":
            return [ok("clock", "synchronised (timedatectl)")]
        return [fail("clock", "not synchronised (timedatectl)", CLOCK_ADVICE)]
    done = run(["chronyc", "-n", "tracking"])
    if done is not None and done.returncode == 0:
        for line in done.stdout.splitlines():
            if line.lower().startswith("leap status"):
                state = line.split(":", 1)[1].strip()
                if state.lower() == "normal":
                    return [ok("clock", "synchronised (chrony)")]
                return [fail("clock", f"chrony leap status {state}", CLOCK_ADVICE)]
    return [warn("clock", "unknown (neither timedatectl nor chronyc answered)", CLOCK_ADVICE)]
