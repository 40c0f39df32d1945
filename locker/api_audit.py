"""Route of the audit log: one deposit's or one day's records as JSON or CSV, with the chain check."""

# no `from __future__ import annotations`: FastAPI must see the local Annotated aliases themselves

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, FastAPI
from fastapi.responses import PlainTextResponse, Response

from common.api_errors import error_responses
from common.timestamps import epoch
from contracts.locker_audit import AuditLog
from locker import audit
from locker.errors import InvalidInput
from locker.service import LockerService
from locker.staff import StaffSession

DEPOSIT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""What a deposit id may look like where one is given as a query parameter (ids are d + 12 hex)."""


def audit_routes(app: FastAPI, svc: LockerService, staff: Any) -> None:
    """Add GET /api/v1/audit; `staff` is the app's staff-session dependency."""
    Staff = Annotated[StaffSession, Depends(staff)]

    @app.get(
        "/api/v1/audit",
        response_model=AuditLog,
        responses={
            **error_responses(401, 422),
            200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "format=csv"},
        },
    )
    def audit_log(
        _: Staff, deposit_id: str | None = None, day: str | None = None, format: str = "json"
    ) -> Response | dict[str, Any]:  # the API's name
        if format not in ("json", "csv"):
            raise InvalidInput("format", "format must be 'json' or 'csv'")
        if deposit_id and not DEPOSIT_ID.fullmatch(deposit_id):
            raise InvalidInput(
                "deposit_id", "deposit_id must be 1-64 letters, digits, '-' or '_' (e.g. d0123abcd4567)"
            )
        start = end = None
        d = None
        if day:
            try:
                d = date.fromisoformat(day)
                tz = ZoneInfo(svc.cfg.timezone)
                start_dt = datetime.combine(d, time(0), tz).astimezone(UTC)
                start, end = epoch(start_dt), epoch(start_dt + timedelta(days=1))
            except (ValueError, OverflowError) as err:  # 9999-12-31 + 1 day overflows
                raise InvalidInput("day", "day must be a date YYYY-MM-DD (years 0002-9998)") from err
        if not deposit_id and not day:
            raise InvalidInput("day", "give deposit_id or day (YYYY-MM-DD)")
        with svc.store.read() as conn:
            records = audit.query(conn, deposit_id, start, end)
            chain = audit.verify(conn)
        if format == "csv":
            # only checked ASCII in the header: the id matched DEPOSIT_ID, the day was parsed
            name = f"audit-{deposit_id or (d.isoformat() if d else 'all')}.csv"
            return PlainTextResponse(
                audit.to_csv(records),
                media_type="text/csv",
                headers={"Content-Disposition": f'attachment; filename="{name}"'},
            )
        return {"records": records, "chain_ok": chain.ok, "chain_records": chain.records}
