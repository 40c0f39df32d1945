"""The queue database's tables for rating tablets: migration step 3 (`queueing.schema.MIGRATIONS`).

Kept here, not in store.py, so the step reads as one piece; never edit it once released (a change
is a new step).
"""

# v3: rating tablets paired to counters (tokens and pairing codes only as SHA-256 hashes) and one
# rating per ticket (its primary key), from the tablet or the phone, tied to officer and counter.
RATINGS_SCHEMA = """
CREATE TABLE tablets (
    tablet_id TEXT PRIMARY KEY,
    counter INTEGER NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    code_hash TEXT UNIQUE,
    code_expires_at REAL,
    token_hash TEXT UNIQUE,
    created_at REAL NOT NULL,
    created_by TEXT NOT NULL,
    paired_at REAL,
    last_seen_at REAL,
    revoked_at REAL,
    revoked_by TEXT
);
CREATE TABLE ticket_ratings (
    ticket_id TEXT PRIMARY KEY,
    day TEXT NOT NULL,
    at REAL NOT NULL,
    score INTEGER NOT NULL,
    source TEXT NOT NULL,
    service TEXT NOT NULL,
    counter INTEGER,
    staff_id TEXT,
    tablet_id TEXT,
    reasons TEXT NOT NULL DEFAULT '[]',
    comment TEXT
);
CREATE INDEX ticket_ratings_day ON ticket_ratings(day);
"""
