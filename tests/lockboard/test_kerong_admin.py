"""Kerong 0x32 (status of every board) and 0x37 (set pulse time): vectors, properties, bus, CLI.

Vectors and their sources are listed in `drivers.lockboard.kerong_admin`'s docstring.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.lockboard import kerong
from drivers.lockboard.cli import main
from drivers.lockboard.codec import RequestKind
from drivers.lockboard.kerong_admin import (
    check_pulse_ms,
    parse_set_pulse_reply,
    parse_status_all,
    read_all_boards,
    set_pulse,
    set_pulse_frame,
    set_pulse_reply_frame,
)
from drivers.lockboard.sim import Fault, SimulatorHandle, start_simulator
from drivers.lockboard.types import BoardTimeout, FrameError

from .conftest import cli_base as base
from .conftest import rig

H = bytes.fromhex


# ----- 0x32 / 0x36 -----
def test_status_all_request_vector() -> None:
    assert kerong.status_all_frame() == H("02 F0 32 03 27")


def test_status_all_reply_vector_two_boards() -> None:
    data = H("02 00 36 00 00 00 00 03 3B 02 10 36 00 00 00 00 03 4B")
    boards, used = parse_status_all(data, 16, "b1")
    assert used == len(data)
    assert [b.board for b in boards] == [0, 1]
    assert not any(boards[0].lock_bits) and boards[1].item_bits is not None and not any(boards[1].item_bits)


def test_status_all_reply_bits_noise_and_partial_tail() -> None:
    frame = kerong.status_reply_frame(3, (True,) + (False,) * 14 + (True,), (False, True), 0x36)
    data = b"\x00\xff" + frame + frame[:4]
    boards, used = parse_status_all(data, 16, "b1")
    assert used == 2 + len(frame)
    assert boards[0].board == 3 and boards[0].lock_bits[0] and boards[0].lock_bits[15]
    assert boards[0].item_bits is not None and boards[0].item_bits[1]


def test_status_all_rejects_bad_checksum_and_other_frames() -> None:
    with pytest.raises(FrameError, match="bus b1, all boards: Kerong checksum"):
        parse_status_all(H("02 00 36 00 00 00 00 03 3C"), 16, "b1")
    with pytest.raises(FrameError, match="0x36"):
        parse_status_all(H("02 00 35 01 00 02 00 03 3D"), 16, "b1")


@given(st.binary(max_size=40))
def test_status_all_random_bytes_never_crash(data: bytes) -> None:
    try:
        boards, used = parse_status_all(data, 16, "b1")
    except FrameError:
        return
    assert 0 <= used <= len(data) and len(boards) <= len(data) // 9


@given(st.lists(st.booleans(), min_size=16, max_size=16), st.integers(0, 15))
def test_status_all_round_trip(bits: list[bool], board: int) -> None:
    frame = kerong.status_reply_frame(board, tuple(bits), tuple(reversed(bits)), 0x36)
    boards, _used = parse_status_all(frame, 16, "b1")
    assert boards[0].board == board and list(boards[0].lock_bits) == bits


# ----- 0x37 / 0x38 -----
@pytest.mark.parametrize(
    ("board", "ms", "frame"),
    [(0, 500, "02 00 37 00 32 03 6E"), (1, 3000, "02 10 37 01 2C 03 79"), (9, 60000, "02 90 37 17 70 03 53")],
)
def test_set_pulse_vectors(board: int, ms: int, frame: str) -> None:
    assert set_pulse_frame(board, ms) == H(frame)


@pytest.mark.parametrize("ms", [0, 5, 505, 60010, -10])
def test_set_pulse_rejects_times_the_board_cannot_hold(ms: int) -> None:
    with pytest.raises(ValueError, match="steps of 10 ms"):
        check_pulse_ms(ms)


def test_set_pulse_rejects_bad_board() -> None:
    with pytest.raises(ValueError, match="0..15"):
        set_pulse_frame(16, 500)


def test_set_pulse_reply_short_and_long_forms() -> None:
    assert parse_set_pulse_reply(H("02 00 38 03 3D"), 0, 500, "b1") == (None, 5)
    long = set_pulse_reply_frame(2, 700)
    assert parse_set_pulse_reply(b"\x00" + long, 2, 700, "b1") == (700, 8)
    assert parse_set_pulse_reply(long[:6], 2, 700, "b1") is None
    with pytest.raises(FrameError, match="700 ms"):
        parse_set_pulse_reply(long, 2, 800, "b1")
    with pytest.raises(FrameError, match="board 2, expected 3"):
        parse_set_pulse_reply(long, 3, 700, "b1")
    with pytest.raises(FrameError, match="0x35"):
        parse_set_pulse_reply(H("02 00 35 01 00 02 00 03 3D"), 0, 500, "b1")


@given(st.binary(max_size=20))
def test_set_pulse_reply_random_bytes_never_crash(data: bytes) -> None:
    try:
        parse_set_pulse_reply(data, 0, 500, "b1")
    except FrameError:
        pass


@given(st.integers(0, 15), st.integers(1, 6000))
def test_set_pulse_request_round_trips_through_the_simulator_parser(board: int, units: int) -> None:
    frame = set_pulse_frame(board, units * 10)
    parsed = kerong.KerongCodec().parse_request(frame)
    assert parsed is not None and parsed[1] == 7
    req = parsed[0]
    assert req is not None and req.kind is RequestKind.SET_PULSE
    assert (req.board, req.value) == (board, units * 10)


# ----- over a pty, through the bus -----
def test_read_all_boards_over_the_bus() -> None:
    with rig("kerong-cu16", 3, 16, poll_interval_ms=600_000) as r:
        r.cab.set_door(1, 4, True)
        raws = r.bus.transact(lambda link: read_all_boards(link, r.bus.config))
        assert [raw.board for raw in raws] == [0, 1, 2]
        assert raws[1].lock_bits[3] is False and raws[0].lock_bits[3] is True  # closed_bit 1
        r.cab.inject(Fault.NO_REPLY, board=2, count=1)
        raws = r.bus.transact(lambda link: read_all_boards(link, r.bus.config))
        assert [raw.board for raw in raws] == [0, 1]


def test_read_all_boards_waits_for_a_slow_board_and_reports_garbage() -> None:
    with rig("kerong-cu16", 3, 16, poll_interval_ms=600_000) as r:
        r.cab.inject(Fault.LATE_REPLY, board=2, count=1, delay_s=0.12)  # within one reply timeout
        raws = r.bus.transact(lambda link: read_all_boards(link, r.bus.config))
        assert [raw.board for raw in raws] == [0, 1, 2]
        r.cab.inject(Fault.GARBLED_REPLY, board=1, count=1)
        with pytest.raises(FrameError, match="all boards"):
            r.bus.transact(lambda link: read_all_boards(link, r.bus.config))
        assert r.bus.read_board(1).board == 1  # the line was settled


def test_set_pulse_over_the_bus_and_silence() -> None:
    with rig("kerong-cu16", 2, 16, poll_interval_ms=600_000) as r:
        assert r.bus.transact(lambda link: set_pulse(link, r.bus.config, 1, 700)) == 700
        assert r.cab.pulse_ms == {1: 700}
        with pytest.raises(BoardTimeout):
            r.bus.transact(lambda link: set_pulse(link, r.bus.config, 7, 700))
        assert r.bus.read_board(0).board == 0  # the line is usable afterwards


# ----- lockerctl -----
def test_cli_set_pulse(kerong: SimulatorHandle, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*base(kerong), "set-pulse", "1", "800"]) == 0
    assert "board 1: pulse time set to 800 ms; board acknowledged" in capsys.readouterr().out
    assert kerong.cabinet.pulse_ms == {1: 800}


def test_cli_set_pulse_unconfirmed_and_bad_values(
    kerong: SimulatorHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    kerong.cabinet.inject(Fault.NO_REPLY, board=0, on=[RequestKind.SET_PULSE])
    assert main([*base(kerong), "set-pulse", "0", "800"]) == 1
    err = capsys.readouterr().err
    assert "not confirmed" in err and "Traceback" not in err and err.count("\n") == 1
    assert main([*base(kerong), "set-pulse", "0", "805"]) == 2
    assert "steps of 10 ms" in capsys.readouterr().err
    assert main([*base(kerong), "set-pulse", "16", "800"]) == 2


def test_cli_set_pulse_refused_for_other_protocols(capsys: pytest.CaptureFixture[str]) -> None:
    with start_simulator("bu-8a", 1, 8) as sim:
        assert main([*base(sim), "set-pulse", "1", "800"]) == 2
    assert "Kerong KR-CU16 command" in capsys.readouterr().err


def test_cli_probe_broadcast(kerong: SimulatorHandle, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*base(kerong), "probe", "--broadcast"]) == 0
    out = capsys.readouterr().out
    assert "board 0: answers" in out and "board 1: answers" in out
    kinds = [k for k, _b, _l in kerong.cabinet.requests]
    assert kinds.count(RequestKind.STATUS_ALL_BOARDS) == 1
