"""The one statement that stores a batch and keeps the rollups, run by PostgreSQL.

The hub hands PostgreSQL the batch's events, validated and with their data cleaned
(`common.outbox.clean_data`), as one JSON text (pydantic's own serialisation), and PostgreSQL
does the per-event work in C: it unpacks the events (`jsonb_to_recordset`), keeps the last of a
repeated seq and only seqs after the acknowledged one, inserts them, adds the stored ones to the
`daily` rollups (`GROUP BY` day and service, one upsert per row of the rollup) and to the
center's counters, and answers how many it stored, the highest seq reached from the ack by steps
of one through them, and the few stored events the Python side still reads (appointments,
ratings, calls of booked tickets: `hub.citizen_rollups`; alarms: `hub.alarms`).
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
#: and calls only when they carry `late_min` (a booked ticket's call).
_BACK_TO_PYTHON = (
    "kind LIKE 'appointment.%%' OR kind LIKE 'alarm.%%' OR kind = 'ticket.rated' "
    "OR (kind = 'ticket.called' AND jsonb_typeof(data->'late_min') = 'number')"
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
_ROLLUP_SUMS = [
    *(
        f"count(*) FILTER (WHERE kind = '{kind}')"
        for col in sorted(set(COUNTED.values()))
        for kind in [k for k, c in COUNTED.items() if c == col]
    ),
    f"COALESCE(sum((data->>'wait_s')::float8) FILTER (WHERE {_WAITED}), 0)",
    f"count(*) FILTER (WHERE {_WAITED})",
    f"count(*) FILTER (WHERE {_RATED})",
    f"COALESCE(sum((data->>'rating')::numeric) FILTER (WHERE {_RATED}), 0)",
    f"count(*) FILTER (WHERE {_WAITED} AND (data->>'wait_s')::float8 > %(wait_target_s)s::float8)",
]
assert len({c for c in COUNTED.values()}) == len(COUNTED)  # one kind per column: the list above lines up


def store_sql(skip_held: bool) -> str:
    """The statement; `skip_held`: some events may be held already (`ON CONFLICT DO NOTHING`)."""
    counted = ", ".join(f"'{k}'" for k in COUNTED)
    return f"""
WITH src AS (
    SELECT DISTINCT ON (seq) seq, at, day, kind, data
    FROM ROWS FROM (
        jsonb_to_recordset(%(events)s::jsonb) AS (seq bigint, at timestamptz, day date, kind text, data jsonb)
    ) WITH ORDINALITY AS a(seq, at, day, kind, data, i)
    WHERE seq > %(acked)s ORDER BY seq, i DESC
), ins AS (
    INSERT INTO events (center_id, stream, seq, at, day, kind, service, data)
    SELECT %(center_id)s, %(stream)s, seq, at, day, kind, COALESCE(data->>'service', ''), data FROM src
    {"ON CONFLICT DO NOTHING" if skip_held else ""}
    RETURNING seq, at, day, kind, service, data
), rolled AS (
    INSERT INTO daily (center_id, day, service, {", ".join(_ROLLUP_COLS)})
    SELECT %(center_id)s, day, service, {", ".join(_ROLLUP_SUMS)}
    FROM ins WHERE kind IN ({counted}) OR ({_RATED}) GROUP BY day, service
    ON CONFLICT (center_id, day, service) DO UPDATE SET
    {", ".join(f"{c} = daily.{c} + excluded.{c}" for c in _ROLLUP_COLS)}
), n AS (
    SELECT count(*) AS stored,
           count(*) FILTER (WHERE kind = 'alarm.raised')
               - count(*) FILTER (WHERE kind = 'alarm.cleared') AS alarms,
           count(*) FILTER (WHERE kind = 'deposit.loaded')
               - count(*) FILTER (WHERE kind = 'deposit.collected')
               - count(*) FILTER (WHERE kind = 'deposit.withdrawn') AS in_use,
           count(*) FILTER (WHERE kind = 'deposit.expired')
               - count(*) FILTER (WHERE kind = 'deposit.withdrawn') AS expired
    FROM ins
), counters AS (
    UPDATE centers SET last_event_at = %(now)s, alarms_open = GREATEST(0, alarms_open + n.alarms),
           lockers_in_use = GREATEST(0, lockers_in_use + n.in_use),
           lockers_expired = GREATEST(0, lockers_expired + n.expired)
    FROM n WHERE center_id = %(center_id)s
)
SELECT n.stored,
       (SELECT COALESCE(max(seq), %(acked)s) FROM (
            SELECT seq, row_number() OVER (ORDER BY seq) AS r FROM ins) AS o
        WHERE seq = %(acked)s + r),
       (SELECT json_agg(json_build_object('seq', seq, 'at', at, 'day', day, 'kind', kind, 'data', data)
                        ORDER BY seq)
        FROM ins WHERE {_BACK_TO_PYTHON})
FROM n
"""  # noqa: S608 - only our own names and constants are formatted in


#: Both forms, built once.
STORE_NEW, STORE_SKIPPING_HELD = store_sql(False), store_sql(True)
