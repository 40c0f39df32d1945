"""The handover photos' table (locker database step 3): which pickup each sealed file belongs to.

Kept apart from `locker.handover` so the store imports no crypto or imaging code. The photo
itself is never in the database: it is a sealed file `handover/<pickup_id>.sealed` beside it.
"""

HANDOVER_SCHEMA = """
CREATE TABLE IF NOT EXISTS handover_photos (
    pickup_id TEXT PRIMARY KEY,
    deposit_id TEXT NOT NULL,
    kiosk TEXT NOT NULL,
    taken_at TEXT NOT NULL,
    size_bytes INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS handover_photos_taken ON handover_photos(taken_at);
"""
