"""`python -m hub.simulate --url HUB --centers N [--days D] [--database URL | --data-dir DIR]`: N
simulated centers' days sent to a running hub through its API, so the pages show something real.

Each center (SIM-0001, ...) is registered in the hub's database (like `center add`), then posts
its last D days (default 1; Sundays closed) the way its uplink would: tickets arriving by hour
(morning and early-afternoon peaks) over five services, called after a wait that grows with the
queue, served or missed, some rated; a few doors forced and seen to; its locker (24-60
compartments, a few out of service) with results loaded on working days, most collected within
days, the rest expired at the end of the pickup window and taken out by staff the next working
morning (the locker's events start `WARMUP_DAYS` earlier, so the first day opens with the locker as
full as any other day); a heartbeat with its devices (now and then a printer out of paper) and
its compartment count. Seeded: the same arguments give the same province. Prints a read-only
token for the pages.
"""

from __future__ import annotations

import argparse
import math
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
#: [locker.codes] valid_days: a code works to the end of the local day this many days after loading.
VALID_DAYS = 7
#: The locker's events start this many days before the first simulated day (steady state by then).
WARMUP_DAYS = VALID_DAYS + 3
#: Results collected (the rest expire), and the mean days until a citizen comes.
COLLECTED_SHARE = 0.88
COLLECT_MEAN_DAYS = 1.2
#: Mean calendar days a result holds a compartment under the two figures above (about
#: 0.88 x 1.2 + 0.12 x 8, expired ones waiting for the next working morning).
MEAN_STAY_DAYS = 2.0
#: Compartment sizes and their shares as in the shipped cabinet (16 small, 4 medium, 4 large).
SIZES = ("small", "medium", "large")
SIZE_WEIGHTS = (4.0, 1.0, 1.0)


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


def _at(day: date, hour: int) -> float:
    return datetime.combine(day, time(hour), TZ).timestamp()


def _working_morning_after(at: float) -> date:
    """The first morning (08:00 local, not a Sunday) after `at`: when staff take expired results out."""
    day = datetime.fromtimestamp(at, TZ).date()
    while day.weekday() == 6 or _at(day, 8) <= at:
        day += timedelta(days=1)
    return day


def locker_events(rng: random.Random, days: list[date], compartments_in_service: int) -> list[dict[str, Any]]:
    """One center's locker from `WARMUP_DAYS` before `days[0]` to the end of `days[-1]`, numbered
    from 1: loads (working days, 08:00-17:00) sized to fill 30-60 % of the compartments in
    service on average and never more than all of them, each collected or expired then withdrawn,
    so over a day loaded ~ collected + withdrawn."""
    end = _at(days[-1] + timedelta(days=1), 0)
    per_day = rng.uniform(0.3, 0.6) * compartments_in_service * 7 / 6 / MEAN_STAY_DAYS
    stays: list[tuple[float, float]] = []  # (loaded, left) of every result loaded
    happenings: list[tuple[float, str, str]] = []  # (at, kind, compartment size)
    day = days[0] - timedelta(days=WARMUP_DAYS)
    while day <= days[-1]:
        count = 0 if day.weekday() == 6 else max(1, round(rng.gauss(per_day, math.sqrt(per_day))))
        for at in sorted(_at(day, 8) + rng.uniform(0, 9 * 3600) for _ in range(count)):
            if sum(1 for loaded, left in stays if loaded <= at < left) >= compartments_in_service:
                continue  # full: the result waits at the counter
            size = rng.choices(SIZES, SIZE_WEIGHTS)[0]
            happenings.append((at, "deposit.loaded", size))
            expires = _at(day + timedelta(days=VALID_DAYS + 1), 0)
            pickup = at + rng.expovariate(1 / (COLLECT_MEAN_DAYS * 86400))
            if rng.random() < COLLECTED_SHARE and pickup < expires:
                happenings.append((pickup, "deposit.collected", size))
                left = pickup
            else:
                left = _at(_working_morning_after(expires), 8) + rng.uniform(0, 7200)
                happenings += [(expires, "deposit.expired", size), (left, "deposit.withdrawn", size)]
            stays.append((at, left))
        day += timedelta(days=1)
    return [
        {
            "seq": i,
            "at": at,
            "day": datetime.fromtimestamp(at, TZ).date().isoformat(),
            "kind": kind,
            "data": {"size": size},
        }
        for i, (at, kind, size) in enumerate(sorted(h for h in happenings if h[0] < end), start=1)
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
            for d in days:
                if d.weekday() == 6 and d != day:
                    continue  # closed on Sundays
                events += [{**e, "seq": len(events) + e["seq"]} for e in center_day(rng, d, size)]
            compartments = {"total": rng.randint(24, 60), "out_of_service": rng.choice((0, 0, 0, 1, 2))}
            deposits = locker_events(rng, days, compartments["total"] - compartments["out_of_service"])
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
            beat = {
                "version": "sim",
                "waiting_now": rng.randint(0, 30),
                "devices": devices,
                "locker_compartments": compartments,
            }
            r = http.post(f"{args.url.rstrip('/')}/api/v1/heartbeat", json=beat, headers=headers, timeout=30)
            if r.status_code != 200:  # a refused beat would leave the center "never seen" and no locker
                print(
                    f"hub.simulate: the hub refused a heartbeat: HTTP {r.status_code} {r.text[:200]}",
                    file=sys.stderr,
                )
                return 1
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
