"""The staff sessions in SQL that the queue's housekeeping needs (sign-in keeps its own in
`queueing.staff`). Each function runs in the caller's open `Tx`."""

from __future__ import annotations

from queueing.store import Tx


def delete_expired(tx: Tx, now: float) -> None:
    """Forget sessions that ran out."""
    tx.run("DELETE FROM sessions WHERE expires_at < ?", now)
