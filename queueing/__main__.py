"""`python -m queueing [--config FILE] [--host H] [--port P] [--data-dir DIR]` serves;
`python -m queueing staff ...` and `python -m queueing kiosk-token ...` administer
(`queueing.admin_cli`)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from common.cli_exit import fail
from common.config import ConfigError, ensure_writable_dir, resolve_path, site_file
from common.logsetup import setup_logging
from common.migrations import MigrationError
from common.serving import check_tls, ensure_port_free, uvicorn_config

log = logging.getLogger("queueing")

PROGRAM = "queueing"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line flags; each overrides the same key of [queueing]."""
    p = argparse.ArgumentParser(
        prog="python -m queueing",
        description="Queueing service of the center",
        epilog="administration (the service may run meanwhile): python -m queueing [--config FILE] "
        "staff add|list|disable|enable|reset-pin ..., kiosk-token path|rotate|add|list|revoke ..., "
        "tablet pair|list|revoke ...; each with --help",
    )
    p.add_argument("--config", help="site TOML merged over config/default.toml (or $KIOSK_CONFIG)")
    p.add_argument("--host", help="address to listen on (default from [queueing] host: 127.0.0.1)")
    p.add_argument("--port", type=int, help="TCP port (default from [queueing] port: 8720)")
    p.add_argument("--data-dir", help="directory of the SQLite database (default var/queueing)")
    p.add_argument("--log-level", default="INFO")
    p.add_argument(
        "--start-fresh",
        action="store_true",
        help="accept an empty queue database where one existed before (a lost data directory)",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Load config, then serve until interrupted (or run an administration command)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    from queueing.admin_cli import is_admin_command

    if is_admin_command(argv):
        from queueing.admin_cli import main as admin_main

        return admin_main(argv)
    args = parse_args(argv)
    setup_logging(args.log_level)
    import uvicorn

    from queueing.app import create_app, with_public_base_url
    from queueing.config import center_names, load_config
    from queueing.staff_accounts import demo_refusal

    try:
        cfg = load_config(args.config, {"host": args.host, "port": args.port, "data_dir": args.data_dir})
        name_vi, name_en = center_names(args.config)
        # A --data-dir typed on the command line is relative to where it was typed; one from the
        # config file is relative to the repository, like every other path there.
        data_dir = Path(args.data_dir).resolve() if args.data_dir else resolve_path(cfg.data_dir)
        check_tls(cfg, "queueing")
        site = site_file(args.config) is not None  # not the shipped simulated center
        cfg = with_public_base_url(cfg, site=site)
        ensure_writable_dir(data_dir, "[queueing] data_dir or --data-dir")
        ensure_port_free(cfg.host, cfg.port, "queueing")
    except ConfigError as err:
        return fail(PROGRAM, err)
    refusal = demo_refusal(cfg)
    if refusal:
        return fail(PROGRAM, refusal)
    from queueing.data_guard import check_data_dir, remember
    from queueing.kiosk_token import TOKEN_FILE_NAME, token_path
    from queueing.store import Store, StoreError

    # like the locker: with --data-dir, every file of the service goes under it
    token_file = data_dir / TOKEN_FILE_NAME if args.data_dir else token_path(cfg, data_dir)
    try:  # never an empty queue in place of one that was lost; then migrate (backup first)
        check_data_dir(data_dir / "queue.sqlite3", start_fresh=args.start_fresh)
        with Store(data_dir / "queue.sqlite3", checkpoint_every_s=0):
            pass
        remember(data_dir)
    except (ConfigError, MigrationError, StoreError) as err:
        return fail(PROGRAM, err)
    try:  # a booking SMS template too long for one SMS is refused here, naming the key
        app = create_app(
            cfg,
            data_dir,
            center_name_vi=name_vi,
            center_name_en=name_en,
            kiosk_token_file=token_file,
            site_config=site,
        )
    except ConfigError as err:
        return fail(PROGRAM, err)
    scheme = "https" if cfg.tls else "http"
    log.info("queueing service on %s://%s:%d (data in %s)", scheme, cfg.host, cfg.port, data_dir)
    server = uvicorn.Server(uvicorn_config(app, cfg, cfg.host, cfg.port))
    server.run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
