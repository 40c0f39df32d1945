""" "8A"/BU boards (Guangzhou Shuoming and clones): 9600 8N1, BCC = XOR of the preceding bytes.

Board 1-64 (DIP), channels 1-based on the wire.
- Unlock: `8A B L 11 BCC`; the board answers `8A B L ST BCC` 0.5-1 s later (some firmware
  uses header 0x80; ST is 0x00 or 0x11, both accepted as an acknowledgement).
- Unlock all: `8A B 00 11 BCC`.
- Query one: `80 B L 33 BCC` -> `80 B L ST BCC` (ST 0 = bit 0, anything else = bit 1).
- Query all: `80 B 00 33 BCC` -> `80 B S.. 33 BCC`, one status byte per 8 channels, highest
  group first; the length comes from the frame (0x33 marker at len-2, BCC at len-1).
Whether bit 1 means closed or open is the bank's `closed_bit` setting, not the codec's business.
"""

from __future__ import annotations

from functools import reduce

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

HDR_UNLOCK = 0x8A
HDR_QUERY = 0x80
CMD_UNLOCK = 0x11
CMD_QUERY = 0x33
MAX_LOCKS = 64
MAX_GROUPS = MAX_LOCKS // 8


def bcc(data: bytes) -> int:
    """XOR of all bytes."""
    return reduce(lambda a, b: a ^ b, data, 0)


def _with_bcc(body: bytes) -> bytes:
    return body + bytes([bcc(body)])


def _check_board(board: int) -> None:
    if not 1 <= board <= 64:
        raise ValueError(f"8A/BU board address {board} out of range 1..64 (DIP switch)")


def unlock_frame(board: int, lock: int) -> bytes:
    """`8A B L 11 BCC`."""
    _check_board(board)
    check_lock("-", board, lock, MAX_LOCKS)
    return _with_bcc(bytes([HDR_UNLOCK, board, lock, CMD_UNLOCK]))


def unlock_all_frame(board: int) -> bytes:
    """`8A B 00 11 BCC`: pulse every lock of a board (staff emergencies only)."""
    _check_board(board)
    return _with_bcc(bytes([HDR_UNLOCK, board, 0x00, CMD_UNLOCK]))


def query_one_frame(board: int, lock: int) -> bytes:
    """`80 B L 33 BCC`."""
    _check_board(board)
    check_lock("-", board, lock, MAX_LOCKS)
    return _with_bcc(bytes([HDR_QUERY, board, lock, CMD_QUERY]))


def query_all_frame(board: int) -> bytes:
    """`80 B 00 33 BCC`."""
    _check_board(board)
    return _with_bcc(bytes([HDR_QUERY, board, 0x00, CMD_QUERY]))


