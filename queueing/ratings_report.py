"""Satisfaction report: per officer, counter, service or day over a span of local days, with the
share of served tickets rated and the reasons ranked; JSON or CSV (like `queueing.reports`).

A ticket counts on its own day (`tickets.day`): served = finished there (`done`, not released
by a closed counter); rated = rated from the tablet or the phone, on the officer, counter and
service that served it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from common.csv_text import csv_text
from common.timestamps import iso_utc
from contracts.ratings import RatingComment, RatingGroup, ReasonCount, SatisfactionReport, SatisfactionRow
from queueing import ratings_repo, ticket_history_repo
from queueing.ratings_config import RatingsConfig
from queueing.store import Store

#: score -> the report's column (the phone's scale; the tablet gives 2..5).
LEVELS = {5: "very_satisfied", 4: "satisfied", 3: "neutral", 2: "dissatisfied", 1: "very_dissatisfied"}
#: Comments listed per report (newest first).
MAX_COMMENTS = 200


def _key(group: RatingGroup, row: Any) -> str:
    value = row["staff_id"] if group is RatingGroup.STAFF else row[group.value]
    return "-" if value is None else str(value)


def report(
    store: Store,
    start: str,
    end: str,
    group: RatingGroup,
    cfg: RatingsConfig,
    labels: dict[str, str],
) -> SatisfactionReport:
    """Rows per group (then 'all'), the reasons ranked, and the comments (supervisors only)."""
    with store.read() as conn:
        served = ticket_history_repo.served_in_days(conn, start, end)
        rated = ratings_repo.in_days(conn, start, end)

    served_by: Counter[str] = Counter(_key(group, r) for r in served)
    rated_by: dict[str, list[Any]] = {}
    for r in rated:
        rated_by.setdefault(_key(group, r), []).append(r)
    rows = [
        SatisfactionRow(
            group=key, label=labels.get(key, key), **_summary(rated_by.get(key, []), served_by[key], cfg)
        )
        for key in sorted(set(served_by) | set(rated_by))
    ]
    rows.append(SatisfactionRow(group="all", label="Tổng · All", **_summary(list(rated), len(served), cfg)))
    comments = [
        RatingComment(
            at=iso_utc(r["at"]),
            day=r["day"],
            counter=r["counter"],
            staff_id=r["staff_id"],
            service=r["service"],
            score=r["score"],
            comment=r["comment"],
        )
        for r in rated
        if r["comment"]
    ][:MAX_COMMENTS]
    return SatisfactionReport(
        start=start, end=end, group=group, rows=rows, reasons=rows[-1].reasons, comments=comments
    )


def _summary(items: Sequence[Any], served: int, cfg: RatingsConfig) -> dict[str, Any]:
    scores = [int(r["score"]) for r in items]
    levels = Counter(scores)
    reasons: Counter[str] = Counter()
    for r in items:
        reasons.update(json.loads(r["reasons"] or "[]"))
    n = len(scores)
    return {
        "served": served,
        "rated": n,
        "rated_pct": round(100 * n / served, 1) if served else None,
        "tablet": sum(1 for r in items if r["source"] == "tablet"),
        "phone": sum(1 for r in items if r["source"] == "phone"),
        **{name: levels.get(score, 0) for score, name in LEVELS.items()},
        "satisfied_pct": round(100 * (levels[5] + levels[4]) / n, 1) if n else None,
        "score_mean": round(sum(scores) / n, 2) if n else None,
        "reasons": _ranked(reasons, cfg),
    }


def _ranked(counts: Counter[str], cfg: RatingsConfig) -> list[ReasonCount]:
    """Most often first, ties by code; a reason since removed from config keeps its code as text."""
    out = []
    for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        reason = cfg.reason(code)
        out.append(
            ReasonCount(
                code=code,
                name_vi=reason.name_vi if reason else code,
                name_en=reason.name_en if reason else code,
                count=count,
            )
        )
    return out


COLUMNS = [
    "group",
    "label",
    "served",
    "rated",
    "rated_pct",
    "tablet",
    "phone",
    "very_satisfied",
    "satisfied",
    "neutral",
    "dissatisfied",
    "very_dissatisfied",
    "satisfied_pct",
    "score_mean",
    "reasons",
]


def to_csv(rows: Sequence[SatisfactionRow]) -> str:
    """The report as CSV (header first); `reasons` as "code:count" most often first. No comments:
    free text stays in the supervisors' JSON (a spreadsheet would run a comment starting with =)."""

    def cells(row: SatisfactionRow) -> list[object]:
        values = row.model_dump()
        values["reasons"] = " ".join(f"{r.code}:{r.count}" for r in row.reasons)
        return [values.get(k) for k in COLUMNS]

    return csv_text(COLUMNS, (cells(row) for row in rows))
