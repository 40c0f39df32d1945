"""The queueing service's composition root: builds the shared `Wiring` and the parts that take
it (the shape of `locker.service.LockerService`), and offers their use cases under the names the
routes, the counter desk, the appointments and the tests call.

The parts: `queueing.core.TicketStates` (counts, places in the queue, state changes),
`queueing.estimates.WaitEstimates` (service times, open counters, wait ranges),
`queueing.issuing.TicketIssuing` (issue, confirm, void), `queueing.ticket_views.TicketViews`
(services list, ticket status, board snapshot) and `queueing.sweep.Sweep` (the periodic sweep).
The counter desk (`queueing.counters`) and the appointments (`queueing.appointments`) are built
from its wiring and these parts.
"""

from __future__ import annotations

import logging

from common.clock import Clock
from contracts.queueing_tickets import PriorityClass, Rated
from queueing import ratings
from queueing.config import QueueingConfig
from queueing.core import NEW_SEQ, TicketStates
from queueing.estimates import WaitEstimates
from queueing.issuing import TicketIssuing
from queueing.store import Store
from queueing.sweep import Sweep
from queueing.ticket_views import TicketViews
from queueing.wiring import Wiring

log = logging.getLogger(__name__)

__all__ = ["NEW_SEQ", "QueueService"]


class QueueService:
    """Builds the queue's parts once; each public method is one part's use case."""

    def __init__(self, config: QueueingConfig, store: Store, clock: Clock) -> None:
        self.wiring = wiring = Wiring(config, store, clock)
        self.config = config
        self.store = store
        self.tz = wiring.tz
        #: site-config problems staff must fix ({"code", "message"}), listed by health
        self.warnings: list[dict[str, str]] = []
        self.states = TicketStates(wiring)
        self.estimates = WaitEstimates(wiring)
        self.issuing = TicketIssuing(wiring, self.states, self.estimates)
        self.views = TicketViews(wiring, self.states, self.estimates, self.issuing)
        self.sweeping = Sweep(wiring, self.states, self.estimates)

        # time and service rules (the wiring's)
        self.now_ts = wiring.now_ts
        self.local_now = wiring.local_now
        self.today = wiring.today
        self.service_or_404 = wiring.service_or_404
        self.opening = wiring.opening
        self.next_opening_at = wiring.next_opening_at
        # tickets inside a caller's transaction
        self.waiting_of = self.states.waiting_of
        self.waiting_counts = self.states.waiting_counts
        self.ahead_of = self.states.ahead_of
        self.normal_streak = self.states.normal_streak
        self.set_state = self.states.set_state
        self.ticket_row = self.states.ticket_row
        self.ticket_at_counter = self.states.ticket_at_counter
        # wait estimates (the counter desk feeds them)
        self.load = self.estimates.load
        self.set_counter_open = self.estimates.set_counter_open
        self.record_service_time = self.estimates.record_service_time
        self.open_counters_for = self.estimates.open_counters_for
        self.estimate = self.estimates.estimate
        # kiosks and the remote page
        self.resolve_priority = self.issuing.resolve_priority
        self.issue = self.issuing.issue
        self.confirm = self.issuing.confirm
        self.void = self.issuing.void
        self.status_url = self.issuing.status_url
        # citizens and display boards
        self.services_overview = self.views.services_overview
        self.status = self.views.status
        self.follow = self.views.follow
        self.display_state = self.views.display_state
        # the sweeper's round
        self.sweep = self.sweeping.sweep
        self.prune = self.sweeping.prune

    @property
    def clock(self) -> Clock:
        """The clock every part reads (the wiring's)."""
        return self.wiring.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self.wiring.clock = clock

    def priorities(self) -> list[PriorityClass]:
        """GET /api/v1/priorities."""
        return [
            PriorityClass(code=p.code, name_vi=p.name_vi, name_en=p.name_en) for p in self.config.priorities
        ]

    def rate(self, ticket_id: str, score: int) -> Rated:
        """The phone's 1..5 score, once, after service (the rule shared with the counter's tablet:
        `queueing.ratings.record`)."""
        return ratings.rate_from_phone(self, ticket_id, score)
