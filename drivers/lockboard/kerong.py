"""Kerong KR-CU16 (and compatible "CU" boards): `02 ADDR CMD 03 SUM`, SUM = byte sum & 0xFF.

ADDR = board << 4 | wire lock, board 0-15 (DIP switch; 0-9 on most cabinets), wire lock
0-15 for cabinet locks 1-16. Commands: 0x31 unlock one, 0x30 status of one board, 0x32
status of all boards, 0x33 unlock all locks of a board, 0x37 set the unlock pulse time. The
status reply is `02 ADDR 35 L1-8 L9-16 IR1-8 IR9-16 03 SUM` (bit i = channel i+1, LSB first;
IR bit 1 = item present). Some firmware answers an unlock with that status frame, some with an
echo of the unlock frame, some not at all: all three are accepted.

0x32 and 0x37 (commissioning only) are in `drivers.lockboard.kerong_admin`, with their sources.
"""

from __future__ import annotations

from drivers.lockboard.codec import (
    NoStartFrames,
    RawStatus,
    Request,
    RequestKind,
    bits_lsb_first,
    check_lock,
    frame_error,
    pack_lsb_first,
)
from drivers.lockboard.types import Protocol_

STX = 0x02
ETX = 0x03
CMD_STATUS = 0x30
CMD_UNLOCK = 0x31
CMD_STATUS_ALL = 0x32
CMD_UNLOCK_ALL = 0x33
CMD_STATUS_REPLY = 0x35
CMD_STATUS_ALL_REPLY = 0x36  # one per board, in answer to 0x32 (see kerong_admin)
CMD_SET_PULSE = 0x37
BROADCAST_ADDR = 0xF0  # address byte of 0x32 "every board on the line"
SET_PULSE_LEN = 7
SHORT_LEN = 5
STATUS_LEN = 9
MAX_LOCKS = 16


def checksum(data: bytes) -> int:
    """Sum of the bytes, low 8 bits."""
    return sum(data) & 0xFF


def _frame(addr: int, cmd: int) -> bytes:
    body = bytes([STX, addr, cmd, ETX])
    return body + bytes([checksum(body)])


def _check_board(board: int) -> None:
    if not 0 <= board <= 15:
        raise ValueError(f"Kerong board address {board} out of range 0..15 (DIP switch)")


def unlock_frame(board: int, lock: int) -> bytes:
    """Pulse one lock: board 0-15, lock 1-16 as labelled."""
    _check_board(board)
    check_lock("-", board, lock, MAX_LOCKS)
    return _frame(board << 4 | (lock - 1), CMD_UNLOCK)


def status_frame(board: int) -> bytes:
    """Status of one board (lock and IR bits)."""
    _check_board(board)
    return _frame(board << 4, CMD_STATUS)


def status_all_frame() -> bytes:
    """Status of all boards on the line (0x32 to address 0xF0): `02 F0 32 03 27`."""
    return _frame(BROADCAST_ADDR, CMD_STATUS_ALL)


def unlock_all_frame(board: int) -> bytes:
    """Pulse every lock of one board (0x33): for staff emergencies only."""
    _check_board(board)
    return _frame(board << 4, CMD_UNLOCK_ALL)


def status_reply_frame(
    board: int, lock_bits: tuple[bool, ...], ir_bits: tuple[bool, ...], cmd: int = CMD_STATUS_REPLY
) -> bytes:
    """The board's status reply, 0x35 (or 0x36 in answer to 0x32); simulator and tests."""
    body = bytes([STX, board << 4, cmd]) + pack_lsb_first(lock_bits, 2)
    body += pack_lsb_first(ir_bits, 2) + bytes([ETX])
    return body + bytes([checksum(body)])


def next_frame(buf: bytes, bus: str, board: int) -> tuple[bytes, int] | None:
    """The next complete, checked frame after any noise before STX, and the bytes used."""
    start = buf.find(STX)
    if start < 0:
        return None
    if len(buf) < start + 3:
        return None
    cmd = buf[start + 2]
    length = STATUS_LEN if cmd in (CMD_STATUS_REPLY, CMD_STATUS_ALL_REPLY) else SHORT_LEN
    known = (CMD_STATUS_REPLY, CMD_STATUS_ALL_REPLY, CMD_UNLOCK, CMD_STATUS, CMD_STATUS_ALL, CMD_UNLOCK_ALL)
    if cmd not in known:
        raise frame_error(bus, board, f"unknown Kerong command byte 0x{cmd:02X}", buf[start:])
    if len(buf) < start + length:
        return None
    frame = buf[start : start + length]
    if frame[-2] != ETX:
        raise frame_error(bus, board, "Kerong frame without ETX (0x03) where expected", frame)
    if checksum(frame[:-1]) != frame[-1]:
        raise frame_error(
            bus, board, f"Kerong checksum 0x{frame[-1]:02X} != 0x{checksum(frame[:-1]):02X}", frame
        )
    return frame, start + length


def decode_status(frame: bytes, locks: int) -> RawStatus:
    """Lock and IR bits of a whole 0x35/0x36 status frame."""
    n = min(locks, MAX_LOCKS)
    return RawStatus(
        board=frame[1] >> 4,
        lock_bits=bits_lsb_first(frame[3:5], n),
        item_bits=bits_lsb_first(frame[5:7], n),
    )


