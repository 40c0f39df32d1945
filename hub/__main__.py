"""`python -m hub [--config FILE] [--database URL] [--host H] [--port P] [--data-dir DIR]` serves;
`python -m hub [...] center add CENTER_ID --name NAME` and `python -m hub [...] reader add NAME`
print a new token on one stdout line; `python -m hub [...] supervisor add NAME --pin-stdin` creates
a catalogue supervisor and prints the otpauth:// URI for an authenticator app (`reset` gives an
account a new PIN and URI, `revoke` ends it).

Without --database (nor `[hub_server] database_url`) the hub runs its own PostgreSQL cluster
under the data dir (created at the first start; see hub.cluster).
"""

from __future__ import annotations

import argparse
import gc
import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from common.cli_exit import EXIT_FAILED, fail
from common.config import ConfigError, ensure_writable_dir, resolve_path
from common.logsetup import setup_logging

if TYPE_CHECKING:
    from hub.config import HubConfig

log = logging.getLogger("hub")


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Options, then an optional administration command."""
    p = argparse.ArgumentParser(prog="python -m hub", description="Province hub (PostgreSQL)")
    p.add_argument("--config", help="site TOML merged over config/default.toml (or $KIOSK_CONFIG)")
    p.add_argument("--database", help="postgresql://... (default: a private cluster under --data-dir)")
    p.add_argument("--host", help="address to listen on (default [hub_server] host: 127.0.0.1)")
    p.add_argument("--port", type=int, help="TCP port (default [hub_server] port: 8730)")
    p.add_argument("--data-dir", help="directory of the private cluster (default var/hub)")
    p.add_argument("--log-level", default=None)
    sub = p.add_subparsers(dest="command")
    center = sub.add_parser("center", help="centers").add_subparsers(dest="action", required=True)
    add_center = center.add_parser(
        "add", help="register a center; prints its token (an existing center's earlier tokens are revoked)"
    )
    add_center.add_argument("center_id")
    add_center.add_argument("--name", required=True)
    center.add_parser("revoke", help="the center's token is refused from now on").add_argument("center_id")
    reader = sub.add_parser("reader", help="read-only API tokens").add_subparsers(
        dest="action", required=True
    )
    add_reader = reader.add_parser("add", help="prints a new read-only token")
    add_reader.add_argument("name")
    reader.add_parser("revoke", help="every token of that reader is refused from now on").add_argument("name")
    supervisor = sub.add_parser("supervisor", help="catalogue supervisors (PIN + TOTP)").add_subparsers(
        dest="action", required=True
    )
    for action, what in (
        ("add", "prints the otpauth:// URI for an authenticator app"),
        ("reset", "a new PIN and authenticator secret; prints the new URI"),
    ):
        cmd = supervisor.add_parser(action, help=what)
        cmd.add_argument("name")
        cmd.add_argument("--pin-stdin", action="store_true", help="read the PIN from the first line of stdin")
    supervisor.add_parser("revoke", help="the account signs in no more").add_argument("name")
    streams = sub.add_parser("stream", help="a center's event streams").add_subparsers(
        dest="action", required=True
    )
    skip = streams.add_parser(
        "skip", help="accept that a stream's events up to SEQ are gone (an older hub backup restored)"
    )
    skip.add_argument("center_id")
    skip.add_argument("stream", help="queueing, locker, ...")
    skip.add_argument("--to", type=int, required=True, metavar="SEQ", help="the last seq that is gone")
    archive = sub.add_parser(
        "archive", help="move a month of raw events to a pg_dump file (the daily rollups stay)"
    )
    archive.add_argument("month", help="YYYY-MM, at least two whole months ago")
    archive.add_argument("--to", required=True, help="directory for events_YYYY_MM.dump")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Serve, or run one administration command."""
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    from hub.cluster import ClusterError, PrivateCluster
    from hub.config import load_hub_config

    try:
        cfg = load_hub_config(
            args.config,
            {"host": args.host, "port": args.port, "database_url": args.database, "data_dir": args.data_dir},
        )
    except ConfigError as err:
        return fail("hub", err)
    setup_logging(args.log_level or cfg.log_level)
    cluster: PrivateCluster | None = None
    started_cluster = False
    database_url = cfg.database_url
    if not database_url:
        data_dir = Path(args.data_dir).resolve() if args.data_dir else resolve_path(cfg.data_dir)
        try:
            ensure_writable_dir(data_dir, "[hub_server] data_dir or --data-dir")
            cluster = PrivateCluster(data_dir, cfg.private_cluster_port or None)
            started_cluster = not cluster.running()
            cluster.start()
        except (ConfigError, ClusterError) as err:
            return fail("hub", err)
        database_url = cluster.url
    try:
        if args.command is not None:
            return _admin(args, database_url, cfg)
        return _serve(cfg, database_url)
    finally:
        if cluster is not None and started_cluster:
            cluster.stop()


