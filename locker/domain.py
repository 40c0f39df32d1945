"""Deposit life cycle: states, the allowed transitions, and pure rules (no I/O).

reserved -> loading (door open for loading) -> code_sent -> pickup_opening -> collected
                                   |                |              |-> pickup_jammed / pickup_unknown
                                   v                v
                               cancelled         expired -> withdrawn
Every change of a deposit's state goes through `check_transition`, called by the store in the
same transaction that records it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# the wire's vocabulary, defined once in the contract
from contracts.locker import CompartmentView as CompartmentView
from contracts.locker import DepositState as DepositState
from drivers.lockboard.types import DoorState

ACTIVE = frozenset(
    {
        DepositState.RESERVED,
        DepositState.LOADING,
        DepositState.CODE_SENT,
        DepositState.PICKUP_OPENING,
        DepositState.PICKUP_JAMMED,
        DepositState.PICKUP_UNKNOWN,
        DepositState.EXPIRED,
    }
)
"""States in which the deposit occupies its compartment."""

BEFORE_CODE = frozenset({DepositState.RESERVED, DepositState.LOADING})
"""Reopen, bigger and cancel are allowed only here."""

FINAL = frozenset({DepositState.COLLECTED, DepositState.WITHDRAWN, DepositState.CANCELLED})

_ALLOWED: dict[DepositState, frozenset[DepositState]] = {
    DepositState.RESERVED: frozenset({DepositState.LOADING, DepositState.CANCELLED, DepositState.RESERVED}),
    DepositState.LOADING: frozenset(
        {DepositState.CODE_SENT, DepositState.CANCELLED, DepositState.LOADING, DepositState.RESERVED}
    ),
    DepositState.CODE_SENT: frozenset(
        {DepositState.PICKUP_OPENING, DepositState.EXPIRED, DepositState.CODE_SENT, DepositState.WITHDRAWN}
    ),
    DepositState.PICKUP_OPENING: frozenset(
        # back to CODE_SENT only when the frame provably never left (bus down)
        {
            DepositState.COLLECTED,
            DepositState.PICKUP_JAMMED,
            DepositState.PICKUP_UNKNOWN,
            DepositState.CODE_SENT,
        }
    ),
    DepositState.PICKUP_JAMMED: frozenset(
        {DepositState.PICKUP_OPENING, DepositState.COLLECTED, DepositState.WITHDRAWN, DepositState.CODE_SENT}
    ),
    DepositState.PICKUP_UNKNOWN: frozenset(
        {DepositState.PICKUP_OPENING, DepositState.COLLECTED, DepositState.WITHDRAWN, DepositState.CODE_SENT}
    ),
    DepositState.EXPIRED: frozenset({DepositState.WITHDRAWN, DepositState.CODE_SENT}),
    DepositState.COLLECTED: frozenset(),
    DepositState.WITHDRAWN: frozenset(),
    DepositState.CANCELLED: frozenset(),
}


class TransitionError(Exception):
    """A state change that the life cycle does not allow."""


def check_transition(old: DepositState, new: DepositState) -> None:
    """Raise TransitionError unless `old -> new` is allowed."""
    if new not in _ALLOWED[old]:
        raise TransitionError(f"a deposit in state {old.value!r} cannot become {new.value!r}")


class UnlockPurpose(enum.StrEnum):
    """Why a door was pulsed (recorded with the intent, before the pulse)."""

    LOAD = "load"
    REOPEN = "reopen"
    PICKUP = "pickup"
    PICKUP_RETRY = "pickup_retry"
    WITHDRAW = "withdraw"
    FORCE = "force"


class UnlockState(enum.StrEnum):
    """An unlock intent's fate; `intent` rows left by a crash become `unknown` at boot."""

    INTENT = "intent"
    OPENED = "opened"
    ALREADY_OPEN = "already_open"
    JAMMED = "jammed"
    UNKNOWN = "unknown"
    NOT_SENT = "not_sent"  # the bus was down: the frame never left


def view_of(state: DepositState | None, door_open: bool, disabled: bool) -> CompartmentView:
    """The cabinet picture's state for one compartment."""
    if disabled:
        return CompartmentView.DISABLED
    if door_open:
        return CompartmentView.OPEN
    if state is None:
        return CompartmentView.FREE
    if state in BEFORE_CODE:
        return CompartmentView.RESERVED
    if state is DepositState.CODE_SENT:
        return CompartmentView.LOADED
    return CompartmentView.ATTENTION


def expiry_of(
    loaded_at: datetime, valid_days: int, tz: ZoneInfo, working_days: bool, holidays: set[date]
) -> datetime:
    """End of the pickup window: end of the local day `valid_days` (working) days after loading."""
    local = loaded_at.astimezone(tz)
    day = local.date()
    if working_days:
        left = valid_days
        while left > 0:
            day += timedelta(days=1)
            if day.weekday() < 5 and day not in holidays:
                left -= 1
    else:
        day += timedelta(days=valid_days)
    end = datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=tz)
    return end.astimezone(loaded_at.tzinfo)


def kiosk_delay_s(consecutive_failures: int, free: int, first_s: float, max_s: float) -> float:
    """Wait imposed after `consecutive_failures` wrong codes at one kiosk: 0, then doubling, capped."""
    over = consecutive_failures - free
    if over <= 0:
        return 0.0
    return float(min(max_s, first_s * (2 ** min(over - 1, 30))))


def mask_phone(phone: str) -> str:
    """'+84900000001' -> '+84*****0001' (enough for staff to recognise, not to dial)."""
    if len(phone) <= 4:
        return "*" * len(phone)
    keep = 3 if phone.startswith("+") else 0
    return phone[:keep] + "*" * (len(phone) - keep - 4) + phone[-4:]


def mask_name(name: str) -> str:
    """'Nguyễn Văn An' -> 'N*** V** An': the given name stays, the rest is initials."""
    parts = name.split()
    if not parts:
        return ""
    masked = [p[0] + "*" * (len(p) - 1) for p in parts[:-1]]
    return " ".join([*masked, parts[-1]])


def normalize_phone(phone: str) -> str:
    """Accept '0900000001', '84900000001', '+84 900 000 001'; return '+84900000001'."""
    digits = "".join(ch for ch in phone if "0" <= ch <= "9")  # not isdigit(): "²" and "١" are digits too
    if phone.strip().startswith("+"):
        out = "+" + digits
    elif digits.startswith("84") and len(digits) >= 11:
        out = "+" + digits
    elif digits.startswith("0"):
        out = "+84" + digits[1:]
    else:
        out = "+" + digits
    if not 10 <= len(out) <= 16:
        raise ValueError("phone must be a Vietnamese mobile number such as 0900000001 or +84900000001")
    return out


def sensor_mismatch(state: DepositState | None, door: DoorState, item: bool | None) -> str | None:
    """What is wrong when the sensors disagree with a compartment's deposit state (None: nothing)."""
    waiting = state in (DepositState.CODE_SENT, DepositState.EXPIRED)
    if state is None and door is DoorState.OPEN:
        return "door open but the compartment is free"
    if state is None and item is True:
        return "something is inside a free compartment"
    if waiting and door is DoorState.OPEN:
        return "door open while documents wait for pickup"
    if waiting and item is False:
        return "the item sensor sees nothing in a loaded compartment"
    return None
