"""`python -m hub.simulate --url HUB --centers N [--days D] [--database URL | --data-dir DIR]`: N
simulated centers' days sent to a running hub through its API, so the pages show something real.

Each center (SIM-0001, ...) is registered in the hub's database (like `center add`), then posts
its last D days (default 1; Sundays closed) the way its uplink would: tickets arriving by hour
(morning and early-afternoon peaks) over five services, called after a wait that grows with the
queue, served or missed, some rated; a few doors forced and seen to; deposits loaded and
collected at its locker; a heartbeat with its devices (now and then a printer out of paper).
Seeded: the same arguments give the same province. Prints a read-only token for the pages.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests

SERVICES = ("HT", "DD", "KD", "TP", "XD")  # hộ tịch, đất đai, kinh doanh, tư pháp, xây dựng
#: Share of a day's tickets arriving in each hour (07:00-17:00).
HOURLY = {7: 0.08, 8: 0.18, 9: 0.17, 10: 0.12, 11: 0.06, 13: 0.10, 14: 0.14, 15: 0.10, 16: 0.05}
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def center_day(rng: random.Random, day: date, tickets: int) -> list[dict[str, Any]]:
    """One center's events of `day`, in order, numbered from 1."""
    happenings: list[tuple[float, str, dict[str, Any]]] = []
    for hour, share in HOURLY.items():
        for _ in range(round(tickets * share)):
            start = datetime.combine(day, time(hour), TZ) + timedelta(seconds=rng.uniform(0, 3600))
            at = start.timestamp()
            service = rng.choice(SERVICES)
            base = {"service": service, "channel": "kiosk" if rng.random() < 0.9 else "remote"}
            happenings.append((at, "ticket.issued", {**base, "priority": rng.random() < 0.1}))
            wait = rng.expovariate(1 / (600 + 900 * share))
            called = at + wait
            happenings.append(
                (called, "ticket.called", {**base, "wait_s": round(wait, 1), "counter": rng.randint(1, 6)})
            )
            if rng.random() < 0.07:
                happenings.append((called + 120, "ticket.no_show", base))
                continue
            served = called + rng.uniform(180, 900)
            happenings.append((served, "ticket.served", {**base, "service_s": round(served - called, 1)}))
            if rng.random() < 0.3:
                happenings.append(
                    (served + 30, "ticket.rated", {**base, "rating": rng.choice((5, 5, 5, 4, 4, 3, 2))})
                )
    if rng.random() < 0.2:  # a door forced at noon, seen to by staff within the hour
        noon = datetime.combine(day, time(12), TZ).timestamp()
        happenings.append((noon, "alarm.raised", {"alarm": "door_forced"}))
        happenings.append((noon + rng.uniform(300, 3600), "alarm.cleared", {"alarm": "door_forced"}))
    happenings.sort(key=lambda h: h[0])
    return [
        {"seq": i, "at": at, "day": day.isoformat(), "kind": kind, "data": data}
        for i, (at, kind, data) in enumerate(happenings, start=1)
    ]


def main(argv: list[str] | None = None) -> int:
    """Register N centers, post their day to the hub; print a reader token."""
    p = argparse.ArgumentParser(
        prog="python -m hub.simulate", description="Feed a hub with simulated centers"
    )
    p.add_argument("--url", required=True, help="the running hub, e.g. http://127.0.0.1:8730")
    p.add_argument("--centers", type=int, default=20)
    p.add_argument("--day", help="YYYY-MM-DD, the last day (default today in Ho Chi Minh City)")
    p.add_argument("--days", type=int, default=1, help="how many days up to --day (default 1)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--database", help="the hub's database URL (default: its private cluster)")
    p.add_argument("--data-dir", help="the hub's data dir when it runs its private cluster (default var/hub)")
    args = p.parse_args(argv)
    import psycopg

    from hub import schema
    from hub.tokens import add_center, add_reader

    day = date.fromisoformat(args.day) if args.day else datetime.now(UTC).astimezone(TZ).date()
    database = args.database or _private_url(args.data_dir)
    rng = random.Random(args.seed)
    with psycopg.connect(database, autocommit=True) as conn:
        schema.migrate(conn)
        tokens = [
            add_center(conn, f"SIM-{i:04d}", f"Trung tâm mô phỏng {i}") for i in range(1, args.centers + 1)
        ]
        reader = add_reader(conn, "simulate")
    total = 0
    days = [day - timedelta(days=back) for back in range(max(1, args.days) - 1, -1, -1)]
    with requests.Session() as http:
        for token in tokens:
            headers = {"Authorization": f"Bearer {token}"}
            size = rng.choice((80, 150, 250, 400))
            events: list[dict[str, Any]] = []
            deposits: list[dict[str, Any]] = []
            for d in days:
                if d.weekday() == 6 and d != day:
                    continue  # closed on Sundays
                events += [{**e, "seq": len(events) + e["seq"]} for e in center_day(rng, d, size)]
                last = events[-1]  # the locker's day: loaded and collected at closing time
                kinds = ["deposit.loaded"] * rng.randint(1, 8) + ["deposit.collected"] * rng.randint(0, 6)
                deposits += [
                    {
                        "seq": len(deposits) + n,
                        "at": last["at"],
                        "day": last["day"],
                        "kind": k,
                        "data": {"size": "M"},
                    }
                    for n, k in enumerate(kinds, start=1)
                ]
            for stream, batch in (("queueing", events), ("locker", deposits)):
                for start in range(0, len(batch), 500):
                    r = http.post(
                        f"{args.url.rstrip('/')}/api/v1/events",
                        json={"stream": stream, "events": batch[start : start + 500]},
                        headers=headers,
                        timeout=60,
                    )
                    if r.status_code != 200:
                        print(
                            f"hub.simulate: the hub refused a batch: HTTP {r.status_code} {r.text[:200]}",
                            file=sys.stderr,
                        )
                        return 1
            total += len(events) + len(deposits)
            devices = {"queueing": "ok", "locker": "ok", "board main/1": "ok", "board main/2": "ok"}
            devices["kiosk k1 printer"] = "paper_out" if rng.random() < 0.1 else "ok"
            beat = {"version": "sim", "waiting_now": rng.randint(0, 30), "devices": devices}
            http.post(f"{args.url.rstrip('/')}/api/v1/heartbeat", json=beat, headers=headers, timeout=30)
    print(f"{args.centers} simulated centers sent {total} events for {days[0]} .. {day}", file=sys.stderr)
    print(reader)
    return 0


def _private_url(data_dir: str | None) -> str:
    from pathlib import Path

    from common.config import resolve_path
    from hub.cluster import PrivateCluster

    cluster = PrivateCluster(Path(data_dir).resolve() if data_dir else resolve_path("var/hub"))
    if not cluster.running():
        raise SystemExit(
            "hub.simulate: the hub's private cluster is not running: start `python -m hub` first"
        )
    return cluster.url


if __name__ == "__main__":
    raise SystemExit(main())