def _admin(args: argparse.Namespace, database_url: str, cfg: HubConfig) -> int:
    import psycopg

    from hub import schema
    from hub.ingest import skip_gap
    from hub.supervisors import SupervisorError, add_supervisor, key_path, open_box, reset_supervisor
    from hub.supervisors import revoke_supervisor as revoke
    from hub.tokens import TokenError, add_center, add_reader
    from hub.tokens import revoke as revoke_token

    if args.command == "archive":
        return _archive(args, database_url, cfg)
    if args.command == "supervisor" and args.action != "revoke" and not args.pin_stdin:
        return fail("hub", "give the PIN on stdin with --pin-stdin (never on the command line)")
    try:
        with psycopg.connect(database_url, autocommit=True) as conn:
            schema.migrate(conn)
            if args.command == "stream":
                if args.to < 0:
                    raise TokenError("--to must be a seq (0 or more)")
                try:
                    was, now = skip_gap(conn, args.center_id, args.stream, args.to)
                except LookupError as err:
                    raise TokenError(str(err)) from None
                token = f"{args.center_id} {args.stream}: acknowledged up to {now} (was {was})"
            elif args.action == "revoke" and args.command in ("center", "reader"):
                who = args.center_id if args.command == "center" else args.name
                count = revoke_token(conn, args.command, who)
                token = f"{args.command} {who}: {count} token(s) revoked; refused from now on"
            elif args.command == "center":
                token = add_center(conn, args.center_id, args.name)
            elif args.command == "supervisor" and args.action == "revoke":
                revoke(conn, args.name)
                token = f"supervisor {args.name} revoked"
            elif args.command == "supervisor":
                box = open_box(key_path(cfg.catalogue, cfg.data_dir))
                new = add_supervisor if args.action == "add" else reset_supervisor
                token = new(conn, box, args.name, sys.stdin.readline().strip(), cfg.catalogue.pin_min_digits)
            else:
                token = add_reader(conn, args.name)
    except (TokenError, SupervisorError, ConfigError) as err:
        return fail("hub", err)
    except psycopg.OperationalError as err:
        return fail("hub", f"cannot reach the database: {err}")
    print(token, flush=True)
    return 0


def _archive(args: argparse.Namespace, database_url: str, cfg: HubConfig) -> int:
    """`archive YYYY-MM --to DIR` (hub.archive): one line on stdout, or the reason on stderr."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import psycopg

    from hub import schema
    from hub.archive import ArchiveError, archive_month, parse_month

    try:
        month = parse_month(args.month)
        with psycopg.connect(database_url, autocommit=True) as conn:
            schema.migrate(conn)
        today = datetime.now(ZoneInfo(cfg.timezone)).date()
        line = archive_month(database_url, month, Path(args.to).resolve(), today)
    except ArchiveError as err:
        return fail("hub", err, EXIT_FAILED)
    except psycopg.OperationalError as err:
        return fail("hub", f"cannot reach the database: {err}")
    print(line, flush=True)
    return 0


def _serve(cfg: object, database_url: str) -> int:
    import uvicorn

    from common.serving import ensure_port_free, uvicorn_config
    from hub.app import create_app
    from hub.config import HubConfig

    assert isinstance(cfg, HubConfig)
    try:
        ensure_port_free(cfg.host, cfg.port, "hub_server")
    except ConfigError as err:
        return fail("hub", err)
    app = create_app(cfg, database_url)
    log.info("province hub on %s://%s:%d", "https" if cfg.tls else "http", cfg.host, cfg.port)
    server = uvicorn.Server(uvicorn_config(app, cfg, cfg.host, cfg.port))
    # uvicorn re-raises the SIGTERM it handled once it has shut down; as an exception here (not
    # the default handler's instant death) it lets main() stop the private cluster it started
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    # What is loaded by now (modules, the app, its schemas: most of the process's objects) lives
    # as long as the process: kept out of the cyclic collector's full passes, which the batches'
    # parsed events set off again and again (≈ 10 % of the hub's CPU per event stored,
    # docs/performance.md). New objects are collected as before.
    gc.collect()
    gc.freeze()
    server.run()
    return 0


def _exit_on_sigterm(_sig: int, _frame: object) -> None:
    raise SystemExit(0)


if __name__ == "__main__":
    raise SystemExit(main())
