"""The ticket rules every use case shares: waiting counts, "how many ahead" (each service's
ordering policy), the one state change of a ticket (`set_state`, logged `old -> new`, with its
province outbox row), and looking a ticket up.

`TicketStates` is a part (`queueing.wiring`); its SQL is in `queueing.tickets_repo`.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from common import outbox
from queueing import domain, texts, tickets_repo
from queueing.config import OrderingPolicy
from queueing.domain import TicketState
from queueing.errors import QueueError
from queueing.texts import state_vi
from queueing.wiring import Part

log = logging.getLogger(__name__)

NEW_SEQ = 2**62  # stands for "issued after every ticket in the table" before a row exists


class TicketStates(Part):
    """Counts, places in the queue and state changes of tickets, inside the caller's transaction."""

    @staticmethod
    def waiting_of(conn: sqlite3.Connection, *services: str) -> dict[str, int]:
        """Waiting tickets of some services (an index range count each: cheap for events)."""
        return {s: tickets_repo.waiting_count(conn, s) for s in services}

    def waiting_counts(self, conn: sqlite3.Connection) -> dict[str, int]:
        """Waiting tickets per service (every configured service, zeros included)."""
        counts = {s.code: 0 for s in self.config.services}
        counts.update(tickets_repo.waiting_per_service(conn))
        return counts

    def ahead_of(self, conn: sqlite3.Connection, row: Any) -> int:
        """Waiting tickets that will be called before this one (its own service)."""
        svc = self.config.service(row["service"])
        if svc is None:
            return 0
        if svc.policy is OrderingPolicy.ONE_PER_N:
            prioritised = row["weight"] > 0
            if prioritised:
                normal_ahead = tickets_repo.waiting_normal(conn, svc.code)
                prio_ahead = tickets_repo.waiting_prioritised_before(conn, svc.code, row)
            else:
                normal_ahead = tickets_repo.waiting_normal_before(conn, svc.code, row)
                prio_ahead = tickets_repo.waiting_prioritised(conn, svc.code)
            streak = self.normal_streak(conn, svc.code)
            return domain.ahead_one_per_n(normal_ahead, prio_ahead, prioritised, svc.one_per_n_normal, streak)
        if row["seq"] >= NEW_SEQ:
            # a ticket being issued sorts after every equal one: one range count on the index
            return tickets_repo.waiting_ranked_from(conn, svc.code, row["rank_key"])
        return tickets_repo.waiting_ranked_before(conn, svc.code, row["rank_key"], row["seq"])

    def normal_streak(self, conn: sqlite3.Connection, service: str) -> int:
        """Normal tickets called since the last priority one today (ONE_PER_N)."""
        return tickets_repo.normal_streak(conn, self.w.today(), service)

    def set_state(self, conn: sqlite3.Connection, row: Any, new: TicketState, **fields: Any) -> None:
        """Change a ticket's state along an allowed edge (logged `old -> new`)."""
        old = TicketState(row["state"])
        if not domain.can_move(old, new):
            raise QueueError(
                409,
                "wrong_state",
                f"Số {row['number']} đang ở trạng thái {state_vi(old.value)}, không chuyển sang "
                f"{state_vi(new.value)} được. "
                f"/ Ticket {row['number']} is {old.value}; it cannot become {new.value}.",
                state=old.value,
            )
        tickets_repo.update_state(conn, row["ticket_id"], new.value, fields)
        outbox.ticket(conn, self.w.now_ts(), {**dict(row), **fields}, new.value)  # for the province hub
        log.debug("ticket %s (%s): %s -> %s", row["number"], row["ticket_id"][:4], old.value, new.value)

    @staticmethod
    def ticket_row(conn: sqlite3.Connection, ticket_id: str) -> Any:
        """The ticket row, or a 404."""
        row = tickets_repo.by_id(conn, ticket_id)
        if row is None:
            raise QueueError(404, "unknown_ticket", texts.say("unknown_ticket"))
        return row

    @staticmethod
    def ticket_at_counter(conn: sqlite3.Connection, counter: int) -> Any:
        """The ticket called to or being served at a counter, or None."""
        return tickets_repo.at_counter(conn, counter)
