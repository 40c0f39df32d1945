"""The SQL ordering of waiting tickets equals the pure model (`queueing.domain.order_tickets`).

Production picks the next ticket with SQL (`queueing.calling`) and counts "people ahead" with SQL
plus `domain.ahead_one_per_n` (`queueing.core.TicketStates.ahead_of`); the domain model is the
documented rule.
Random mornings go through the real use cases (the objects `create_app` builds, its start-up run
as at serving time) on a real SQLite file with a manual clock: each call must take the model's
head, each issue must report the model's count ahead, and draining the queue must follow the
model's whole order. Drawn: priority classes of several weights (two equal), ties in time, a
starting one-per-N streak, transfers (which keep their original waiting time), calls between
issues. Each policy setting is one service started once (8 x 8 examples); every example is a
new day on it.
"""

from __future__ import annotations

import asyncio
import itertools
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.clock import ManualClock
from queueing import domain
from queueing.app import create_app
from queueing.config import OrderingPolicy
from queueing.counters import CounterDesk
from queueing.domain import QueuedTicket
from queueing.errors import QueueError
from queueing.service import QueueService
from tests.harness import MONDAY_9AM
from tests.queueing.helpers import make_config

TARGET = "kinh_doanh"  # served by counter 4 alone in the shipped config
SOURCE = "dat_dai"  # served by counter 3 alone: tickets transferred from it keep their waiting time
#: Priority classes drawn per ticket: weights below and above the aging steps, two equal.
WEIGHTS = {"p_half": 0.5, "p_one": 1.0, "p_three": 3.0, "p_three_b": 3.0, "p_high": 7.5}
MAX_TICKETS = 12

#: Seconds the clock moves before an operation: 0 makes ties in waiting time.
steps = st.sampled_from([0.0, 0.0, 0.25, 1.0, 7.0, 45.0, 180.0, 600.0])
priority = st.none() | st.sampled_from(sorted(WEIGHTS))
operation = st.one_of(
    st.tuples(st.just("issue"), priority, steps),
    st.tuples(st.just("issue_elsewhere"), priority, steps),
    st.tuples(st.just("transfer"), st.none(), steps),
    st.tuples(st.just("call"), st.none(), steps),
)


@dataclass
class Center:
    """The running service, its counters' sessions, and what the test knows is waiting."""

    queue: QueueService
    desk: CounterDesk
    clock: ManualClock
    target: Any  # a counter session at TARGET
    source: Any  # a counter session at SOURCE
    keys: Iterator[int] = field(default_factory=itertools.count)
    waiting: dict[str, QueuedTicket] = field(default_factory=dict)
    elsewhere: dict[str, QueuedTicket] = field(default_factory=dict)  # waiting at SOURCE
    seq: int = 0  # insertion order of the rows this test made (the store's seq follows it)

    def new_day(self, day: int) -> None:
        """Empty both lines (a failed example may leave tickets) and move to 09:00 of day `day`."""
        for session in (self.target, self.source):
            while self._call(session) is not None:
                pass
        self.waiting.clear()
        self.elsewhere.clear()
        self.clock.set(MONDAY_9AM + timedelta(days=day))

    def issue(self, service: str, prio: str | None) -> tuple[QueuedTicket, int]:
        """A kiosk ticket, printed: the model's ticket and the `ahead` the answer reported."""
        key = f"k{next(self.keys)}"
        answer = self.queue.issue(service, channel="kiosk", idempotency_key=key, priority=prio)
        self.queue.confirm(answer.ticket_id, "printed")
        self.seq += 1
        weight = 0.0 if prio is None else WEIGHTS[prio]
        ticket = QueuedTicket(answer.ticket_id, self.seq, weight, self.clock.now().timestamp())
        assert answer.ahead is not None  # a kiosk ticket always has a place
        return ticket, answer.ahead

    def call(self) -> str:
        """Call next at the TARGET counter and start serving (the next call finishes it)."""
        ticket_id = self._call(self.target)
        assert ticket_id is not None, "the service found nobody waiting"
        return ticket_id

    def transfer(self) -> None:
        """Call next at SOURCE and transfer that ticket to TARGET."""
        at_counter = str(self.desk.call_next(self.source).ticket_id)
        moved = self.desk.transfer(self.source, TARGET).transferred_to
        old = self.elsewhere.pop(at_counter)
        self.seq += 1
        self.waiting[moved] = QueuedTicket(moved, self.seq, old.weight, old.waiting_since)

    def _call(self, session: Any) -> str | None:
        try:
            ticket_id = str(self.desk.call_next(session).ticket_id)
        except QueueError as err:
            if err.code == "current_not_started":  # left called by a failed example
                self.desk.start(session)
                return self._call(session)
            if err.code == "queue_empty":
                return None
            raise
        self.desk.start(session)
        return ticket_id


