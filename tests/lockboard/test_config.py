"""BusConfig: protocol defaults, validation messages naming the key."""

from __future__ import annotations

import pytest

from common.config import ConfigError, validate
from drivers.lockboard.config import BusConfig, UnlockReply
from drivers.lockboard.types import Protocol_


@pytest.mark.parametrize(
    ("proto", "baud", "boards", "locks", "reply"),
    [
        ("kerong-cu16", 19200, [0], 16, UnlockReply.OPTIONAL),
        ("bu-8a", 9600, [1], 24, UnlockReply.REQUIRED),
        ("modbus-relay", 9600, [1], 8, UnlockReply.REQUIRED),
    ],
)
def test_protocol_defaults(proto: str, baud: int, boards: list[int], locks: int, reply: UnlockReply) -> None:
    c = validate(BusConfig, {"protocol": proto}, "locker.buses.0")
    assert (c.baud, c.boards, c.locks_per_board, c.unlock_reply) == (baud, boards, locks, reply)
    assert c.poll_interval_ms == 500 and c.unreachable_after_misses == 3


def test_explicit_values_win() -> None:
    c = BusConfig(protocol=Protocol_.KERONG_CU16, baud=9600, boards=[2, 3], locks_per_board=12)
    assert (c.baud, c.boards, c.locks_per_board) == (9600, [2, 3], 12)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"protocol": "kerong-cu16", "boards": [16]}, "out of range 0..15"),
        ({"protocol": "bu-8a", "boards": [0]}, "out of range 1..64"),
        ({"protocol": "bu-8a", "boards": [1, 1]}, "twice"),
        ({"protocol": "kerong-cu16", "locks_per_board": 17}, "1..16"),
        ({"protocol": "rs232-magic"}, "locker.buses.0.protocol"),
        ({"closed_bit": 2}, "locker.buses.0.closed_bit"),
        ({"poll_ms": 100}, "locker.buses.0.poll_ms"),
    ],
)
def test_invalid_config_names_the_problem(data: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        validate(BusConfig, data, "locker.buses.0")


def test_reconnect_schedule_is_bounded_and_never_tight() -> None:
    c = BusConfig(reconnect_initial_delay_ms=250, reconnect_max_delay_ms=5000, reconnect_fast_attempts=20)
    delays = [c.reconnect_delay_ms(n) for n in range(25)]
    assert delays[:6] == [250, 500, 1000, 2000, 4000, 5000]
    assert delays[19] == 5000 and delays[20:] == [60_000] * 5
    assert min(delays) >= 250
