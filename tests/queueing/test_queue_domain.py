"""Pure queue rules: numbering, hours, age, ordering policies, wait estimate, config checks."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.clock import ManualClock
from common.config import ConfigError, load_raw, section, validate
from queueing import domain
from queueing.config import OpeningHours, OrderingPolicy, QueueingConfig
from queueing.domain import QueuedTicket, TicketState
from queueing.service import QueueService
from queueing.store import Store
from tests.harness import MONDAY_9AM
from tests.queueing.helpers import make_config


def test_numbers_wrap_within_the_range() -> None:
    assert [domain.number_for_serial(s, 1, 3) for s in range(1, 8)] == [1, 2, 3, 1, 2, 3, 1]
    assert domain.number_for_serial(1, 100, 199) == 100
    assert domain.format_number("B", 12, 3) == "B012"
    assert domain.parse_number(" b12 ") == ("B", 12)
    assert domain.parse_number("12") is None


def test_state_machine() -> None:
    assert domain.can_move(TicketState.PENDING, TicketState.WAITING)
    assert not domain.can_move(TicketState.PENDING, TicketState.CALLED)  # ghost tickets are never called
    assert not domain.can_move(TicketState.DONE, TicketState.WAITING)
    for final in domain.FINAL_STATES:
        assert not domain.TRANSITIONS[final]


def test_opening_hours() -> None:
    hours = OpeningHours()
    monday = datetime(2026, 1, 5, 7, 0)
    assert domain.opening_at(hours, monday) == domain.Opening(False, time(7, 30))
    assert domain.opening_at(hours, monday.replace(hour=8)).open
    assert domain.opening_at(hours, monday.replace(hour=12)) == domain.Opening(False, time(13, 0))
    assert domain.opening_at(hours, monday.replace(hour=17, minute=30)) == domain.Opening(False, None)
    # the last 15 minutes before closing give no tickets
    assert not domain.opening_at(hours, monday.replace(hour=11, minute=20), 15).open
    # a cut-off longer than the morning leaves no morning tickets (it never wraps to the day before)
    assert not domain.opening_at(hours, monday.replace(hour=8), 720).open
    assert not domain.opening_at(hours, monday.replace(hour=15), 720).open
    assert not domain.opening_at(hours, datetime(2026, 1, 11, 9, 0)).open  # Sunday


def test_next_opening() -> None:
    hours = OpeningHours()
    saturday_noon = datetime(2026, 1, 10, 12, 0)
    assert domain.next_opening(hours, saturday_noon) == datetime(2026, 1, 12, 7, 30)  # Monday
    assert domain.next_opening(hours, datetime(2026, 1, 5, 12, 0)) == datetime(2026, 1, 5, 13, 0)
    assert (
        domain.next_opening(
            OpeningHours(**{d: [] for d in ("mon", "tue", "wed", "thu", "fri", "sat")}), saturday_noon
        )
        is None
    )


def test_bad_hours_are_refused_with_a_hint() -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        OpeningHours(mon=["7:30-11:30"])
    with pytest.raises(ValueError, match="before the end"):
        OpeningHours(mon=["12:00-11:00"])


def test_age() -> None:
    assert domain.age_on(date(1950, 6, 15), date(2026, 6, 14)) == 75
    assert domain.age_on(date(1950, 6, 15), date(2026, 6, 15)) == 76
    assert domain.age_on(date(2000, 2, 29), date(2026, 2, 28)) == 25


def _t(i: int, weight: float = 0.0, since: float | None = None) -> QueuedTicket:
    return QueuedTicket(f"t{i}", i, weight, float(i * 60) if since is None else since)


def test_strict_priority_puts_every_priority_first() -> None:
    tickets = [_t(1), _t(2, 3.0), _t(3), _t(4, 4.0), _t(5, 3.0)]
    order = domain.order_tickets(tickets, OrderingPolicy.STRICT_PRIORITY)
    assert [t.ticket_id for t in order] == ["t4", "t2", "t5", "t1", "t3"]


def test_fifo_ignores_priority() -> None:
    tickets = [_t(2, 3.0), _t(1), _t(3)]
    assert [t.ticket_id for t in domain.order_tickets(tickets, OrderingPolicy.FIFO)] == ["t1", "t2", "t3"]


def test_aging_lets_a_long_wait_beat_a_priority() -> None:
    # normal ticket waiting since minute 0; priority (weight 3) since minute 10; aging 0.2/min
    old = QueuedTicket("old", 1, 0.0, 0.0)
    prio_recent = QueuedTicket("prio", 2, 3.0, 600.0)  # 10 min later: 0.2*10 = 2 < 3 -> prio first
    prio_late = QueuedTicket("late", 3, 3.0, 1200.0)  # 20 min later: 4 > 3 -> old first
    o1 = domain.order_tickets([old, prio_recent], OrderingPolicy.AGING, aging_weight_per_min=0.2)
    o2 = domain.order_tickets([old, prio_late], OrderingPolicy.AGING, aging_weight_per_min=0.2)
    assert [t.ticket_id for t in o1] == ["prio", "old"]
    assert [t.ticket_id for t in o2] == ["old", "late"]


def test_aging_without_gain_keeps_a_transferred_ticket_in_its_place_in_time() -> None:
    # a ticket transferred in is a newer row (seq 5) that has waited since minute 0; under AGING
    # with no gain per minute it still goes before a ticket of the same weight issued at minute 5
    later = QueuedTicket("later", 4, 0.0, 300.0)
    transferred = QueuedTicket("transferred", 5, 0.0, 0.0)
    prio = QueuedTicket("prio", 6, 1.0, 600.0)
    order = domain.order_tickets([later, transferred, prio], OrderingPolicy.AGING, aging_weight_per_min=0.0)
    assert [t.ticket_id for t in order] == ["prio", "transferred", "later"]


def test_one_per_n() -> None:
    tickets = [_t(i) for i in range(1, 8)] + [_t(10, 3.0), _t(11, 3.0)]
    order = domain.order_tickets(tickets, OrderingPolicy.ONE_PER_N, one_per_n=3, normal_streak=0)
    assert [t.ticket_id for t in order] == ["t1", "t2", "t3", "t10", "t4", "t5", "t6", "t11", "t7"]
    # two normals were already called since the last priority ticket
    order = domain.order_tickets(tickets, OrderingPolicy.ONE_PER_N, one_per_n=3, normal_streak=2)
    assert [t.ticket_id for t in order][:2] == ["t1", "t10"]


@given(
    st.lists(st.booleans(), min_size=0, max_size=40),
    st.integers(min_value=1, max_value=5),
    st.integers(min_value=0, max_value=6),
)
def test_ahead_one_per_n_matches_the_full_order(kinds: list[bool], n: int, streak: int) -> None:
    """The counting shortcut used at issue time agrees with the full calling order."""
    tickets = [_t(i, 3.0 if prio else 0.0) for i, prio in enumerate(kinds, start=1)]
    order = domain.order_tickets(tickets, OrderingPolicy.ONE_PER_N, one_per_n=n, normal_streak=streak)
    for pos, t in enumerate(order):
        same = [x for x in tickets if (x.weight > 0) == (t.weight > 0) and x.seq < t.seq]
        other = [x for x in tickets if (x.weight > 0) != (t.weight > 0)]
        normal_ahead = len(same) if t.weight <= 0 else len(other)
        prio_ahead = len(other) if t.weight <= 0 else len(same)
        assert domain.ahead_one_per_n(normal_ahead, prio_ahead, t.weight > 0, n, streak) == pos


@given(st.lists(st.tuples(st.floats(0, 5), st.integers(0, 10_000)), min_size=1, max_size=30), st.floats(0, 1))
def test_aging_rank_key_is_stable_over_time(items: list[tuple[float, int]], a: float) -> None:
    """Ordering by the stored key equals ordering by the live score at any later time."""
    tickets = [QueuedTicket(f"t{i}", i, w, float(s)) for i, (w, s) in enumerate(items)]
    by_key = domain.order_tickets(tickets, OrderingPolicy.AGING, aging_weight_per_min=a)
    now = 20_000.0
    by_score = sorted(tickets, key=lambda t: (-(t.weight + a * (now - t.waiting_since) / 60), t.seq))
    scores = [round(t.weight + a * (now - t.waiting_since) / 60, 6) for t in by_key]
    assert scores == [round(t.weight + a * (now - t.waiting_since) / 60, 6) for t in by_score]


def test_wait_estimate() -> None:
    times = [300.0] * 10  # 5 minutes each
    est = domain.estimate_wait(6, times, 2, min_samples=5, spread_pct=30)
    assert est == domain.WaitEstimate(10, 20)  # 6 * 5 / 2 = 15 min, +-30 %
    assert domain.estimate_wait(6, times[:4], 2, min_samples=5, spread_pct=30) is None  # too little data
    assert domain.estimate_wait(6, times, 0, min_samples=5, spread_pct=30) is None  # no counter open
    assert domain.estimate_wait(0, times, 1, min_samples=5, spread_pct=30) == domain.WaitEstimate(0, 0)


def test_shipped_config_is_valid_and_realistic() -> None:
    cfg = make_config()
    assert {s.code for s in cfg.services} >= {"ho_tich", "dat_dai", "kinh_doanh", "tu_phap", "nhan_ket_qua"}
    assert cfg.port == 8720 and cfg.pending_timeout_s == 120
    assert cfg.priority("elderly") is not None


def test_config_errors_name_the_key() -> None:
    data = make_config().model_dump(mode="json")
    data["services"][1]["prefix"] = data["services"][0]["prefix"]
    with pytest.raises(ConfigError, match="share a prefix"):
        validate(QueueingConfig, data, "queueing")
    data = make_config().model_dump(mode="json")
    data["counters"][0]["services"] = ["nope"]
    with pytest.raises(ConfigError, match="unknown service 'nope'"):
        validate(QueueingConfig, data, "queueing")
    data = make_config().model_dump(mode="json")
    data["pending_timeout_s"] = -1
    with pytest.raises(ConfigError, match="queueing.pending_timeout_s"):
        validate(QueueingConfig, data, "queueing")


def test_elderly_from_birth_date_starts_at_60(tmp_path: Path) -> None:
    """Vietnam's Law on the Elderly (2009): citizens aged 60 and over; shipped config and default agree."""
    assert QueueingConfig.model_fields["elderly_age_years"].default == 60
    assert section(load_raw(), "queueing")["elderly_age_years"] == 60
    store = Store(tmp_path / "q.sqlite3")
    store.open()
    try:
        queue = QueueService(make_config(), store, ManualClock(MONDAY_9AM))  # Monday 5 January 2026
        elderly = queue.config.priority("elderly")
        assert elderly is not None
        assert queue.resolve_priority(None, date(1966, 1, 5)) == ("elderly", elderly.weight)
        assert queue.resolve_priority(None, date(1966, 1, 6)) == (None, 0.0)  # 60 tomorrow
        assert queue.resolve_priority("disabled", date(1940, 1, 1))[0] == "disabled"  # asked for wins
    finally:
        store.close()