@contextmanager
def running_center(policy: OrderingPolicy, aging: float, n: int) -> Iterator[Center]:
    """The queueing service as `create_app` wires it, started, on a SQLite file in a temp dir."""
    services = [
        {**s, "policy": policy.value, "aging_weight_per_min": aging, "one_per_n_normal": n}
        if s["code"] == TARGET
        else {**s, "policy": "fifo"}
        for s in make_config().model_dump(mode="json")["services"]
    ]
    priorities = [
        {"code": c, "name_vi": f"Ưu tiên {c}", "name_en": f"Priority {c}", "weight": w}
        for c, w in WEIGHTS.items()
    ]
    config = make_config(services=services, priorities=priorities, elderly_priority="p_three", holidays=[])
    clock = ManualClock(MONDAY_9AM)
    loop = asyncio.new_event_loop()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(config, Path(tmp), clock=clock, run_sweeper=False)
        lifespan = app.router.lifespan_context(app)
        loop.run_until_complete(lifespan.__aenter__())
        try:
            desk: CounterDesk = app.state.desk
            yield Center(
                app.state.queue,
                desk,
                clock,
                desk.session(desk.sign_in("cb01", "1111", 4)[0]),
                desk.session(desk.sign_in("cb02", "2222", 3)[0]),
            )
        finally:
            loop.run_until_complete(lifespan.__aexit__(None, None, None))
            loop.close()


@pytest.mark.parametrize(
    ("policy", "aging", "n"),
    [
        (OrderingPolicy.FIFO, 0.0, 3),
        (OrderingPolicy.STRICT_PRIORITY, 0.0, 3),
        (OrderingPolicy.AGING, 0.0, 3),  # weight alone; equal weights by seq
        (OrderingPolicy.AGING, 0.2, 3),
        (OrderingPolicy.AGING, 3.0, 3),
        (OrderingPolicy.ONE_PER_N, 0.0, 1),
        (OrderingPolicy.ONE_PER_N, 0.0, 2),
        (OrderingPolicy.ONE_PER_N, 0.0, 3),
    ],
)
def test_sql_ordering_equals_the_domain_model(policy: OrderingPolicy, aging: float, n: int) -> None:
    days = itertools.count(1)
    with running_center(policy, aging, n) as center:

        @settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(start_streak=st.integers(min_value=0, max_value=4), ops=st.lists(operation, max_size=18))
        def morning(start_streak: int, ops: list[tuple[str, str | None, float]]) -> None:
            center.new_day(next(days))  # the streak starts at 0 each day
            streak = 0
            for _ in range(start_streak):  # normal tickets called today before the drawn ones
                center.issue(TARGET, None)
                center.call()
                streak += 1

            def expected() -> list[str]:
                ordered = domain.order_tickets(
                    list(center.waiting.values()),
                    policy,
                    aging_weight_per_min=aging,
                    one_per_n=n,
                    normal_streak=streak,
                )
                return [t.ticket_id for t in ordered]

            def called(ticket_id: str) -> None:
                nonlocal streak
                ticket = center.waiting.pop(ticket_id)
                streak = 0 if ticket.weight > 0 else streak + 1  # docs: one priority after N normal

            issued = 0
            for kind, prio, dt in ops:
                center.clock.advance(dt)
                if kind == "issue" and issued < MAX_TICKETS:
                    issued += 1
                    ticket, ahead = center.issue(TARGET, prio)
                    center.waiting[ticket.ticket_id] = ticket
                    assert ahead == expected().index(ticket.ticket_id), (ahead, expected(), streak)
                elif kind == "issue_elsewhere" and issued < MAX_TICKETS:
                    issued += 1
                    ticket, _ = center.issue(SOURCE, prio)
                    center.elsewhere[ticket.ticket_id] = ticket
                elif kind == "transfer" and center.elsewhere:
                    center.transfer()
                elif kind == "call" and center.waiting:
                    head = expected()[0]
                    ticket_id = center.call()
                    assert ticket_id == head, (ticket_id, expected(), streak)
                    called(ticket_id)
            whole = expected()
            drained = []
            while center.waiting:
                drained.append(center.call())
                called(drained[-1])
            assert drained == whole, streak

        morning()
