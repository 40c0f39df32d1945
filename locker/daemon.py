"""`python -m locker`: the locker daemon (args -> config -> buses -> service -> HTTP).

Heavy imports (FastAPI, uvicorn, pyserial) happen inside `main` so a restart after a crash is
quick. A bus with `simulate = true` starts the lock-board simulator in-process on a pty and opens
the real serial bus on it: the simulator is an adapter chosen in config, never a fallback.
"""

from __future__ import annotations

import argparse
import logging
import signal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from common.cli_exit import EXIT_OK, fail
from common.config import (
    GATEWAY_TOKEN_HINT,
    ConfigError,
    ensure_writable_dir,
    read_token_file,
    resolve_path,
    site_file,
)
from common.migrations import MigrationError
from common.serving import check_tls, ensure_port_free, is_loopback, uvicorn_config

log = logging.getLogger(__name__)

PROGRAM = "locker"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line flags (they override the config file)."""
    p = argparse.ArgumentParser(prog="python -m locker", description="Locker daemon (24-hour result locker)")
    p.add_argument("--config", help="site TOML merged over config/default.toml (or $KIOSK_CONFIG)")
    p.add_argument("--host", help="listen address (default [locker] host, 127.0.0.1)")
    p.add_argument("--port", type=int, help="listen port (default [locker] port, 8710)")
    p.add_argument("--data-dir", help="database, keys and tokens directory (default [locker] data_dir)")
    p.add_argument("--log-level", help="DEBUG, INFO, WARNING")
    p.add_argument(
        "--start-fresh",  # locker.secrets_files.START_FRESH_FLAG (kept out of the quick imports)
        action="store_true",
        help="the data directory lost its database or its code key: accept new ones (codes and items "
        "already in the cabinet must be re-issued or withdrawn); without it such a start stops",
    )
    return p.parse_args(argv)


def data_paths(cfg: Any, data_dir_flag: str | None) -> Any:
    """Where the database and secret files go; with --data-dir, every locker file goes under it."""
    from locker.service import Paths

    if data_dir_flag:
        base = Path(data_dir_flag).resolve()
        return Paths(base, base / "locker.db", base / "code.key", base / "kiosk.token", base / "staff.key")
    base = resolve_path(cfg.data_dir)
    return Paths(
        base,
        base / "locker.db",
        resolve_path(cfg.code_key_file),
        resolve_path(cfg.kiosk_token_file),
        cfg.staff_key_path(),
    )


def open_buses(cfg: Any) -> tuple[dict[str, Any], list[Any]]:
    """Open every configured bus (starting simulators where `simulate = true`)."""
    from drivers.lockboard.bus import open_bus
    from drivers.lockboard.config import BusConfig

    buses: dict[str, Any] = {}
    sims: list[Any] = []
    for entry in cfg.buses:
        keys = entry.bus_keys()
        if entry.simulate:
            from drivers.lockboard.sim import start_simulator

            bc = BusConfig.model_validate(keys)
            sim = start_simulator(
                bc.protocol,
                list(bc.boards),
                bc.locks_per_board,
                auto_close_s=entry.sim_auto_close_s or None,
                closed_bit=bc.closed_bit,
            )
            sims.append(sim)
            keys["url"] = sim.url
            log.info("bus %s: simulated %s cabinet on %s", entry.name, bc.protocol.value, sim.url)
        bus = open_bus(BusConfig.model_validate(keys), require_connected=False)
        buses[entry.name] = bus
    return buses, sims


def close_buses(buses: dict[str, Any], sims: list[Any]) -> None:
    """Close what `open_buses` opened: the buses, then the simulators behind them."""
    for bus in buses.values():
        bus.close()
    for sim in sims:
        sim.close()


def simulated_files_dir(data_dir_flag: str | None) -> Path | None:
    """With `--data-dir DIR`, the simulated phone and back office live under DIR too (so tests and
    several daemons never share `var/sms`); without it, the configured paths are used as written."""
    return Path(data_dir_flag).resolve() if data_dir_flag else None


def build_gateways(cfg: Any, under: Path | None = None) -> tuple[Any, Any]:
    """SMS gateway and back office from config.

    `under` (from `--data-dir`) relocates the simulated gateways' files: SMS to `under/sms/`,
    the back office's dossiers and callbacks to `under/backoffice/`.
    """
    from drivers.gateways.backoffice import FileBackOffice, HttpBackOffice, NoBackOffice
    from drivers.gateways.sms import FileSmsGateway, HttpSmsGateway

    def token(path: str, key: str) -> str:
        return read_token_file(path, key, GATEWAY_TOKEN_HINT)

    sms: Any
    if cfg.sms.type == "http":
        if not cfg.sms.url:
            raise ConfigError("invalid configuration in [locker.sms]: type = 'http' needs url")
        sms = HttpSmsGateway(
            cfg.sms.url, token(cfg.sms.token_file, "[locker.sms] token_file"), cfg.sms.timeout_s
        )
    else:
        sms = FileSmsGateway(under / "sms" if under else resolve_path(cfg.sms.outbox_dir))
    bo: Any
    if cfg.backoffice.type == "http":
        if not cfg.backoffice.url:
            raise ConfigError("invalid configuration in [locker.backoffice]: type = 'http' needs url")
        bo = HttpBackOffice(
            cfg.backoffice.url,
            token(cfg.backoffice.token_file, "[locker.backoffice] token_file"),
            cfg.backoffice.timeout_s,
            status_timeout_s=cfg.backoffice.status_timeout_s,
        )
    elif cfg.backoffice.type == "simulated":
        dossiers = resolve_path(cfg.backoffice.dossiers_file)
        returned = resolve_path(cfg.backoffice.returned_file)
        if under:
            dossiers, returned = under / "backoffice" / dossiers.name, under / "backoffice" / returned.name
        _sample_dossiers(dossiers)
        bo = FileBackOffice(dossiers, returned, status_timeout_s=cfg.backoffice.status_timeout_s)
    else:
        bo = NoBackOffice()
    return sms, bo


SAMPLE_DOSSIERS: dict[str, dict[str, Any]] = {
    # Invented dossiers. HS-2026-000123..125: done, for staff to load into the locker in the demo;
    # the others show each state of the kiosk's lookup (dates relative to now, except the receipt's).
    "HS-2026-000123": {
        "citizen_name": "Nguyễn Văn An",
        "phone": "+84900000001",
        "procedure": "Cấp bản sao trích lục khai sinh",
        "status": "done_waiting",
        "collect_at": "locker",
        "received_days_ago": 4,
        "due_in_days": 0,
    },
    "HS-2026-000124": {
        "citizen_name": "Trần Thị Bình",
        "phone": "+84900000002",
        "procedure": "Đăng ký thành lập hộ kinh doanh",
        "status": "done_waiting",
        "collect_at": "locker",
        "received_days_ago": 3,
        "due_in_days": 1,
    },
    "HS-2026-000125": {
        "citizen_name": "Lê Minh Châu",
        "phone": "+84900000003",
        "procedure": "Cấp Phiếu lý lịch tư pháp",
        "status": "done_waiting",
        "collect_at": "locker",
        "received_days_ago": 8,
        "due_in_days": 2,
    },
    "000.00.19.H26-261201-0001": {
        "citizen_name": "Phan Quốc Bảo",
        "phone": "+84900000011",
        "procedure": "Cấp Phiếu lý lịch tư pháp",
        "status": "received",
        "collect_at": "post",
        "received_days_ago": 0,
        "due_in_days": 10,
    },
    "000.00.19.H26-261201-0002": {
        "citizen_name": "Đặng Thị Cúc",
        "phone": "+84900000012",
        "procedure": "Đăng ký thành lập hộ kinh doanh",
        "status": "in_progress",
        "collect_at": "counter",
        "received_days_ago": 1,
        "due_in_days": 2,
    },
    "000.00.19.H26-261201-0003": {
        "citizen_name": "Phạm Thu Dung",
        "phone": "+84900000013",
        "procedure": "Cấp giấy phép xây dựng nhà ở riêng lẻ",
        "status": "supplement_requested",
        "missing": "Bản vẽ thiết kế mặt bằng có chữ ký của chủ hộ",
        "collect_at": "counter",
        "received_days_ago": 6,
        "due_in_days": 9,
    },
    "000.00.19.H26-261201-0004": {
        "citizen_name": "Bùi Văn Đức",
        "phone": "+84900000014",
        "procedure": "Chứng thực chữ ký",
        "status": "done_waiting",
        "collect_at": "counter",
        "received_days_ago": 2,
        "due_in_days": 0,
    },
    "000.00.19.H26-261201-0005": {
        "citizen_name": "Vũ Thị Giang",
        "phone": "+84900000015",
        "procedure": "Chứng thực bản sao từ bản chính",
        "status": "returned",
        "collect_at": "counter",
        "received_days_ago": 3,
        "due_in_days": -1,
    },
    # the receipt in assets/camera-samples/3-dossier-receipt.jpg: promised for 27/11/2026, late
    "000.00.12.H26-261120-0042": {
        "citizen_name": "Hoàng Văn Em",
        "phone": "+84900000016",
        "procedure": "Chuyển mục đích sử dụng đất",
        "status": "in_progress",
        "collect_at": "counter",
        "received_at": "2026-11-20T08:00:00+07:00",
        "due_at": "2026-11-27T17:00:00+07:00",
    },
    "000.00.19.H26-261201-0098": {"citizen_name": "Đỗ Văn Hải", "phone": "+84900000017", "simulate": "slow"},
    "000.00.19.H26-261201-0099": {"citizen_name": "Ngô Thị Lan", "phone": "+84900000018", "simulate": "down"},
}


def _sample_dossiers(path: Path) -> None:
    """The simulated back office starts with a few invented dossiers a demo can load and look up;
    a file from an older release gets the sample dossiers' status keys added (its edits are kept)."""
    import json

    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return  # the lookup says so, naming the file
        if not isinstance(data, dict):
            return
        merged = {
            **SAMPLE_DOSSIERS,
            **{k: {**SAMPLE_DOSSIERS.get(k, {}), **v} if isinstance(v, dict) else v for k, v in data.items()},
        }
        if merged == data:
            return
        data = merged
    else:
        data = SAMPLE_DOSSIERS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def config_warnings(cfg: Any, site: bool) -> list[dict[str, str]]:
    """What a site config (`site`: anything but the shipped simulated center) leaves wrong that
    staff must fix: listed by /api/v1/health (the kiosk shows them on its staff screens)."""
    if not site or not is_loopback(urlsplit(cfg.verify_base_url).hostname or ""):
        return []
    return [
        {
            "code": "verify_url_loopback",
            "message": f"[locker] verify_base_url is {cfg.verify_base_url}: receipt QR codes open only on "
            "this computer; set it to the address staff phones reach",
        }
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the daemon until SIGTERM/SIGINT."""
    args = parse_args(argv)
    from common.logsetup import setup_logging
    from locker.config import load_locker_config

    try:
        cfg = load_locker_config(args.config)
    except ConfigError as err:
        return fail(PROGRAM, err)
    wire_file = resolve_path(cfg.wire_log_file) if cfg.wire_log_file else None
    setup_logging(args.log_level or cfg.log_level, wire_file=wire_file)
    paths = data_paths(cfg, args.data_dir)
    try:
        check_tls(cfg, "locker")
        ensure_writable_dir(paths.data_dir, "[locker] data_dir or --data-dir")
        ensure_port_free(args.host or cfg.host, args.port or cfg.port, "locker")
    except ConfigError as err:
        return fail(PROGRAM, err)
    from common.clock import SystemClock
    from drivers.gateways.sms import FileSmsGateway
    from locker.api import create_app
    from locker.service import LockerService
    from locker.watchdog import Supervision

    try:
        buses, sims = open_buses(cfg)
        sms, bo = build_gateways(cfg, simulated_files_dir(args.data_dir))
    except ConfigError as err:
        return fail(PROGRAM, err)
    try:
        svc = LockerService(cfg, paths, SystemClock(), buses, sms, bo, start_fresh=args.start_fresh)
    except (ConfigError, MigrationError) as err:  # say what to do, no traceback (a key file or the
        # database is missing, or the database was written by a newer release)
        status = fail(PROGRAM, err)
        close_buses(buses, sims)
        return status
    svc.warnings = config_warnings(cfg, site_file(args.config) is not None)
    for warning in svc.warnings:
        log.warning("site config: %s (staff see this on the kiosk)", warning["message"])
    svc.start()  # reconciles every door first: READY=1 (systemd) only once this is done and serving
    supervision = Supervision(buses)  # sd_notify: READY=1, keep-alives from bus threads + main loop
    host = args.host or cfg.host
    port = args.port or cfg.port
    # no lifespan (the service starts and stops around the server); requests in flight finish
    config = uvicorn_config(create_app(svc), cfg, host, port, lifespan="off", timeout_graceful_shutdown=None)
    server = supervision.server(config)
    signal.signal(signal.SIGTERM, lambda *_: setattr(server, "should_exit", True))
    scheme = "https" if cfg.tls else "http"
    log.info("locker daemon listening on %s://%s:%d (data in %s)", scheme, host, port, paths.data_dir)
    if isinstance(sms, FileSmsGateway):
        log.info("simulated SMS (pickup codes) are written to %s", sms.directory)
    try:
        supervision.start()
        server.run()
    finally:
        supervision.stop()
        svc.stop()
        close_buses(buses, sims)
    return EXIT_OK
