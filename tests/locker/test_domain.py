"""Pure rules: transitions, expiry, delays, masking, config validation, codes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from locker.codes import CodeBook
from locker.config import LockerConfig
from locker.domain import (
    DepositState,
    TransitionError,
    check_transition,
    expiry_of,
    kiosk_delay_s,
    mask_name,
    mask_phone,
    normalize_phone,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def test_transitions() -> None:
    check_transition(DepositState.CODE_SENT, DepositState.PICKUP_OPENING)
    for final in (DepositState.COLLECTED, DepositState.WITHDRAWN, DepositState.CANCELLED):
        for s in DepositState:
            with pytest.raises(TransitionError):
                check_transition(final, s)
    with pytest.raises(TransitionError):
        check_transition(DepositState.CODE_SENT, DepositState.CANCELLED)  # no cancel after the code


def test_expiry_calendar_and_working_days() -> None:
    monday = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
    assert expiry_of(monday, 7, TZ, False, set()) == datetime(2026, 1, 12, 23, 59, 59, tzinfo=TZ)
    friday = datetime(2026, 1, 9, 3, 0, tzinfo=UTC)
    assert expiry_of(friday, 2, TZ, True, set()).astimezone(TZ).date() == date(2026, 1, 13)
    assert expiry_of(friday, 2, TZ, True, {date(2026, 1, 12)}).astimezone(TZ).date() == date(2026, 1, 14)


def test_kiosk_delays() -> None:
    assert [kiosk_delay_s(n, 3, 2, 300) for n in range(1, 9)] == [0, 0, 0, 2, 4, 8, 16, 32]
    assert kiosk_delay_s(1000, 3, 2, 300) == 300


def test_masking_and_phones() -> None:
    assert mask_phone("+84900000001") == "+84*****0001"
    assert mask_name("Lê Minh Châu") == "L* M*** Châu"
    assert normalize_phone("0900 000 001") == normalize_phone("84900000001") == "+84900000001"
    with pytest.raises(ValueError):
        normalize_phone("12")


@given(st.integers(min_value=6, max_value=10))
def test_codes_have_the_configured_length(n: int) -> None:
    book = CodeBook("00" * 32, n)
    codes = {book.new_code() for _ in range(50)}
    assert all(len(c) == n and c.isdigit() for c in codes)
    assert len(codes) > 45
    c = next(iter(codes))
    assert book.matches(c, book.digest(c)) and not book.matches(c, book.digest("0" * n))


def test_code_digits_are_roughly_uniform() -> None:
    book = CodeBook("11" * 32, 6)
    counts = [0] * 10
    for _ in range(2000):
        for ch in book.new_code():
            counts[int(ch)] += 1
    assert min(counts) > 1000 and max(counts) < 1400  # expected 1200 each


def _cfg(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "buses": [{"name": "bank1", "boards": [0, 1], "locks_per_board": 16}],
        "compartments": [{"label": "1", "board": 0, "lock": 1}],
    }
    base.update(kw)
    return base


@pytest.mark.parametrize(
    ("comps", "message"),
    [
        ([{"label": "1", "lock": 1}, {"label": "1", "lock": 2}], "used twice"),
        ([{"label": "1", "bus": "nope"}], "is not one of"),
        ([{"label": "1", "board": 5}], "not in bus"),
        ([{"label": "1", "lock": 17}], "locks_per_board"),
        ([{"label": "1", "lock": 2}, {"label": "2", "lock": 2}], "already compartment '1'"),
    ],
)
def test_cabinet_map_is_validated(comps: list[dict[str, object]], message: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=message):
        LockerConfig.model_validate(_cfg(compartments=comps))


def test_default_config_is_valid() -> None:
    from locker.config import load_locker_config

    cfg = load_locker_config()
    assert len(cfg.compartments) >= 12 and cfg.buses[0].simulate
    assert {c.size.value for c in cfg.compartments} == {"small", "medium", "large"}
