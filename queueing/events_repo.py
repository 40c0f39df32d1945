"""The board events in SQL beyond what `queueing.store` writes and streams: the newest seq and
the pruning of old events. Each function runs in the caller's open `Tx`."""

from __future__ import annotations

from queueing.store import Tx


def last_seq(tx: Tx) -> int:
    """The newest event's seq (0 with none)."""
    return int(tx.scalar("SELECT COALESCE(MAX(seq), 0) FROM events") or 0)


def delete_before(tx: Tx, at: float) -> int:
    """Delete events older than `at`; how many."""
    return int(tx.run("DELETE FROM events WHERE at < ?", at).rowcount)
