"""Golden vectors and property tests for the three board codecs (pure, no I/O)."""

from __future__ import annotations

from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.lockboard import bu8a, kerong, modbus
from drivers.lockboard.codec import RawStatus, Request, RequestKind, codec_for, decode_complete
from drivers.lockboard.types import FrameError, Protocol_

H = bytes.fromhex
T = TypeVar("T")


def full(parsed: T | None) -> T:
    """The parse result, which must be complete."""
    assert parsed is not None
    return parsed


# ----- Kerong KR-CU16 -----
@pytest.mark.parametrize(
    ("board", "lock", "frame"),
    [
        (0, 1, "02 00 31 03 36"),
        (1, 5, "02 14 31 03 4A"),
        (0, 16, "02 0F 31 03 45"),
        (9, 16, "02 9F 31 03 D5"),
    ],
)
def test_kerong_unlock_vectors(board: int, lock: int, frame: str) -> None:
    assert kerong.unlock_frame(board, lock) == H(frame)


def test_kerong_status_and_other_commands() -> None:
    assert kerong.status_frame(2) == H("02 20 30 03 55")
    assert kerong.status_all_frame() == H("02 F0 32 03 27")  # three public drivers send these bytes
    assert kerong.unlock_all_frame(1) == H("02 10 33 03 48")


def test_kerong_status_reply_vector() -> None:
    raw, used = full(kerong.KerongCodec().parse_status_reply(H("02 00 35 01 00 02 00 03 3D"), 0, 16, "b1"))
    assert used == 9
    assert raw.lock_bits[0] is True and not any(raw.lock_bits[1:])
    assert raw.item_bits is not None and raw.item_bits[1] is True and sum(raw.item_bits) == 1


def test_kerong_high_channels_and_noise_before_frame() -> None:
    reply = kerong.status_reply_frame(3, (False,) * 15 + (True,), (True,) + (False,) * 15)
    raw, used = full(kerong.KerongCodec().parse_status_reply(b"\xff\x00" + reply, 3, 16, "b1"))
    assert used == 2 + len(reply)
    assert raw.lock_bits[15] and raw.item_bits is not None and raw.item_bits[0]


def test_kerong_accepts_echo_or_status_as_unlock_ack() -> None:
    c = kerong.KerongCodec()
    assert c.parse_unlock_reply(H("02 14 31 03 4A"), 1, 5, "b1") == (True, 5)
    assert c.parse_unlock_reply(kerong.status_reply_frame(1, (), ()), 1, 5, "b1") == (True, 9)
    assert c.parse_unlock_reply(H("02 14"), 1, 5, "b1") is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("02 00 35 01 00 02 00 03 3E", "checksum"),
        ("02 10 35 01 00 02 00 03 4D", "board 1, expected 0"),
        ("02 00 35 01 00 02 00 04 3E", "ETX"),
        ("02 00 99", "unknown Kerong command"),
    ],
)
def test_kerong_rejects_bad_frames_naming_bus_and_board(data: str, message: str) -> None:
    with pytest.raises(FrameError, match=message) as err:
        kerong.KerongCodec().parse_status_reply(H(data), 0, 16, "bankA")
    assert "bus bankA, board 0" in str(err.value)


def test_kerong_rejects_out_of_range() -> None:
    with pytest.raises(ValueError, match="lock 17"):
        kerong.unlock_frame(0, 17)
    with pytest.raises(ValueError, match="0..15"):
        kerong.unlock_frame(16, 1)


# ----- 8A / BU -----
def test_bu_vectors() -> None:
    assert bu8a.unlock_frame(1, 1) == H("8A 01 01 11 9B")
    assert bu8a.query_one_frame(1, 1) == H("80 01 01 33 B3")
    assert bu8a.query_all_frame(2) == H("80 02 00 33 B1")


def test_bu_query_all_reply_vector() -> None:
    raw, used = full(bu8a.Bu8aCodec().parse_status_reply(H("80 02 05 03 33 B7"), 2, 12, "b1"))
    assert used == 6
    on = [i + 1 for i, bit in enumerate(raw.lock_bits) if bit]
    assert on == [1, 2, 9, 11]
    assert raw.item_bits is None


