"""Pure queue rules: ticket states, numbering, opening hours, ordering policies, wait estimate.

No I/O here: the store and the service layer feed plain values in and act on what comes out,
so every rule is tested with a controlled clock.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from contracts.queueing import CounterStatus as CounterStatus  # the wire's vocabulary, defined once
from contracts.queueing import TicketState as TicketState
from queueing.config import OpeningHours, OrderingPolicy

FINAL_STATES = frozenset({TicketState.DONE, TicketState.NO_SHOW, TicketState.VOID, TicketState.TRANSFERRED})
#: A live ticket holds its number: wrapping numbers skip it (pending may still be printed).
LIVE_STATES = frozenset({TicketState.PENDING, TicketState.WAITING, TicketState.CALLED, TicketState.SERVING})
AT_COUNTER_STATES = frozenset({TicketState.CALLED, TicketState.SERVING})
#: Allowed transitions; the store changes state only along these edges.
TRANSITIONS: dict[TicketState, frozenset[TicketState]] = {
    TicketState.PENDING: frozenset({TicketState.WAITING, TicketState.VOID}),
    TicketState.WAITING: frozenset({TicketState.CALLED, TicketState.VOID}),
    TicketState.CALLED: frozenset(
        {
            TicketState.SERVING,
            TicketState.NO_SHOW,
            TicketState.DONE,
            TicketState.TRANSFERRED,
            TicketState.WAITING,
        }
    ),
    TicketState.SERVING: frozenset({TicketState.DONE, TicketState.TRANSFERRED}),
    TicketState.DONE: frozenset(),
    TicketState.NO_SHOW: frozenset(),
    TicketState.VOID: frozenset(),
    TicketState.TRANSFERRED: frozenset(),
}


def can_move(old: TicketState, new: TicketState) -> bool:
    """True when `old -> new` is an allowed ticket transition."""
    return new in TRANSITIONS[old]


# ----------------------------------------------------------------------------- numbering


def number_for_serial(serial: int, number_min: int, number_max: int) -> int:
    """The printed number of the `serial`-th ticket (1-based) of a day; wraps past number_max."""
    if serial < 1:
        raise ValueError("serial starts at 1")
    span = number_max - number_min + 1
    return number_min + (serial - 1) % span


def free_serial(serial: int, number_min: int, number_max: int, live: Collection[int]) -> int | None:
    """The first serial from `serial` on whose number is not in `live`, or None when every number
    of the range is live.

    `live` holds the numbers (not serials) of today's live tickets of the same prefix: once the
    numbers wrap past number_max, a number still waiting or at a counter is skipped, so no two
    live tickets ever share a number.
    """
    span = number_max - number_min + 1
    for candidate in range(serial, serial + span):
        if number_for_serial(candidate, number_min, number_max) not in live:
            return candidate
    return None


def format_number(prefix: str, number: int, digits: int) -> str:
    """('B', 12, 3) -> 'B012'."""
    return f"{prefix}{number:0{digits}d}"


def parse_number(text: str) -> tuple[str, int] | None:
    """'b12' / 'B012' -> ('B', 12); None when it is not a letter followed by digits."""
    t = text.strip().upper()
    if len(t) < 2 or not t.isascii() or not t[0].isalpha() or not t[1:].isdigit():  # ASCII: "²".isdigit()
        return None
    return t[0], int(t[1:])


# ----------------------------------------------------------------------------- hours, age


@dataclass(frozen=True)
class Opening:
    """Whether a service issues tickets at a moment, and when it opens next today."""

    open: bool
    opens_at: time | None  # next opening today when closed, else None


#: How far ahead "opens next" looks: a week of hours plus the longest holiday run (Tết: ~9 days).
NEXT_OPENING_HORIZON_DAYS = 31


def opening_at(
    hours: OpeningHours,
    local: datetime,
    last_ticket_before_close_min: int = 0,
    holidays: Collection[date] = (),
) -> Opening:
    """Is a service with these hours open at local wall time `local`? (closed all day on holidays)"""
    if local.date() in holidays:
        return Opening(False, None)
    now_t = local.time().replace(tzinfo=None)
    next_start: time | None = None
    wall = datetime.combine(local.date(), now_t)
    for start, end in hours.periods(local.weekday()):
        # a cut-off longer than the period leaves no time to issue in it (never wraps to a day before)
        cutoff = datetime.combine(local.date(), end) - timedelta(minutes=last_ticket_before_close_min)
        if start <= now_t and wall < cutoff:
            return Opening(True, None)
        if start > now_t and next_start is None:
            next_start = start
    return Opening(False, next_start)


def next_opening(
    hours: OpeningHours,
    local: datetime,
    holidays: Collection[date] = (),
    horizon_days: int = NEXT_OPENING_HORIZON_DAYS,
) -> datetime | None:
    """The next period start after `local` (naive local time), skipping holidays, within
    `horizon_days`; None when there is none (no hours set)."""
    for days in range(horizon_days + 1):
        day = local.date() + timedelta(days=days)
        if day in holidays:
            continue
        for start, _ in hours.periods(day.weekday()):
            candidate = datetime.combine(day, start)
            if candidate > local.replace(tzinfo=None):
                return candidate
    return None


def age_on(birth: date, today: date) -> int:
    """Age in whole years on `today` (a 29 February birthday counts on 1 March)."""
    years = today.year - birth.year
    if (today.month, today.day) < (birth.month, birth.day):
        years -= 1
    return years


# ----------------------------------------------------------------------------- ordering


@dataclass(frozen=True)
class QueuedTicket:
    """What the ordering policies need to know about a waiting ticket."""

    ticket_id: str
    seq: int  # issue order (row id); ties are broken by it
    weight: float  # 0 for no priority
    waiting_since: float  # seconds (epoch); for transfers, the original issue time


def rank_key(
    policy: OrderingPolicy, weight: float, waiting_since: float, aging_weight_per_min: float
) -> float:
    """A number that orders waiting tickets: larger is called first (ties: lower seq first).

    For AGING the score at time t is `weight + a * (t - since) / 60`; all scores grow at the
    same rate, so ordering by `weight - a * since / 60` gives the same order at any t and the
    key can be stored once, at issue, and indexed.
    """
    if policy is OrderingPolicy.FIFO or policy is OrderingPolicy.ONE_PER_N:
        return -waiting_since
    if policy is OrderingPolicy.STRICT_PRIORITY or aging_weight_per_min <= 0:
        # AGING that gains nothing per minute is strict priority: equal weights go by time waited
        # (a transferred ticket keeps its place in time), not by which row was written first
        return weight * 1e10 - waiting_since
    return weight - aging_weight_per_min * waiting_since / 60.0


def order_one_per_n(tickets: Sequence[QueuedTicket], n: int, normal_streak: int) -> list[QueuedTicket]:
    """Calling order under "one priority ticket after every N normal ones".

    `normal_streak` is how many normal tickets were called since the last priority one.
    Priority tickets among themselves go by weight, then age; normal ones by age.
    """
    prio = sorted((t for t in tickets if t.weight > 0), key=lambda t: (-t.weight, t.waiting_since, t.seq))
    normal = sorted((t for t in tickets if t.weight <= 0), key=lambda t: (t.waiting_since, t.seq))
    out: list[QueuedTicket] = []
    streak = normal_streak
    pi = ni = 0
    while pi < len(prio) or ni < len(normal):
        if pi < len(prio) and (streak >= n or ni >= len(normal)):
            out.append(prio[pi])
            pi += 1
            streak = 0
        else:
            out.append(normal[ni])
            ni += 1
            streak += 1
    return out


def order_tickets(
    tickets: Sequence[QueuedTicket],
    policy: OrderingPolicy,
    *,
    aging_weight_per_min: float = 0.0,
    one_per_n: int = 3,
    normal_streak: int = 0,
) -> list[QueuedTicket]:
    """All waiting tickets of one service in the order they will be called."""
    if policy is OrderingPolicy.ONE_PER_N:
        return order_one_per_n(tickets, one_per_n, normal_streak)
    return sorted(
        tickets, key=lambda t: (-rank_key(policy, t.weight, t.waiting_since, aging_weight_per_min), t.seq)
    )


def ahead_one_per_n(normal_ahead: int, prio_ahead: int, is_priority: bool, n: int, streak: int) -> int:
    """How many tickets are called before a new ticket under ONE_PER_N, without listing them.

    `normal_ahead`/`prio_ahead` count the waiting normal/priority tickets that go before it in
    their own line.
    """
    if is_priority:
        # Each priority ahead of us costs one slot plus up to N normal ones before it.
        slots_before_first = max(0, n - streak)
        normals = min(normal_ahead, slots_before_first + prio_ahead * n)
        return prio_ahead + normals
    # Normal ticket: the priority tickets that get a slot before our turn.
    taken = 0
    streak_now = streak
    prio_left = prio_ahead
    for _ in range(normal_ahead + 1):
        if prio_left and streak_now >= n:
            taken += 1
            prio_left -= 1
            streak_now = 0
        streak_now += 1
    return normal_ahead + taken


# ----------------------------------------------------------------------------- wait estimate


@dataclass(frozen=True)
class WaitEstimate:
    """A wait range in whole minutes."""

    min_minutes: int
    max_minutes: int


def moving_average(values: Sequence[float]) -> float | None:
    """Mean of the values, or None when there are none."""
    return sum(values) / len(values) if values else None


def estimate_wait(
    ahead: int,
    service_times_s: Sequence[float],
    open_counters: int,
    *,
    min_samples: int,
    spread_pct: float,
) -> WaitEstimate | None:
    """Wait range for a ticket with `ahead` tickets before it.

    Hidden (None) while fewer than `min_samples` service times are known or no counter is
    open for the service: an honest "unknown" beats a made-up number.
    """
    if len(service_times_s) < min_samples or open_counters < 1:
        return None
    avg = sum(service_times_s) / len(service_times_s)
    # The ticket is called once `ahead` services finished across the open counters; a counter
    # already busy finishes, on average, half a service time from now.
    expected_s = ahead * avg / open_counters
    spread = spread_pct / 100.0
    low = math.floor(expected_s * (1 - spread) / 60.0)
    high = math.ceil(expected_s * (1 + spread) / 60.0)
    return WaitEstimate(max(0, low), max(high, low, 1 if ahead else 0))
