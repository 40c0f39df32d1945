"""Modbus RTU relay/input boards (e.g. Waveshare Modbus RTU Relay): CRC-16/Modbus, little-endian.

- Pulse: function 05 on the board's *flash-on* register `0x0200 + channel` with the on-time in
  100 ms units as the value (`01 05 02 00 00 07 8D B0` = relay 1 on for 700 ms). The board
  times the pulse itself, so a crash of this process can never leave a lock energised (never
  "on, sleep, off"). The reply is an echo of the request.
- Door inputs: function 02 (read discrete inputs) from input 0, one bit per channel, LSB first.
- At start: function 05 on coil 0x00FF with 0x0000 switches every relay off.
- An exception reply (function | 0x80, code) is reported as a FrameError naming the code.
Board = Modbus slave address 1-247; lock N = relay N-1 and input N-1.
"""

from __future__ import annotations

import struct

from drivers.lockboard.codec import (
    RawStatus,
    Request,
    RequestKind,
    bits_lsb_first,
    check_lock,
    frame_error,
    pack_lsb_first,
)
from drivers.lockboard.types import Protocol_

FC_READ_INPUTS = 0x02
FC_WRITE_COIL = 0x05
FLASH_ON_BASE = 0x0200
ALL_RELAYS_COIL = 0x00FF
MAX_LOCKS = 32
EXCEPTIONS = {
    1: "illegal function",
    2: "illegal data address",
    3: "illegal data value",
    4: "slave device failure",
    6: "slave device busy",
}