class KerongCodec(NoStartFrames):
    """Codec for Kerong KR-CU16 boards (see the module docstring)."""

    protocol = Protocol_.KERONG_CU16
    board_range = (0, 15)
    max_locks = MAX_LOCKS

    def unlock_frame(self, board: int, lock: int, pulse_ms: int) -> bytes:
        """0x31 unlock; the pulse length is the board's own setting."""
        return unlock_frame(board, lock)

    def status_frame(self, board: int, locks: int) -> bytes:
        """0x30 status of one board."""
        return status_frame(board)

    def parse_unlock_reply(self, buf: bytes, board: int, lock: int, bus: str) -> tuple[bool, int] | None:
        """Accept an echo of the unlock or a status frame from the same board."""
        found = next_frame(buf, bus, board)
        if found is None:
            return None
        frame, used = found
        if frame[1] >> 4 != board:
            raise frame_error(bus, board, f"reply from board {frame[1] >> 4}, expected {board}", frame)
        if frame[2] == CMD_UNLOCK and frame[1] & 0x0F != lock - 1:
            raise frame_error(
                bus, board, f"unlock echo names lock {(frame[1] & 0x0F) + 1}, not {lock}", frame
            )
        if frame[2] not in (CMD_UNLOCK, CMD_STATUS_REPLY):
            raise frame_error(bus, board, f"unexpected command 0x{frame[2]:02X} in unlock reply", frame)
        return True, used

    def parse_status_reply(
        self, buf: bytes, board: int, locks: int, bus: str
    ) -> tuple[RawStatus, int] | None:
        """Decode `02 ADDR 35 L L IR IR 03 SUM` from the expected board."""
        found = next_frame(buf, bus, board)
        if found is None:
            return None
        frame, used = found
        if frame[2] != CMD_STATUS_REPLY:
            raise frame_error(bus, board, f"expected a status frame (0x35), got 0x{frame[2]:02X}", frame)
        if frame[1] >> 4 != board:
            raise frame_error(bus, board, f"status reply from board {frame[1] >> 4}, expected {board}", frame)
        return decode_status(frame, locks), used

    # --- simulator side ---
    def parse_request(self, buf: bytes) -> tuple[Request | None, int] | None:
        """Requests are all 5-byte frames; noise and bad checksums are dropped byte by byte."""
        start = buf.find(STX)
        if start < 0:
            return (None, len(buf)) if buf else None
        if start > 0:
            return None, start
        if len(buf) < SHORT_LEN:
            return None
        if buf[2] == CMD_SET_PULSE:
            parsed = self._parse_set_pulse(bytes(buf))
            if parsed is None or parsed[0] is not None:
                return parsed
        frame = bytes(buf[:SHORT_LEN])
        if frame[3] != ETX or checksum(frame[:4]) != frame[4]:
            return None, 1
        board, wire_lock, cmd = frame[1] >> 4, frame[1] & 0x0F, frame[2]
        kinds = {
            CMD_UNLOCK: RequestKind.UNLOCK,
            CMD_STATUS: RequestKind.STATUS,
            CMD_STATUS_ALL: RequestKind.STATUS_ALL_BOARDS,
            CMD_UNLOCK_ALL: RequestKind.UNLOCK_ALL,
        }
        kind = kinds.get(cmd, RequestKind.OTHER)
        lock = wire_lock + 1 if kind is RequestKind.UNLOCK else None
        return Request(kind, board, lock, raw=frame), SHORT_LEN

    @staticmethod
    def _parse_set_pulse(buf: bytes) -> tuple[Request | None, int] | None:
        """A 7-byte 0x37 (the time's high byte may be 0x03): None = wait, (None, 0) = not one."""
        short_ok = buf[3] == ETX and checksum(buf[:4]) == buf[4]
        if len(buf) < SET_PULSE_LEN:
            return (None, 0) if short_ok else None
        frame = buf[:SET_PULSE_LEN]
        if frame[5] != ETX or checksum(frame[:6]) != frame[6]:
            return None, 0
        value_ms = int.from_bytes(frame[3:5], "big") * 10
        return Request(RequestKind.SET_PULSE, frame[1] >> 4, value=value_ms, raw=frame), SET_PULSE_LEN

    def unlock_reply(self, req: Request, raw: RawStatus) -> bytes | None:
        """The simulated board answers an unlock with its status frame."""
        return self.status_reply(req, raw)

    def status_reply(self, req: Request, raw: RawStatus) -> bytes:
        """Status frame of the simulated board."""
        return status_reply_frame(req.board, raw.lock_bits, raw.item_bits or ())

    def other_reply(self, req: Request) -> bytes | None:
        """0x37 is answered with a 0x38 frame echoing the time; others are not answered.

        The 0x38 layout (`02 ADDR 38 HI LO 03 SUM`) is the simulator's assumption, not a
        confirmed vendor format (see kerong_admin): the driver also accepts a 5-byte 0x38.
        """
        if req.kind is RequestKind.SET_PULSE and req.value is not None:
            from drivers.lockboard.kerong_admin import set_pulse_reply_frame

            return set_pulse_reply_frame(req.board, req.value)
        return None
