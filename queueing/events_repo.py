"""The board events in SQL: appending one in the caller's transaction (`append`), the newest seq
and the pruning of old events. Each function runs in the caller's open connection.

`append` also notes the new seq for the write block it runs in (`appended_in_block`, which
`queueing.store.Store.tx` opens around each block): the store runs its `before_commit` hooks
when a block appended events and, after the COMMIT, tells `on_commit_events` the newest seq.
The note is per thread (a block's body runs on the caller's thread) and per block (a nested
block has its own), as a `ContextVar` rather than a wrapper object around the connection, so
the repositories take the plain `sqlite3.Connection` as the locker's do.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

#: the seqs appended in the innermost open write block of this thread (None outside any)
_appended: ContextVar[list[int] | None] = ContextVar("queue_events_appended", default=None)


def append(conn: sqlite3.Connection, at: float, kind: str, data: dict[str, Any]) -> int:
    """Append an event (same transaction as the change it reports); returns its seq."""
    cur = conn.execute(
        "INSERT INTO events(at, kind, data) VALUES (?, ?, ?)",
        (at, kind, json.dumps(data, ensure_ascii=False)),
    )
    seq = int(cur.lastrowid or 0)
    block = _appended.get()
    if block is not None:
        block.append(seq)
    return seq


@contextmanager
def appended_in_block() -> Iterator[list[int]]:
    """Collect the seqs `append` writes in this block (this thread; nested blocks apart)."""
    seqs: list[int] = []
    token = _appended.set(seqs)
    try:
        yield seqs
    finally:
        _appended.reset(token)


def since(conn: sqlite3.Connection, seq: int, limit: int) -> list[sqlite3.Row]:
    """Events after `seq`, oldest first."""
    return conn.execute(
        "SELECT seq, at, kind, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit)
    ).fetchall()


def last_seq(conn: sqlite3.Connection) -> int:
    """The newest event's seq (0 with none)."""
    return int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0] or 0)


def delete_before(conn: sqlite3.Connection, at: float) -> int:
    """Delete events older than `at`; how many."""
    return int(conn.execute("DELETE FROM events WHERE at < ?", (at,)).rowcount)