def groups_for(locks: int) -> int:
    """Status bytes a board with `locks` channels sends in a query-all reply."""
    return max(1, (locks + 7) // 8)


def query_all_reply_frame(board: int, bits: tuple[bool, ...], groups: int) -> bytes:
    """`80 B S.. 33 BCC`, highest group first (simulator and tests)."""
    packed = pack_lsb_first(bits, groups)
    return _with_bcc(bytes([HDR_QUERY, board]) + packed[::-1] + bytes([CMD_QUERY]))


def _skip_to(buf: bytes, headers: tuple[int, ...]) -> int:
    for i, b in enumerate(buf):
        if b in headers:
            return i
    return len(buf)


def decode_query_all(frame: bytes, locks: int) -> tuple[bool, ...]:
    """Channel bits of a whole query-all reply frame; at most `locks`, fewer if the board is smaller."""
    groups = frame[2:-2][::-1]
    return bits_lsb_first(groups, min(locks, len(groups) * 8))


class Bu8aCodec(NoStartFrames):
    """Codec for 8A/BU boards (see the module docstring)."""

    protocol = Protocol_.BU_8A
    board_range = (1, 64)
    max_locks = MAX_LOCKS

    def unlock_frame(self, board: int, lock: int, pulse_ms: int) -> bytes:
        """`8A B L 11 BCC` (the pulse length is the board's own setting)."""
        return unlock_frame(board, lock)

    def status_frame(self, board: int, locks: int) -> bytes:
        """Query all channels of a board."""
        return query_all_frame(board)

    def parse_unlock_reply(self, buf: bytes, board: int, lock: int, bus: str) -> tuple[bool, int] | None:
        """`8A|80 B L ST BCC` echoing our board and lock."""
        start = _skip_to(buf, (HDR_UNLOCK, HDR_QUERY))
        if len(buf) < start + 5:
            return None
        frame = buf[start : start + 5]
        if bcc(frame[:4]) != frame[4]:
            raise frame_error(bus, board, f"8A/BU BCC 0x{frame[4]:02X} != 0x{bcc(frame[:4]):02X}", frame)
        if frame[1] != board or frame[2] != lock:
            raise frame_error(
                bus,
                board,
                f"unlock reply names board {frame[1]} lock {frame[2]}, expected {board}/{lock}",
                frame,
            )
        return True, start + 5

    def parse_status_reply(
        self, buf: bytes, board: int, locks: int, bus: str
    ) -> tuple[RawStatus, int] | None:
        """Query-all reply; the expected length is tried first, then any length that checks out."""
        start = _skip_to(buf, (HDR_QUERY,))
        data = buf[start:]
        if len(data) < 5:
            return None
        if data[1] != board:
            raise frame_error(bus, board, f"status reply from board {data[1]}, expected {board}", data)
        expected = 4 + groups_for(locks)
        lengths = [expected] + [4 + g for g in range(1, MAX_GROUPS + 1) if 4 + g != expected]
        for length in lengths:
            if (
                len(data) >= length
                and data[length - 2] == CMD_QUERY
                and bcc(data[: length - 1]) == data[length - 1]
            ):
                frame = data[:length]
                return RawStatus(board, decode_query_all(frame, locks)), start + length
        if len(data) >= 4 + MAX_GROUPS or len(data) >= expected and data[expected - 2] == CMD_QUERY:
            raise frame_error(bus, board, "8A/BU status reply with a bad BCC or no 0x33 marker", data)
        return None

    # --- simulator side ---
    def parse_request(self, buf: bytes) -> tuple[Request | None, int] | None:
        """All requests are 5 bytes: `8A B L 11 BCC` or `80 B L 33 BCC`."""
        start = _skip_to(buf, (HDR_UNLOCK, HDR_QUERY))
        if start > 0:
            return None, start
        if len(buf) < 5:
            return None
        frame = bytes(buf[:5])
        if bcc(frame[:4]) != frame[4]:
            return None, 1
        hdr, board, lock, cmd = frame[0], frame[1], frame[2], frame[3]
        if hdr == HDR_UNLOCK and cmd == CMD_UNLOCK:
            if lock == 0:
                return Request(RequestKind.UNLOCK_ALL, board, raw=frame), 5
            return Request(RequestKind.UNLOCK, board, lock, raw=frame), 5
        if hdr == HDR_QUERY and cmd == CMD_QUERY:
            if lock == 0:
                return Request(RequestKind.STATUS, board, raw=frame), 5
            return Request(RequestKind.STATUS_ONE, board, lock, raw=frame), 5
        return Request(RequestKind.OTHER, board, lock, raw=frame), 5

    def unlock_reply(self, req: Request, raw: RawStatus) -> bytes | None:
        """`8A B L 11 BCC` (ST 0x11: done)."""
        return _with_bcc(bytes([HDR_UNLOCK, req.board, req.lock or 0, 0x11]))

    def status_reply(self, req: Request, raw: RawStatus) -> bytes:
        """Query-one or query-all reply."""
        if req.kind is RequestKind.STATUS_ONE and req.lock:
            st = 0x11 if raw.lock_bits[req.lock - 1] else 0x00
            return _with_bcc(bytes([HDR_QUERY, req.board, req.lock, st]))
        return query_all_reply_frame(req.board, raw.lock_bits, groups_for(len(raw.lock_bits)))

    def other_reply(self, req: Request) -> bytes | None:
        """Other commands are not answered."""
        return None
