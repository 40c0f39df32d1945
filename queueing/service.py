"""Queue use cases for citizens, kiosks and displays: the services list, ticket status,
rating, display snapshot; issuing (issue, confirm, void) comes from `queueing.issuing`.

Counter operations live in `queueing.counters`; all act on the same `Store` through
transactions so every step is atomic and writes its event in the same transaction.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from queueing import ratings
from queueing.core import NEW_SEQ, iso_utc
from queueing.domain import TicketState
from queueing.issuing import TicketIssuing

log = logging.getLogger(__name__)

__all__ = ["NEW_SEQ", "QueueService"]


class QueueService(TicketIssuing):
    """Use cases of citizens, kiosks and display boards."""

    # ------------------------------------------------------------------ services

    def services_overview(self) -> list[dict[str, Any]]:
        """GET /api/v1/services."""
        today = self.today()
        with self.store.read() as tx:
            waiting = self.waiting_counts(tx)
            issued = {
                r["service"]: int(r["n"])
                for r in tx.all(
                    "SELECT service, COUNT(*) AS n FROM tickets WHERE day = ? AND state <> 'void' "
                    "AND transferred_from IS NULL GROUP BY service",
                    today,
                )
            }
        out = []
        for svc in self.config.services:
            opening = self.opening(svc)
            capped = bool(svc.daily_cap_tickets) and issued.get(svc.code, 0) >= svc.daily_cap_tickets
            reason = "closed" if not opening.open else ("cap_reached" if capped else None)
            n = waiting.get(svc.code, 0)
            est = self.estimate(svc.code, n)
            nxt = None if opening.open else self.next_opening_at(svc)
            out.append(
                {
                    "code": svc.code,
                    "name_vi": svc.name_vi,
                    "name_en": svc.name_en,
                    "prefix": svc.prefix,
                    "open": reason is None,
                    "opens_at": opening.opens_at.strftime("%H:%M") if opening.opens_at else None,
                    "opens_next": nxt.strftime("%Y-%m-%dT%H:%M") if nxt else None,
                    # the same moment as ISO 8601 with the center's offset: kiosks and pages show it
                    # as given and never compute opening hours themselves
                    "opens_next_at": nxt.isoformat(timespec="minutes") if nxt else None,
                    # the simulated center: open at any hour whatever the hours say (kiosk banner)
                    "open_all_hours": self.config.open_all_hours,
                    "waiting": n,
                    "reason_closed": reason,
                    "wait_min": est.min_minutes if est else None,
                    "wait_max": est.max_minutes if est else None,
                    "counters_open": self.open_counters_for(svc.code),
                }
            )
        return out

    def priorities(self) -> list[dict[str, Any]]:
        """GET /api/v1/priorities."""
        return [{"code": p.code, "name_vi": p.name_vi, "name_en": p.name_en} for p in self.config.priorities]

    # ------------------------------------------------------------------ status and rating

    def status(self, ticket_id: str) -> dict[str, Any]:
        """GET /api/v1/tickets/{id}."""
        with self.store.read() as tx:
            row = self.ticket_row(tx, ticket_id)
            state = TicketState(row["state"])
            ahead: int | None = None
            est = None
            if state is TicketState.WAITING:
                ahead = self.ahead_of(tx, row)
                est = self.estimate(row["service"], ahead)
            elif state is TicketState.PENDING:
                ahead = self.ahead_of(tx, row)
            return {
                **self._ticket_fields(row, ahead, est),
                "counter": row["counter"],
                "called_at": iso_utc(row["called_at"]),
                "transferred_to": row["transferred_to"],
                "rating": row["rating"],
                "can_rate": state is TicketState.DONE and row["rating"] is None,
            }

    def follow(self, ticket_id: str) -> str:
        """The live ticket id at the end of a transfer chain."""
        with self.store.read() as tx:
            current = ticket_id
            for _ in range(20):
                nxt = tx.scalar("SELECT transferred_to FROM tickets WHERE ticket_id = ?", current)
                if not nxt:
                    break
                current = str(nxt)
        return current

    def rate(self, ticket_id: str, score: int) -> dict[str, Any]:
        """The phone's 1..5 score, once, after service (the rule shared with the counter's tablet:
        `queueing.ratings.record`)."""
        return ratings.rate_from_phone(self, ticket_id, score)

    # ------------------------------------------------------------------ display

    def display_state(self) -> dict[str, Any]:
        """What a board shows on (re)connect: recent calls, waiting counts, last event seq."""
        since = (self.clock.now() - timedelta(hours=12)).timestamp()
        with self.store.read() as tx:
            last_seq = int(tx.scalar("SELECT COALESCE(MAX(seq), 0) FROM events") or 0)
            rows = tx.all(
                "SELECT number, counter, service, called_at, state FROM tickets "
                "WHERE called_at IS NOT NULL AND called_at > ? ORDER BY called_at DESC, seq DESC LIMIT ?",
                since,
                self.config.display_recent_calls,
            )
            waiting = self.waiting_counts(tx)
        return {
            "seq": last_seq,
            "calls": [
                {
                    "number": r["number"],
                    "counter": r["counter"],
                    "service": r["service"],
                    "called_at": iso_utc(r["called_at"]),
                    "state": r["state"],
                }
                for r in rows
            ],
            "waiting": waiting,
            "services": [
                {"code": s.code, "name_vi": s.name_vi, "name_en": s.name_en, "prefix": s.prefix}
                for s in self.config.services
            ],
        }