def test_bu_reply_length_taken_from_frame() -> None:
    # A 24-channel board answering a bank configured for 16 locks: 3 status bytes.
    frame = bu8a.query_all_reply_frame(4, (True,) + (False,) * 22 + (True,), 3)
    raw, used = full(bu8a.Bu8aCodec().parse_status_reply(frame, 4, 16, "b1"))
    assert used == len(frame) == 7 and raw.lock_bits[0] and len(raw.lock_bits) == 16
    # a 16-channel board in a bank configured for 24 locks: only 16 bits come back
    small = bu8a.query_all_reply_frame(4, (True,) * 16, 2)
    assert len(full(bu8a.Bu8aCodec().parse_status_reply(small, 4, 24, "b1"))[0].lock_bits) == 16


def test_bu_unlock_reply_both_headers() -> None:
    c = bu8a.Bu8aCodec()
    for hdr in (0x8A, 0x80):
        for st_byte in (0x00, 0x11):
            body = bytes([hdr, 3, 7, st_byte])
            assert c.parse_unlock_reply(body + bytes([bu8a.bcc(body)]), 3, 7, "b1") == (True, 5)
    with pytest.raises(FrameError, match="board 3 lock 8"):
        body = bytes([0x8A, 3, 8, 0x11])
        c.parse_unlock_reply(body + bytes([bu8a.bcc(body)]), 3, 7, "b1")
    with pytest.raises(FrameError, match="BCC"):
        c.parse_unlock_reply(H("8A 01 01 11 9C"), 1, 1, "b1")


def test_bu_status_bad_bcc() -> None:
    with pytest.raises(FrameError, match="BCC"):
        bu8a.Bu8aCodec().parse_status_reply(H("80 02 05 03 33 B8 00 00 00 00 00 00"), 2, 12, "b1")


# ----- Modbus RTU relay -----
def test_modbus_vectors() -> None:
    assert modbus.flash_on_frame(1, 1, 700) == H("01 05 02 00 00 07 8D B0")
    assert modbus.read_inputs_frame(1, 8) == H("01 02 00 00 00 08 79 CC")
    assert modbus.all_off_frame(1) == H("01 05 00 FF 00 00 FD FA")
    assert modbus.crc16(b"123456789") == 0x4B37  # CRC-16/MODBUS check value


def test_modbus_inputs_reply_and_exception() -> None:
    c = modbus.ModbusRelayCodec()
    raw, used = full(c.parse_status_reply(H("01 02 01 05 61 8B"), 1, 8, "b1"))
    assert used == 6 and [i + 1 for i, b in enumerate(raw.lock_bits) if b] == [1, 3]
    with pytest.raises(FrameError, match="exception 02"):
        c.parse_status_reply(modbus.exception_frame(1, 2, 2), 1, 8, "b1")
    with pytest.raises(FrameError, match="CRC"):
        c.parse_status_reply(H("01 02 01 05 61 8C"), 1, 8, "b1")


def test_modbus_flash_echo_must_name_the_lock() -> None:
    c = modbus.ModbusRelayCodec()
    assert c.parse_unlock_reply(H("01 05 02 00 00 07 8D B0"), 1, 1, "b1") == (True, 8)
    with pytest.raises(FrameError, match="expected lock 2"):
        c.parse_unlock_reply(H("01 05 02 00 00 07 8D B0"), 1, 2, "b1")


def test_modbus_pulse_is_clamped_to_the_register_range() -> None:
    assert modbus.flash_on_frame(1, 1, 30)[4:6] == b"\x00\x01"
    assert modbus.flash_on_frame(1, 1, 100_000)[4:6] == b"\x00\xff"


# ----- properties: round trips and random bytes -----
PROTOS = list(Protocol_)


def _board(proto: Protocol_) -> st.SearchStrategy[int]:
    low, high = codec_for(proto).board_range
    return st.integers(low, high)


@settings(deadline=None)  # no timing in unit tests: the machine is shared
@given(data=st.data(), proto=st.sampled_from(PROTOS))
def test_unlock_request_round_trip(data: st.DataObject, proto: Protocol_) -> None:
    codec = codec_for(proto)
    board = data.draw(_board(proto))
    lock = data.draw(st.integers(1, min(16, codec.max_locks)))
    frame = codec.unlock_frame(board, lock, 500)
    parsed = codec.parse_request(frame)
    assert parsed is not None
    req, used = parsed
    assert req is not None and used == len(frame)
    assert (req.kind, req.board, req.lock) == (RequestKind.UNLOCK, board, lock)
    raw = RawStatus(board, (False,) * 16)
    reply = codec.unlock_reply(req, raw)
    assert reply is not None
    assert codec.parse_unlock_reply(reply, board, lock, "p") == (True, len(reply))


