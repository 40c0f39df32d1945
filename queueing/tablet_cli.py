"""`python -m queueing tablet pair|list|revoke`: rating tablets from the command line (the same
`queueing.tablets.Tablets` as the /tablets page; actor "cli" in the staff audit)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from queueing.config import QueueingConfig
    from queueing.store import Store


def add_parser(sub: argparse._SubParsersAction, leaves: list[argparse.ArgumentParser]) -> None:  # type: ignore[type-arg]
    """The `tablet` command group and its leaves (appended to `leaves` for the late options)."""
    tablet = sub.add_parser("tablet", help="rating tablets at the counters").add_subparsers(
        dest="cmd", required=True
    )
    pair = tablet.add_parser("pair", help="a one-time pairing code for a tablet at a counter")
    pair.add_argument("--counter", type=int, required=True, help="the counter's number")
    pair.add_argument("--label", default="", help="where the tablet stands (for the list)")
    revoke = tablet.add_parser("revoke", help="refuse a tablet's token from now on")
    revoke.add_argument("tablet_id")
    leaves += [pair, revoke, tablet.add_parser("list", help="list tablets and their state")]


def run(args: argparse.Namespace, cfg: QueueingConfig, store: Store) -> int:
    """Run one `tablet` command on the open queueing database; returns the exit status.

    Refusals (`QueueError`) end the command in `queueing.admin_cli.main`, as for staff commands.
    """
    from common.clock import SystemClock
    from queueing.tablets import Tablets
    from queueing.wiring import Wiring

    tablets = Tablets(Wiring(cfg, store, SystemClock()))
    if args.cmd == "pair":
        made = tablets.pair(args.counter, args.label.strip(), "cli")
        from datetime import datetime
        from zoneinfo import ZoneInfo

        base = cfg.public_base_url.rstrip("/") or "http://<this server>"
        until = datetime.fromisoformat(made.code_expires_at.replace("Z", "+00:00")).astimezone(
            ZoneInfo(cfg.timezone)
        )
        print(
            f"tablet {made.tablet_id} for counter {made.counter}: on the tablet open {base}/rate "
            f"and type the code {made.pair_code} before {until:%H:%M} ({until:%Y-%m-%d}, {cfg.timezone}; "
            "shown only now)"
        )
    elif args.cmd == "revoke":
        tablets.revoke(args.tablet_id, "cli")
        print(f"{args.tablet_id}: revoked; its tablet asks to be paired again")
    else:
        for row in tablets.listing():
            seen = row.last_seen_at or "-"
            where = f"counter {row.counter:<3} {row.state:<8}"
            print(f"{row.tablet_id:<14} {where} seen {seen}  {row.label}")
    return 0
