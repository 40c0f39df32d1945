"""The one statement that stores a batch and keeps the rollups, run by PostgreSQL.

The hub hands PostgreSQL the batch's events, validated, clean (`common.outbox.clean_data`'s result)
and without a repeated seq, as one JSON text written by pydantic (`at` in seconds), and PostgreSQL
does the
per-event work in C: it unpacks the events (`jsonb_to_recordset`), keeps the seqs after the
acknowledged one, inserts them, adds the stored ones to the `daily` rollups and to the center's
counters (from one `GROUP BY` day, service and kind of the stored rows: each row is looked at
once), saves the stream's new ack, and answers how many it stored, the highest seq reached from
the ack by steps of one through them, and — only when the hub says the batch holds any — the
stored events the Python side still reads (appointments, ratings, calls of booked tickets:
`hub.citizen_rollups`; alarms: `hub.alarms`).
"""

from __future__ import annotations

#: Rollup column each event kind adds one to (other kinds are stored, not counted).
COUNTED: dict[str, str] = {
    "ticket.issued": "tickets_issued",
    "ticket.called": "tickets_called",
    "ticket.served": "tickets_served",
    "ticket.no_show": "tickets_no_show",
    "ticket.transferred": "tickets_transferred",
    "deposit.loaded": "deposits_loaded",
    "deposit.collected": "deposits_collected",
    "deposit.expired": "deposits_expired",
    "alarm.raised": "alarms_raised",
    "alarm.cleared": "alarms_cleared",
}

#: Kinds whose stored events go back to Python (`hub.citizen_rollups`, `hub.alarms`): rare ones,
#: and calls only when they carry `late_min` (a booked ticket's call). The hub tells the statement
#: whether a batch holds any (`%(back)s`, from `goes_back`); most hold none, and then no row is
#: tested for it.
BACK_KIND_PREFIXES = ("appointment.", "alarm.")
BACK_KINDS = frozenset({"ticket.rated"})
BACK_CALL_KEY = "late_min"
_BACK_TO_PYTHON = " OR ".join(
    [
        *(f"kind LIKE '{prefix}%%'" for prefix in BACK_KIND_PREFIXES),
        *(f"kind = '{kind}'" for kind in sorted(BACK_KINDS)),
        f"(kind = 'ticket.called' AND jsonb_typeof(data->'{BACK_CALL_KEY}') = 'number')",
    ]
)


def goes_back(kind: str, data: dict[str, object]) -> bool:
    """Whether a stored event of `kind` with its cleaned `data` is one `_BACK_TO_PYTHON` selects
    (a cleaned `late_min` is always a number)."""
    return (
        kind in BACK_KINDS
        or kind.startswith(BACK_KIND_PREFIXES)
        or (kind == "ticket.called" and BACK_CALL_KEY in data)
    )


_ROLLUP_COLS = [
    *sorted(set(COUNTED.values())),
    "wait_s_sum",
    "wait_n",
    "ratings_n",
    "ratings_sum",
    "waits_over_target",
]
_RATED = "kind = 'ticket.rated' AND (data->>'rating')::numeric BETWEEN 1 AND 5"
_WAITED = "kind = 'ticket.called' AND jsonb_typeof(data->'wait_s') = 'number'"


def _count(kind: str) -> str:
    """How many stored events of `kind` the batch's groups (`kinds`) hold."""
    return f"COALESCE(sum(n) FILTER (WHERE kind = '{kind}'), 0)"


#: The rollup columns from the batch's groups (`kinds`: one row per day, service and kind).
_ROLLUP_SUMS = [
    *(
        _count(kind)
        for col in sorted(set(COUNTED.values()))
        for kind in [k for k, c in COUNTED.items() if c == col]
    ),
    "sum(wait_s_sum)",
    "sum(wait_n)",
    "sum(ratings_n)",
    "sum(ratings_sum)",
    "sum(waits_over_target)",
]
assert len({c for c in COUNTED.values()}) == len(COUNTED)  # one kind per column: the list above lines up


#: A seq held already is skipped whatever day it carried (the key holds the day too, for the
#: monthly partitions: without this, a seq sent again with another day would be stored twice).
_NOT_HELD = """
      AND NOT EXISTS (SELECT 1 FROM events h
                      WHERE h.center_id = %(center_id)s AND h.stream = %(stream)s AND h.seq = r.seq)"""