def crc16(data: bytes) -> int:
    """CRC-16/Modbus (poly 0xA001 reflected, init 0xFFFF)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def with_crc(body: bytes) -> bytes:
    """Append the CRC, low byte first."""
    return body + struct.pack("<H", crc16(body))


def crc_ok(frame: bytes) -> bool:
    """True if the last two bytes are the CRC of the rest."""
    return len(frame) >= 4 and struct.unpack("<H", frame[-2:])[0] == crc16(frame[:-2])


def _check_board(board: int) -> None:
    if not 1 <= board <= 247:
        raise ValueError(f"Modbus slave address {board} out of range 1..247")


def flash_on_frame(board: int, lock: int, pulse_ms: int) -> bytes:
    """Function 05 on the flash-on register: relay lock-1 on for pulse_ms (100 ms steps, 1-255)."""
    _check_board(board)
    check_lock("-", board, lock, MAX_LOCKS)
    tenths = max(1, min(255, round(pulse_ms / 100)))
    return with_crc(struct.pack(">BBHH", board, FC_WRITE_COIL, FLASH_ON_BASE + lock - 1, tenths))


def all_off_frame(board: int) -> bytes:
    """Function 05, coil 0x00FF, value 0x0000: every relay off."""
    _check_board(board)
    return with_crc(struct.pack(">BBHH", board, FC_WRITE_COIL, ALL_RELAYS_COIL, 0x0000))


def read_inputs_frame(board: int, count: int) -> bytes:
    """Function 02 from input 0, `count` inputs."""
    _check_board(board)
    return with_crc(struct.pack(">BBHH", board, FC_READ_INPUTS, 0, count))


def read_inputs_reply_frame(board: int, bits: tuple[bool, ...]) -> bytes:
    """`ADDR 02 N data.. CRC` (simulator and tests)."""
    n = max(1, (len(bits) + 7) // 8)
    return with_crc(bytes([board, FC_READ_INPUTS, n]) + pack_lsb_first(bits, n))


def exception_frame(board: int, function: int, code: int) -> bytes:
    """`ADDR FC|80 CODE CRC`."""
    return with_crc(bytes([board, function | 0x80, code]))


def _reply(buf: bytes, board: int, function: int, bus: str, body_len: int | None) -> tuple[bytes, int] | None:
    """Find the reply from `board` for `function`; body_len None means a byte-count field."""
    start = buf.find(bytes([board]))
    if start < 0:
        return None
    data = buf[start:]
    if len(data) < 2:
        return None
    if data[1] == function | 0x80:
        if len(data) < 5:
            return None
        frame = data[:5]
        if not crc_ok(frame):
            raise frame_error(bus, board, "Modbus exception reply with a bad CRC", frame)
        what = EXCEPTIONS.get(frame[2], "unknown")
        raise frame_error(
            bus, board, f"Modbus exception {frame[2]:02d} ({what}) to function {function:02d}", frame
        )
    if data[1] != function:
        raise frame_error(
            bus, board, f"Modbus reply with function {data[1]:02d}, expected {function:02d}", data
        )
    if body_len is None:
        if len(data) < 3:
            return None
        length = 5 + data[2]
    else:
        length = body_len
    if len(data) < length:
        return None
    frame = data[:length]
    if not crc_ok(frame):
        raise frame_error(bus, board, "Modbus CRC mismatch", frame)
    return frame, start + length


class ModbusRelayCodec:
    """Codec for Modbus RTU relay boards with flash registers (see the module docstring)."""

    protocol = Protocol_.MODBUS_RELAY
    board_range = (1, 247)
    max_locks = MAX_LOCKS

    def unlock_frame(self, board: int, lock: int, pulse_ms: int) -> bytes:
        """Flash-on of relay lock-1 for pulse_ms."""
        return flash_on_frame(board, lock, pulse_ms)

    def status_frame(self, board: int, locks: int) -> bytes:
        """Read `locks` discrete inputs."""
        return read_inputs_frame(board, locks)

    def parse_unlock_reply(self, buf: bytes, board: int, lock: int, bus: str) -> tuple[bool, int] | None:
        """The echo of the flash-on request."""
        found = _reply(buf, board, FC_WRITE_COIL, bus, 8)
        if found is None:
            return None
        frame, used = found
        reg = struct.unpack(">H", frame[2:4])[0]
        if reg != FLASH_ON_BASE + lock - 1:
            raise frame_error(
                bus, board, f"flash echo names register 0x{reg:04X}, expected lock {lock}", frame
            )
        return True, used

    def parse_status_reply(
        self, buf: bytes, board: int, locks: int, bus: str
    ) -> tuple[RawStatus, int] | None:
        """`ADDR 02 N data.. CRC` with N = ceil(locks / 8)."""
        found = _reply(buf, board, FC_READ_INPUTS, bus, None)
        if found is None:
            return None
        frame, used = found
        if frame[2] != (locks + 7) // 8:
            raise frame_error(bus, board, f"{frame[2]} input bytes, expected {(locks + 7) // 8}", frame)
        return RawStatus(board, bits_lsb_first(frame[3:-2], locks)), used

    def start_frames(self, board: int) -> list[bytes]:
        """All relays off."""
        return [all_off_frame(board)]

    def parse_start_reply(self, buf: bytes, board: int, bus: str) -> tuple[bool, int] | None:
        """The echo of the all-off request."""
        found = _reply(buf, board, FC_WRITE_COIL, bus, 8)
        return None if found is None else (True, found[1])

    # --- simulator side ---
    def parse_request(self, buf: bytes) -> tuple[Request | None, int] | None:
        """Requests of functions 02 and 05 are 8 bytes; bad CRC drops one byte."""
        if len(buf) < 8:
            return None
        frame = bytes(buf[:8])
        if not crc_ok(frame):
            return None, 1
        board, fc, addr, value = struct.unpack(">BBHH", frame[:6])
        if fc == FC_WRITE_COIL and FLASH_ON_BASE <= addr < FLASH_ON_BASE + MAX_LOCKS:
            return Request(RequestKind.UNLOCK, board, addr - FLASH_ON_BASE + 1, value, raw=frame), 8
        if fc == FC_WRITE_COIL and addr == ALL_RELAYS_COIL:
            return Request(RequestKind.ALL_OFF, board, value=value, raw=frame), 8
        if fc == FC_READ_INPUTS and addr == 0:
            return Request(RequestKind.STATUS, board, value=value, raw=frame), 8
        return Request(RequestKind.OTHER, board, value=fc, raw=frame), 8

    def unlock_reply(self, req: Request, raw: RawStatus) -> bytes | None:
        """Echo of the request."""
        return req.raw

    def status_reply(self, req: Request, raw: RawStatus) -> bytes:
        """Input bits (the requested count)."""
        count = req.value or len(raw.lock_bits)
        bits = tuple(raw.lock_bits[:count]) + (False,) * max(0, count - len(raw.lock_bits))
        return read_inputs_reply_frame(req.board, bits)

    def other_reply(self, req: Request) -> bytes | None:
        """All-off is echoed; anything else gets an illegal-function exception."""
        if req.kind is RequestKind.ALL_OFF:
            return req.raw
        return exception_frame(req.board, req.raw[1], 1)