@settings(deadline=None)  # no timing in unit tests: the machine is shared
@given(data=st.data(), proto=st.sampled_from(PROTOS))
def test_status_round_trip(data: st.DataObject, proto: Protocol_) -> None:
    codec = codec_for(proto)
    board = data.draw(_board(proto))
    locks = data.draw(st.integers(1, 16))
    bits = tuple(data.draw(st.lists(st.booleans(), min_size=locks, max_size=locks)))
    items = tuple(data.draw(st.lists(st.booleans(), min_size=locks, max_size=locks)))
    request = codec.parse_request(codec.status_frame(board, locks))
    assert request is not None and request[0] is not None
    req: Request = request[0]
    assert req.kind is RequestKind.STATUS and req.board == board
    reply = codec.status_reply(req, RawStatus(board, bits, items))
    parsed = codec.parse_status_reply(reply, board, locks, "p")
    assert parsed is not None
    raw, used = parsed
    assert used == len(reply) and raw.lock_bits == bits
    if proto is Protocol_.KERONG_CU16:
        assert raw.item_bits == items


@settings(deadline=None)  # no timing in unit tests: the machine is shared
@given(proto=st.sampled_from(PROTOS), blob=st.binary(max_size=64), board=st.integers(0, 20))
def test_random_bytes_never_crash_the_decoders(proto: Protocol_, blob: bytes, board: int) -> None:
    codec = codec_for(proto)
    for call in (
        lambda: codec.parse_status_reply(blob, board, 16, "p"),
        lambda: codec.parse_unlock_reply(blob, board, 3, "p"),
        lambda: codec.parse_request(blob),
    ):
        try:
            result = call()
        except FrameError:
            continue
        if result is not None:
            assert 0 < result[1] <= len(blob) or (result[1] == 0 and result[0] is True)


@settings(deadline=None)  # no timing in unit tests: the machine is shared
@given(proto=st.sampled_from(PROTOS), blob=st.binary(max_size=200))
def test_request_parser_always_makes_progress(proto: Protocol_, blob: bytes) -> None:
    codec = codec_for(proto)
    buf = blob
    for _ in range(len(blob) + 1):
        parsed = codec.parse_request(buf)
        if parsed is None:
            break
        assert parsed[1] > 0
        buf = buf[parsed[1] :]


# ----- more vectors from vendor and integrator documents -----
def test_bu_more_vectors() -> None:
    assert bu8a.query_all_frame(1) == H("80 01 00 33 B2")
    assert bu8a.unlock_all_frame(1) == H("8A 01 00 11 9A")
    # a board answering an unlock with ST 0x00 (lock now open)
    assert bu8a.Bu8aCodec().parse_unlock_reply(H("8A 01 01 00 8A"), 1, 1, "b1") == (True, 5)
    req = full(bu8a.Bu8aCodec().parse_request(H("8A 01 00 11 9A")))[0]
    assert req is not None and req.kind is RequestKind.UNLOCK_ALL


def test_modbus_more_vectors() -> None:
    assert modbus.with_crc(H("01 05 00 00 FF 00")) == H("01 05 00 00 FF 00 8C 3A")  # coil 0 on
    assert modbus.with_crc(H("01 01 00 00 00 08")) == H("01 01 00 00 00 08 3D CC")  # read coils


@pytest.mark.parametrize(
    ("proto", "frame", "board"),
    [
        (Protocol_.KERONG_CU16, "02 00 35 01 00 02 00 03", 0),
        (Protocol_.BU_8A, "80 02 05", 2),
        (Protocol_.MODBUS_RELAY, "01 02 01 05 61", 1),
    ],
)
def test_short_frames_are_errors_naming_bus_and_board(proto: Protocol_, frame: str, board: int) -> None:
    codec = codec_for(proto)
    with pytest.raises(FrameError, match=f"bus bankB, board {board}: short frame"):
        decode_complete(
            lambda buf: codec.parse_status_reply(buf, board, 8, "bankB"), H(frame), "bankB", board
        )
