"""What citizens, kiosks and display boards read: the services list, a ticket's status (following
transfers) and a board's snapshot on (re)connect. A part (`queueing.wiring`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from common.timestamps import iso_utc
from contracts.queueing_display import DisplayCall, DisplayService, DisplayState
from contracts.queueing_tickets import ServiceOverview, TicketStatus
from queueing import events_repo, tickets_repo
from queueing.core import TicketStates
from queueing.domain import TicketState
from queueing.estimates import WaitEstimates
from queueing.issuing import TicketIssuing
from queueing.wiring import Part, Wiring

#: A transfer chain longer than this is not followed further (a ticket moves a few times at most).
MAX_TRANSFERS = 20


class TicketViews(Part):
    """Read-only answers about services, tickets and the boards."""

    def __init__(
        self, wiring: Wiring, states: TicketStates, estimates: WaitEstimates, issuing: TicketIssuing
    ) -> None:
        super().__init__(wiring)
        self.states = states
        self.estimates = estimates
        self.issuing = issuing

    def services_overview(self) -> list[ServiceOverview]:
        """GET /api/v1/services."""
        with self.store.read() as conn:
            waiting = self.states.waiting_counts(conn)
            issued = tickets_repo.issued_per_service(conn, self.w.today())
        out = []
        for svc in self.config.services:
            opening = self.w.opening(svc)
            capped = bool(svc.daily_cap_tickets) and issued.get(svc.code, 0) >= svc.daily_cap_tickets
            reason: Literal["closed", "cap_reached"] | None = (
                "closed" if not opening.open else ("cap_reached" if capped else None)
            )
            n = waiting.get(svc.code, 0)
            est = self.estimates.estimate(svc.code, n)
            nxt = None if opening.open else self.w.next_opening_at(svc)
            out.append(
                ServiceOverview(
                    code=svc.code,
                    name_vi=svc.name_vi,
                    name_en=svc.name_en,
                    prefix=svc.prefix,
                    open=reason is None,
                    opens_at=opening.opens_at.strftime("%H:%M") if opening.opens_at else None,
                    opens_next=nxt.strftime("%Y-%m-%dT%H:%M") if nxt else None,
                    # the same moment as ISO 8601 with the center's offset: kiosks and pages show it
                    # as given and never compute opening hours themselves
                    opens_next_at=nxt.isoformat(timespec="minutes") if nxt else None,
                    # the simulated center: open at any hour whatever the hours say (kiosk banner)
                    open_all_hours=self.config.open_all_hours,
                    waiting=n,
                    reason_closed=reason,
                    wait_min=est.min_minutes if est else None,
                    wait_max=est.max_minutes if est else None,
                    counters_open=self.estimates.open_counters_for(svc.code),
                )
            )
        return out

    def status(self, ticket_id: str) -> TicketStatus:
        """GET /api/v1/tickets/{id}."""
        with self.store.read() as conn:
            row = self.states.ticket_row(conn, ticket_id)
            state = TicketState(row["state"])
            ahead: int | None = None
            est = None
            if state is TicketState.WAITING:
                ahead = self.states.ahead_of(conn, row)
                est = self.estimates.estimate(row["service"], ahead)
            elif state is TicketState.PENDING:
                ahead = self.states.ahead_of(conn, row)
            return TicketStatus(
                **self.issuing.ticket_fields(row, ahead, est),
                counter=row["counter"],
                called_at=iso_utc(row["called_at"]),
                transferred_to=row["transferred_to"],
                rating=row["rating"],
                can_rate=state is TicketState.DONE and row["rating"] is None,
            )

    def follow(self, ticket_id: str) -> str:
        """The live ticket id at the end of a transfer chain."""
        with self.store.read() as conn:
            current = ticket_id
            for _ in range(MAX_TRANSFERS):
                nxt = tickets_repo.transferred_to(conn, current)
                if not nxt:
                    break
                current = nxt
        return current

    def display_state(self) -> DisplayState:
        """What a board shows on (re)connect: recent calls, waiting counts, last event seq."""
        since = (self.w.clock.now() - timedelta(hours=12)).timestamp()
        with self.store.read() as conn:
            last_seq = events_repo.last_seq(conn)
            rows = tickets_repo.recent_calls(conn, since, self.config.display_recent_calls)
            waiting = self.states.waiting_counts(conn)
        return DisplayState(
            seq=last_seq,
            calls=[
                DisplayCall(
                    number=r["number"],
                    counter=r["counter"],
                    service=r["service"],
                    called_at=iso_utc(r["called_at"]),
                    state=r["state"],
                )
                for r in rows
            ],
            waiting=waiting,
            services=[
                DisplayService(code=s.code, name_vi=s.name_vi, name_en=s.name_en, prefix=s.prefix)
                for s in self.config.services
            ],
        )
