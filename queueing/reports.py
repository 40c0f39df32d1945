"""Daily reports: issued/served/no-show, wait and service times, target share, estimate error,
satisfaction; grouped by service, counter or staff; JSON or CSV."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from common.csv_text import csv_text
from contracts.queueing import GroupBy as GroupBy  # the wire's vocabulary, defined once
from contracts.queueing_reports import ReportRow
from queueing import ticket_history_repo
from queueing.store import Store


def _p90(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, math.ceil(0.9 * len(ordered)) - 1)
    return ordered[rank]


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _r(v: float | None, nd: int = 1) -> float | None:
    return None if v is None else round(v, nd)


def day_report(
    store: Store, day: str, group: GroupBy, wait_target_min: float, labels: dict[str, str] | None = None
) -> list[ReportRow]:
    """One row per group for the local day `day` (YYYY-MM-DD), plus a final 'all' row.

    `labels` maps a group key (service code, counter number, staff ID) to a readable name.
    """
    with store.read() as conn:
        rows = ticket_history_repo.of_day(conn, day)

    groups: dict[str, list[Any]] = {}
    for r in rows:
        key = r[group.value] if group is not GroupBy.STAFF else r["staff_id"]
        groups.setdefault("-" if key is None else str(key), []).append(r)
    names = labels or {}
    out = [
        ReportRow(label=names.get(name, name), **_summary(name, items, wait_target_min))
        for name, items in sorted(groups.items())
    ]
    out.append(ReportRow(label="Tổng · All", **_summary("all", list(rows), wait_target_min)))
    return out


def _summary(name: str, items: Sequence[Any], target_min: float) -> dict[str, Any]:
    issued = [r for r in items if r["transferred_from"] is None and r["state"] != "void"]
    waits = [(r["called_at"] - r["waiting_since"]) / 60 for r in items if r["called_at"] is not None]
    services = [
        (r["finished_at"] - (r["started_at"] or r["called_at"])) / 60
        for r in items
        if r["state"] == "done"
        and r["void_reason"] is None  # closed by the sweep at a left counter: length unknown
        and r["finished_at"] is not None
        and (r["started_at"] or r["called_at"])
    ]
    errors = [
        abs((r["called_at"] - r["issued_at"]) - r["est_wait_s"]) / 60
        for r in items
        if r["called_at"] is not None and r["est_wait_s"] is not None and r["transferred_from"] is None
    ]
    ratings = [int(r["rating"]) for r in items if r["rating"] is not None]
    over = sum(1 for w in waits if w > target_min)
    return {
        "group": name,
        "issued": len(issued),
        "served": sum(1 for r in items if r["state"] == "done"),
        "no_show": sum(1 for r in items if r["state"] == "no_show"),
        "transferred": sum(1 for r in items if r["state"] == "transferred"),
        "voided": sum(1 for r in items if r["state"] == "void"),
        "waiting_now": sum(1 for r in items if r["state"] == "waiting"),
        "wait_mean_min": _r(_mean(waits)),
        "wait_p90_min": _r(_p90(waits)),
        "service_mean_min": _r(_mean(services)),
        "service_p90_min": _r(_p90(services)),
        "over_target_pct": _r(100 * over / len(waits)) if waits else None,
        "estimate_mae_min": _r(_mean(errors)),
        "rating_mean": _r(_mean(ratings), 2),
        "ratings": len(ratings),
    }


COLUMNS = [
    "group",
    "label",
    "issued",
    "served",
    "no_show",
    "transferred",
    "voided",
    "waiting_now",
    "wait_mean_min",
    "wait_p90_min",
    "service_mean_min",
    "service_p90_min",
    "over_target_pct",
    "estimate_mae_min",
    "rating_mean",
    "ratings",
]


def to_csv(rows: Sequence[ReportRow]) -> str:
    """The report as CSV text (header row first; empty cells for unknown values)."""
    return csv_text(COLUMNS, ([values.get(k) for k in COLUMNS] for values in (r.model_dump() for r in rows)))
