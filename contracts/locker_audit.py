"""The locker's hash-chained audit log on the wire (GET /api/v1/audit, docs/locker.md)."""

from __future__ import annotations

from typing import Any

from contracts.locker import Answer


class AuditRecord(Answer):
    """One record of the hash-chained audit log."""

    seq: int
    at: str
    actor: str
    action: str
    deposit_id: str | None
    compartment: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str


class AuditLog(Answer):
    """GET /api/v1/audit?format=json (format=csv answers a CSV download)."""

    records: list[AuditRecord]
    chain_ok: bool
    chain_records: int
