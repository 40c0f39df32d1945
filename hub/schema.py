"""The hub's schema as numbered migrations, applied in order at start, each in its own transaction.

`schema_version` holds the migrations applied. A migration is never edited once released: a
change is a new one. Two hubs starting at once on one database take an advisory lock, so one
migrates and the other finds it done.
"""

from __future__ import annotations

import logging

import psycopg

log = logging.getLogger(__name__)

#: Any constant shared by every hub process: the advisory lock held while migrating.
MIGRATION_LOCK = 0x6875_6231

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "centers, tokens, events, daily rollups",
        """
        CREATE TABLE centers (
            center_id text PRIMARY KEY,
            name text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            last_event_at timestamptz,
            last_heartbeat_at timestamptz,
            heartbeat jsonb NOT NULL DEFAULT '{}'::jsonb
        );
        -- who may call the API: a center (posts its own events) or a reader (reads everything)
        CREATE TABLE tokens (
            token_hash bytea PRIMARY KEY,
            role text NOT NULL CHECK (role IN ('center', 'reader')),
            center_id text REFERENCES centers(center_id),
            name text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            revoked_at timestamptz,
            CHECK ((role = 'center') = (center_id IS NOT NULL))
        );
        -- one row per event stream of a center (one per service outbox): the acknowledged seq
        CREATE TABLE streams (
            center_id text NOT NULL REFERENCES centers(center_id),
            stream text NOT NULL,
            acked_seq bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (center_id, stream)
        );
        CREATE TABLE events (
            center_id text NOT NULL,
            stream text NOT NULL,
            seq bigint NOT NULL,
            at timestamptz NOT NULL,
            day date NOT NULL,
            kind text NOT NULL,
            service text NOT NULL DEFAULT '',
            data jsonb NOT NULL DEFAULT '{}'::jsonb,
            received_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (center_id, stream, seq)
        );
        CREATE INDEX events_day ON events (center_id, day);
        -- rollups kept at ingest, in the same transaction as the events they count
        CREATE TABLE daily (
            center_id text NOT NULL,
            day date NOT NULL,
            service text NOT NULL DEFAULT '',
            tickets_issued integer NOT NULL DEFAULT 0,
            tickets_called integer NOT NULL DEFAULT 0,
            tickets_served integer NOT NULL DEFAULT 0,
            tickets_no_show integer NOT NULL DEFAULT 0,
            tickets_transferred integer NOT NULL DEFAULT 0,
            deposits_loaded integer NOT NULL DEFAULT 0,
            deposits_collected integer NOT NULL DEFAULT 0,
            deposits_expired integer NOT NULL DEFAULT 0,
            alarms_raised integer NOT NULL DEFAULT 0,
            alarms_cleared integer NOT NULL DEFAULT 0,
            wait_s_sum double precision NOT NULL DEFAULT 0,
            wait_n integer NOT NULL DEFAULT 0,
            PRIMARY KEY (center_id, day, service)
        );
        """,
    ),
    (
        2,
        "citizens' ratings in the daily rollups",
        """
        ALTER TABLE daily ADD COLUMN ratings_n integer NOT NULL DEFAULT 0;
        ALTER TABLE daily ADD COLUMN ratings_sum integer NOT NULL DEFAULT 0;
        """,
    ),
    (
        3,
        "open alarms kept per center; rollups found by day",
        """
        ALTER TABLE centers ADD COLUMN alarms_open integer NOT NULL DEFAULT 0;
        UPDATE centers c SET alarms_open = GREATEST(0, COALESCE(
            (SELECT SUM(alarms_raised - alarms_cleared) FROM daily d WHERE d.center_id = c.center_id), 0));
        CREATE INDEX daily_day ON daily (day, center_id);
        """,
    ),
    (
        4,
        "fleet alarms: each alarm with when it started and ended",
        """
        -- one row per alarm episode: raised at a center (its alarm.raised / alarm.cleared events,
        -- at the center's times) or seen by the hub (a center silent too long)
        CREATE TABLE fleet_alarms (
            alarm_id bigserial PRIMARY KEY,
            center_id text NOT NULL REFERENCES centers(center_id),
            kind text NOT NULL,
            started_at timestamptz NOT NULL,
            ended_at timestamptz
        );
        CREATE INDEX fleet_alarms_open ON fleet_alarms (center_id, kind, started_at) WHERE ended_at IS NULL;
        CREATE INDEX fleet_alarms_ended ON fleet_alarms (ended_at) WHERE ended_at IS NOT NULL;
        """,
    ),
    (
        5,
        "waits over the target in the daily rollups",
        """
        ALTER TABLE daily ADD COLUMN waits_over_target integer NOT NULL DEFAULT 0;
        """,
    ),
    (
        6,
        "central catalogue: versions per scope, supervisors, audit, centers' status",
        """
        -- scope '*' is the province's catalogue (all keys); a center id holds that center's
        -- override (the keys it replaces). version grows with every change, whatever the scope.
        CREATE SEQUENCE catalogue_version;
        CREATE TABLE catalogue (
            scope text PRIMARY KEY,
            document jsonb NOT NULL,
            version bigint NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            updated_by text NOT NULL
        );
        CREATE TABLE supervisors (
            name text PRIMARY KEY,
            pin_hash text NOT NULL,
            totp_secret text NOT NULL,
            failed_signins integer NOT NULL DEFAULT 0,
            locked_until timestamptz,
            last_totp_step bigint NOT NULL DEFAULT 0,
            created_at timestamptz NOT NULL DEFAULT now(),
            revoked_at timestamptz
        );
        CREATE TABLE supervisor_sessions (
            token_hash bytea PRIMARY KEY,
            name text NOT NULL REFERENCES supervisors(name),
            expires_at timestamptz NOT NULL
        );
        -- append-only: who, when, what (before and after) for every change and sign-in
        CREATE TABLE catalogue_audit (
            id bigserial PRIMARY KEY,
            at timestamptz NOT NULL DEFAULT now(),
            actor text NOT NULL,
            action text NOT NULL,
            scope text,
            version bigint,
            before jsonb,
            after jsonb,
            detail text NOT NULL DEFAULT ''
        );
        -- what each center last did with the catalogue it pulled
        CREATE TABLE catalogue_status (
            center_id text PRIMARY KEY REFERENCES centers(center_id),
            etag text NOT NULL,
            version bigint NOT NULL,
            outcome text NOT NULL CHECK (outcome IN ('applied', 'refused')),
            reason text NOT NULL DEFAULT '',
            at timestamptz NOT NULL
        );
        """,
    ),
    (
        7,
        "appointments and ratings by level and reason in daily rollups",
        """
        -- appointments per center, slot day and service (hub/citizen_rollups.py)
        CREATE TABLE daily_appointments (
            center_id text NOT NULL,
            day date NOT NULL,
            service text NOT NULL DEFAULT '',
            held integer NOT NULL DEFAULT 0,
            booked integer NOT NULL DEFAULT 0,
            cancelled integer NOT NULL DEFAULT 0,
            moved integer NOT NULL DEFAULT 0,
            checked_in integer NOT NULL DEFAULT 0,
            no_show integer NOT NULL DEFAULT 0,
            called integer NOT NULL DEFAULT 0,
            called_punctual integer NOT NULL DEFAULT 0,
            checkin_late_n integer NOT NULL DEFAULT 0,
            checkin_late_min_sum double precision NOT NULL DEFAULT 0,
            called_late_min_sum double precision NOT NULL DEFAULT 0,
            PRIMARY KEY (center_id, day, service)
        );
        CREATE INDEX daily_appointments_day ON daily_appointments (day, center_id);
        -- ratings per center, day, service, source and score; the low scores' reason codes
        CREATE TABLE daily_rating_levels (
            center_id text NOT NULL,
            day date NOT NULL,
            service text NOT NULL DEFAULT '',
            source text NOT NULL,
            rating smallint NOT NULL,
            n integer NOT NULL DEFAULT 0,
            PRIMARY KEY (center_id, day, service, source, rating)
        );
        CREATE TABLE daily_rating_reasons (
            center_id text NOT NULL,
            day date NOT NULL,
            service text NOT NULL DEFAULT '',
            reason text NOT NULL,
            n integer NOT NULL DEFAULT 0,
            PRIMARY KEY (center_id, day, service, reason)
        );
        """,
    ),
    (
        8,
        "locker contents kept per center: results waiting, compartments in use",
        """
        -- kept at ingest like alarms_open: compartments holding a result (loaded, not yet
        -- collected or withdrawn), and of those the expired ones (expired, not yet withdrawn)
        ALTER TABLE centers ADD COLUMN lockers_in_use integer NOT NULL DEFAULT 0;
        ALTER TABLE centers ADD COLUMN lockers_expired integer NOT NULL DEFAULT 0;
        UPDATE centers c SET
            lockers_in_use = GREATEST(0, e.loaded - e.collected - e.withdrawn),
            lockers_expired = GREATEST(0, e.expired - e.withdrawn)
        FROM (
            SELECT center_id,
                count(*) FILTER (WHERE kind = 'deposit.loaded') AS loaded,
                count(*) FILTER (WHERE kind = 'deposit.collected') AS collected,
                count(*) FILTER (WHERE kind = 'deposit.expired') AS expired,
                count(*) FILTER (WHERE kind = 'deposit.withdrawn') AS withdrawn
            FROM events WHERE kind LIKE 'deposit.%' GROUP BY center_id
        ) e WHERE e.center_id = c.center_id;
        """,
    ),
    (
        9,
        "locker size per center (its heartbeat); counter events found without the others",
        """
        -- the locker's compartments as its latest heartbeat said (NULL: no locker heard of), so
        -- the overview shows occupancy as a share of the compartments in service
        ALTER TABLE centers ADD COLUMN lockers_total integer;
        ALTER TABLE centers ADD COLUMN lockers_out_of_service integer;
        -- a center page's counter-hours are computed from these events at query time
        CREATE INDEX events_counters ON events (center_id, day)
            WHERE kind IN ('counter.opened', 'counter.closed');
        """,
    ),
    (
        10,
        "catalogue overrides kept as they served under the per-key merge",
        """
        -- An override saved before the merge replaced whole keys. Merged per key (services by
        -- code, holidays as a union) it would bring back the province services it left out and
        -- add the province's holidays: say so explicitly, so every center serves the very same
        -- catalogue (same ETag, no pull) and the audit trail shows the rewrite.
        WITH rewritten AS (
            UPDATE catalogue o SET document = o.document
                || CASE WHEN o.document ? 'services' THEN jsonb_build_object('services',
                    (o.document->'services') || COALESCE((
                        SELECT jsonb_agg(jsonb_build_object('code', s->>'code', 'removed', true))
                        FROM jsonb_array_elements(p.document->'services') s
                        WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(o.document->'services') x
                                          WHERE x->>'code' = s->>'code')), '[]'::jsonb))
                    ELSE '{}'::jsonb END
                || CASE WHEN o.document ? 'holidays' THEN COALESCE((
                        SELECT jsonb_build_object('holidays_removed', jsonb_agg(h))
                        FROM jsonb_array_elements(p.document->'holidays') h
                        WHERE NOT (o.document->'holidays') @> jsonb_build_array(h)
                        HAVING count(*) > 0), '{}'::jsonb)
                    ELSE '{}'::jsonb END
            FROM catalogue p, catalogue before
            WHERE p.scope = '*' AND o.scope <> '*' AND before.scope = o.scope
            RETURNING o.scope, o.version, before.document AS before, o.document AS after
        )
        INSERT INTO catalogue_audit(actor, action, scope, version, before, after, detail)
        SELECT 'hub', 'migrate_override', scope, version, before, after,
            'kept as it served: province services and holidays it left out named as removed'
        FROM rewritten WHERE before IS DISTINCT FROM after;
        """,
    ),
    (
        11,
        "browsers a supervisor signed in from count their own failed sign-ins",
        """
        -- a browser where the account signed in (the SHA-256 of its cookie): its failed sign-ins
        -- are counted here, not on the account, so strangers' tries cannot lock the person out of it
        CREATE TABLE supervisor_devices (
            token_hash bytea NOT NULL,
            name text NOT NULL REFERENCES supervisors(name),
            failed_signins integer NOT NULL DEFAULT 0,
            locked_until timestamptz,
            last_signin_at timestamptz NOT NULL,
            PRIMARY KEY (token_hash, name)
        );
        CREATE INDEX supervisor_devices_name ON supervisor_devices (name, last_signin_at);
        """,
    ),
    (
        12,
        "events partitioned by month of their day",
        """
        -- One partition a month (events_YYYY_MM), made when the first event of that month comes
        -- (hub.partitions; hub_event_month below); a day outside the months the hub makes (a
        -- center's clock far off) lands in events_default. Old months can be detached and
        -- archived whole (docs/scale.md). The key carries the day, as a partitioned table's key
        -- must: a resent event carries the same day, so (center_id, stream, seq) stays unique.
        ALTER TABLE events RENAME TO events_unpartitioned;
        ALTER INDEX events_pkey RENAME TO events_unpartitioned_pkey;
        ALTER INDEX events_day RENAME TO events_unpartitioned_day;
        ALTER INDEX events_counters RENAME TO events_unpartitioned_counters;
        CREATE TABLE events (
            center_id text NOT NULL,
            stream text NOT NULL,
            seq bigint NOT NULL,
            at timestamptz NOT NULL,
            day date NOT NULL,
            kind text NOT NULL,
            service text NOT NULL DEFAULT '',
            data jsonb NOT NULL DEFAULT '{}'::jsonb,
            received_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (center_id, stream, seq, day)
        ) PARTITION BY RANGE (day);
        CREATE INDEX events_day ON events (center_id, day);
        CREATE INDEX events_counters ON events (center_id, day)
            WHERE kind IN ('counter.opened', 'counter.closed');
        CREATE TABLE events_default PARTITION OF events DEFAULT;
        -- The month holding day m gets its partition, once (concurrent callers wait for the
        -- first); rows of that month already in events_default move into it in the same step.
        CREATE FUNCTION hub_event_month(m date) RETURNS void LANGUAGE plpgsql AS $fn$
        DECLARE
            first date := date_trunc('month', m)::date;
            part text := 'events_' || to_char(date_trunc('month', m), 'YYYY_MM');
        BEGIN
            PERFORM pg_advisory_xact_lock(1752523314);
            IF to_regclass(part) IS NOT NULL THEN
                RETURN;
            END IF;
            CREATE TEMP TABLE hub_moved ON COMMIT DROP AS
                WITH moved AS (
                    DELETE FROM events_default
                    WHERE day >= first AND day < (first + interval '1 month')::date RETURNING *
                ) SELECT * FROM moved;
            EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
                           part, first, (first + interval '1 month')::date);
            INSERT INTO events SELECT * FROM hub_moved;
            DROP TABLE hub_moved;
        END
        $fn$;
        -- the months the stored events fall in, within the hub's window (two years back, one
        -- month ahead: hub.partitions), get their partitions; the rest goes to events_default
        SELECT hub_event_month(m) FROM (
            SELECT DISTINCT date_trunc('month', day)::date AS m FROM events_unpartitioned
        ) months
        WHERE m >= date_trunc('month', now() - interval '24 months')
          AND m <= date_trunc('month', now() + interval '1 month');
        INSERT INTO events SELECT * FROM events_unpartitioned;
        DROP TABLE events_unpartitioned;
        """,
    ),
    (
        13,
        "archived months keep their late events in events_default",
        """
        -- `python -m hub archive` records each month it archived (hub.archive): a late event of
        -- such a month stays in events_default, even after a restart, instead of making the
        -- month's partition again (which would stand in the way of restoring the dump).
        CREATE TABLE archived_months (
            month date PRIMARY KEY CHECK (month = date_trunc('month', month)::date),
            archived_at timestamptz NOT NULL DEFAULT now(),
            file text NOT NULL,
            events bigint NOT NULL
        );
        -- months archived before this migration: counted in the rollups, within the window the
        -- hub makes partitions for and old enough to archive, yet with no partition and nothing
        -- in events_default (a month in the window always gets its partition at ingest)
        INSERT INTO archived_months (month, file, events)
        SELECT m, '(archived before migration 13)', 0 FROM (
            SELECT DISTINCT date_trunc('month', day)::date AS m FROM daily
        ) months
        WHERE m >= date_trunc('month', now() - interval '24 months')
          AND m < date_trunc('month', now() - interval '2 months')
          AND to_regclass('events_' || to_char(m, 'YYYY_MM')) IS NULL
          AND NOT EXISTS (SELECT 1 FROM events_default e
                          WHERE e.day >= m AND e.day < (m + interval '1 month')::date);
        CREATE OR REPLACE FUNCTION hub_event_month(m date) RETURNS void LANGUAGE plpgsql AS $fn$
        DECLARE
            first date := date_trunc('month', m)::date;
            part text := 'events_' || to_char(date_trunc('month', m), 'YYYY_MM');
        BEGIN
            PERFORM pg_advisory_xact_lock(1752523314);
            IF to_regclass(part) IS NOT NULL
               OR EXISTS (SELECT 1 FROM archived_months a WHERE a.month = first) THEN
                RETURN;
            END IF;
            CREATE TEMP TABLE hub_moved ON COMMIT DROP AS
                WITH moved AS (
                    DELETE FROM events_default
                    WHERE day >= first AND day < (first + interval '1 month')::date RETURNING *
                ) SELECT * FROM moved;
            EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
                           part, first, (first + interval '1 month')::date);
            INSERT INTO events SELECT * FROM hub_moved;
            DROP TABLE hub_moved;
        END
        $fn$;
        """,
    ),
]


def migrate(conn: psycopg.Connection) -> int:
    """Apply the migrations not yet applied; returns the schema version now."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            "version integer PRIMARY KEY, description text NOT NULL, "
            "applied_at timestamptz NOT NULL DEFAULT now())"
        )
        row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
        current = int(row[0]) if row else 0
        for version, description, sql in MIGRATIONS:
            if version <= current:
                continue
            conn.execute(sql)  # type: ignore[arg-type]  # our own constant text
            conn.execute(
                "INSERT INTO schema_version(version, description) VALUES (%s, %s)", (version, description)
            )
            log.info("hub schema migrated to version %d: %s", version, description)
            current = version
    return current
