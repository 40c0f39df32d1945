"""What every lock-board codec provides, and the codec registry.

A codec is pure: it turns (board, lock) into request bytes and a byte buffer into a decoded
reply. It never touches a port. Lock numbers are 1-based (as labelled on the cabinet); each
codec translates to its wire numbering.

Reply parsers take the bytes received so far and return ``None`` while the frame is still
incomplete, ``(value, consumed)`` once a whole valid frame is there, and raise
`FrameError` (naming the bus and board) when the bytes cannot be the expected reply. Leading
noise before a frame header (RS485 turn-around glitches) is skipped and counted in `consumed`.
The simulator side (`parse_request`, `*_reply`) lives in the same modules so both ends share
one definition of the wire format.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from drivers.lockboard.types import FrameError, Protocol_

T = TypeVar("T")


@dataclass(frozen=True)
class RawStatus:
    """Raw sensor bits of one board, before the bank's polarity is applied.

    `lock_bits[i]` is the bit of lock i+1 (a board smaller than the bank's `locks_per_board`
    returns fewer bits; the bus reports the missing locks as `unknown`); `item_bits` is None
    when the board has no IR (item-present) sensors.
    """

    board: int
    lock_bits: tuple[bool, ...]
    item_bits: tuple[bool, ...] | None = None


class RequestKind(enum.StrEnum):
    """Requests a board can receive (used by the simulator's request parser)."""

    UNLOCK = "unlock"
    STATUS = "status"  # batched read of one board
    STATUS_ONE = "status_one"  # one lock (8A/BU query one)
    STATUS_ALL_BOARDS = "status_all_boards"  # Kerong 0x32
    UNLOCK_ALL = "unlock_all"
    ALL_OFF = "all_off"  # Modbus: every relay off
    SET_PULSE = "set_pulse"  # Kerong 0x37: value = pulse time in ms
    OTHER = "other"  # well-formed but not something the simulator models


@dataclass(frozen=True)
class Request:
    """A decoded request frame (simulator side)."""

    kind: RequestKind
    board: int
    lock: int | None = None
    value: int | None = None  # Modbus: flash time in 100 ms units, or input count; Kerong 0x37: ms
    raw: bytes = b""


Parsed = tuple[object, int] | None


class Codec(Protocol):
    """The pure wire format of one board family (see the module docstring)."""

    protocol: Protocol_
    board_range: tuple[int, int]  # inclusive DIP/address range
    max_locks: int

    def unlock_frame(self, board: int, lock: int, pulse_ms: int) -> bytes:
        """The frame that pulses one lock (`pulse_ms` only used where the frame carries it)."""
        ...

    def status_frame(self, board: int, locks: int) -> bytes:
        """The batched status request of one board with `locks` channels."""
        ...

    def parse_unlock_reply(self, buf: bytes, board: int, lock: int, bus: str) -> tuple[bool, int] | None:
        """Decode the board's answer to an unlock; value True means acknowledged."""
        ...

    def parse_status_reply(
        self, buf: bytes, board: int, locks: int, bus: str
    ) -> tuple[RawStatus, int] | None:
        """Decode the answer to `status_frame`."""
        ...

    def start_frames(self, board: int) -> list[bytes]:
        """Frames to send to a board when the bus (re)connects (Modbus: all relays off)."""
        ...

    def parse_start_reply(self, buf: bytes, board: int, bus: str) -> tuple[bool, int] | None:
        """Decode the answer to a start frame."""
        ...

    # --- simulator side ---
    def parse_request(self, buf: bytes) -> tuple[Request | None, int] | None:
        """Next request in `buf`: None if incomplete; (None, n) to drop n bytes of noise."""
        ...

    def unlock_reply(self, req: Request, raw: RawStatus) -> bytes | None:
        """What a board of this family answers to an unlock (None: silence)."""
        ...

    def status_reply(self, req: Request, raw: RawStatus) -> bytes:
        """What a board answers to a status request."""
        ...

    def other_reply(self, req: Request) -> bytes | None:
        """Answer to any other request (None: silence)."""
        ...


class NoStartFrames:
    """`Codec` start-up half for families that need no command at (re)connect (Kerong, 8A/BU)."""

    def start_frames(self, board: int) -> list[bytes]:
        """Nothing to send: these boards time their pulses themselves and hold no output on."""
        return []

    def parse_start_reply(self, buf: bytes, board: int, bus: str) -> tuple[bool, int] | None:
        """Unused (no start frames)."""
        return True, 0


ALL_BOARDS = -1  # `board` of a reply to a request addressed to every board (Kerong 0x32)


def frame_error(bus: str, board: int, what: str, data: bytes) -> FrameError:
    """A FrameError whose message names the bus, the board (or "all boards") and the bytes."""
    who = "all boards" if board == ALL_BOARDS else f"board {board}"
    return FrameError(f"bus {bus}, {who}: {what} (bytes: {data.hex(' ')})")


def decode_complete(parse: Callable[[bytes], tuple[T, int] | None], frame: bytes, bus: str, board: int) -> T:
    """Decode one whole frame with a reply parser; a short frame is a FrameError, not 'wait'."""
    parsed = parse(frame)
    if parsed is None:
        raise frame_error(bus, board, f"short frame ({len(frame)} bytes)", frame)
    return parsed[0]


def bits_lsb_first(data: bytes, count: int) -> tuple[bool, ...]:
    """Bits of `data`, bit 0 of byte 0 first, `count` of them."""
    return tuple(bool(data[i // 8] >> (i % 8) & 1) for i in range(count))


def pack_lsb_first(bits: tuple[bool, ...] | list[bool], nbytes: int) -> bytes:
    """Inverse of `bits_lsb_first`, padded with zero bits to `nbytes`."""
    out = bytearray(nbytes)
    for i, bit in enumerate(bits):
        if bit and i // 8 < nbytes:
            out[i // 8] |= 1 << (i % 8)
    return bytes(out)


def codec_for(protocol: Protocol_ | str) -> Codec:
    """The codec instance for a protocol name."""
    from drivers.lockboard.bu8a import Bu8aCodec
    from drivers.lockboard.kerong import KerongCodec
    from drivers.lockboard.modbus import ModbusRelayCodec

    proto = Protocol_(protocol)
    codecs: dict[Protocol_, Codec] = {
        Protocol_.KERONG_CU16: KerongCodec(),
        Protocol_.BU_8A: Bu8aCodec(),
        Protocol_.MODBUS_RELAY: ModbusRelayCodec(),
    }
    return codecs[proto]


def check_lock(bus: str, board: int, lock: int, max_locks: int) -> None:
    """Reject a lock number outside 1..max_locks with a message naming the bus."""
    if not 1 <= lock <= max_locks:
        raise ValueError(f"bus {bus}, board {board}: lock {lock} out of range 1..{max_locks}")