def store_sql(skip_held: bool) -> str:
    """The statement; `skip_held`: some events may be held already (`ON CONFLICT DO NOTHING`).

    The batch comes as one JSON text `{"events": [...]}` (`hub.ingest.Batch.events_json`), without a
    repeated seq. Each stored
    row is looked at once, to group it by day, service and kind with its waits and rating
    (`kinds`); the rollups and the center's counters are taken from those few groups. When
    nothing after the ack was held, the statement also saves the stream's new ack; otherwise
    the hub works it out from what is stored (`hub.ingest._contiguous`) and saves it.
    """
    counted = ", ".join(f"'{k}'" for k in COUNTED)
    save_ack = (
        ""
        if skip_held
        else """, saved AS (
    INSERT INTO streams (center_id, stream, acked_seq) SELECT %(center_id)s, %(stream)s, seq FROM ack
    ON CONFLICT (center_id, stream) DO UPDATE SET acked_seq = excluded.acked_seq
    WHERE streams.acked_seq <> excluded.acked_seq
)"""
    )
    return f"""
WITH ins AS (
    INSERT INTO events (center_id, stream, seq, at, day, kind, service, data)
    SELECT %(center_id)s, %(stream)s, seq, to_timestamp(at), day, kind, COALESCE(data->>'service', ''),
           COALESCE(data, '{{}}')
    FROM jsonb_to_recordset(%(events)s::jsonb->'events')
         AS r(seq bigint, at float8, day date, kind text, data jsonb)
    WHERE seq > %(acked)s{_NOT_HELD if skip_held else ""}
    {"ON CONFLICT DO NOTHING" if skip_held else ""}
    RETURNING seq, at, day, kind, service, data
), kinds AS (
    SELECT day, service, kind, count(*) AS n, max(seq) AS last_seq,
           COALESCE(sum((data->>'wait_s')::float8) FILTER (WHERE {_WAITED}), 0) AS wait_s_sum,
           count(*) FILTER (WHERE {_WAITED}) AS wait_n,
           count(*) FILTER (WHERE {_RATED}) AS ratings_n,
           COALESCE(sum((data->>'rating')::numeric) FILTER (WHERE {_RATED}), 0) AS ratings_sum,
           count(*) FILTER (WHERE {_WAITED} AND (data->>'wait_s')::float8 > %(wait_target_s)s::float8)
               AS waits_over_target
    FROM ins GROUP BY day, service, kind
), rolled AS (
    INSERT INTO daily (center_id, day, service, {", ".join(_ROLLUP_COLS)})
    SELECT %(center_id)s, day, service, {", ".join(_ROLLUP_SUMS)}
    FROM kinds WHERE kind IN ({counted}) OR ratings_n > 0 GROUP BY day, service
    ON CONFLICT (center_id, day, service) DO UPDATE SET
    {", ".join(f"{c} = daily.{c} + excluded.{c}" for c in _ROLLUP_COLS)}
), n AS (
    SELECT COALESCE(sum(n), 0) AS stored, max(last_seq) AS last_seq,
           {_count("alarm.raised")} - {_count("alarm.cleared")} AS alarms,
           {_count("deposit.loaded")} - {_count("deposit.collected")}
               - {_count("deposit.withdrawn")} AS in_use,
           {_count("deposit.expired")} - {_count("deposit.withdrawn")} AS expired
    FROM kinds
), counters AS (
    UPDATE centers SET last_event_at = %(now)s, alarms_open = GREATEST(0, alarms_open + n.alarms),
           lockers_in_use = GREATEST(0, lockers_in_use + n.in_use),
           lockers_expired = GREATEST(0, lockers_expired + n.expired)
    FROM n WHERE center_id = %(center_id)s
), ack AS (  -- the highest seq reached from the old ack by steps of one through the stored seqs
    SELECT CASE WHEN n.stored = 0 THEN %(acked)s
                WHEN n.last_seq - %(acked)s = n.stored THEN n.last_seq
                ELSE (SELECT COALESCE(max(seq), %(acked)s) FROM (
                          SELECT seq, row_number() OVER (ORDER BY seq) AS r FROM ins) AS o
                      WHERE seq = %(acked)s + r)
           END AS seq
    FROM n
){save_ack}
SELECT n.stored, ack.seq,
       CASE WHEN %(back)s THEN
           (SELECT json_agg(json_build_object('seq', seq, 'at', at, 'day', day, 'kind', kind, 'data', data)
                            ORDER BY seq)
            FROM ins WHERE {_BACK_TO_PYTHON})
       END
FROM n, ack
"""  # noqa: S608 - only our own names and constants are formatted in


#: Both forms, built once.
STORE_NEW, STORE_SKIPPING_HELD = store_sql(False), store_sql(True)
