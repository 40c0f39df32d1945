"""Kerong KR-CU16 commissioning commands: 0x32 status of every board, 0x37 set the pulse time.

No vendor document was available; what is implemented here is what public sources agree on
(read in November 2026), and nothing more:

- **0x32 request** `02 F0 32 03 27` (address byte 0xF0 = every board on the line): the same
  five bytes appear in three independent public drivers (a Qt/C++ kiosk controller, an Android
  BLE-to-RS485 locker app, a Node.js commissioning server whose header comment reads "0x32
  status of the whole bus, for all boards: 02 F0 32 03 27").
- **0x32 reply**: each board on the line answers with its own 9-byte frame, command 0x36, laid
  out like the 0x35 status reply (`02 ADDR 36 L1-8 L9-16 IR1-8 IR9-16 03 SUM`). Golden vector
  from the Node.js server's comment, checksums verified: `02 00 36 00 00 00 00 03 3B`
  followed by `02 10 36 00 00 00 00 03 4B` (boards 0 and 1). Two other drivers name 0x36
  "return all CU data" / RESP_STATUS_ALL. How long the boards take to answer is not
  documented: `read_all_boards` listens until the line has been quiet for a while.
- **0x37 request** `02 ADDR 37 HI LO 03 SUM`, the time in 10 ms units, big-endian, 0..60 000
  ms: one public TypeScript CU12/CU16 driver gives this layout; the 10 ms unit and the 60 s cap
  agree with Kerong's CU12 unlock-time command in another public driver. ADDR is board << 4.
  Golden vector (computed from that layout): board 0, 500 ms -> `02 00 37 00 32 03 6E`.
- **0x37 reply: NOT confirmed.** Two drivers name the answer's command byte 0x38 ("return
  unlock time"), none shows its bytes. So any checksum-valid 0x38 frame from the board counts
  as the acknowledgement, 5 bytes (`02 ADDR 38 03 SUM`) or 7 (`02 ADDR 38 HI LO 03 SUM`; then
  the echoed time must match). No answer means "not confirmed", never "failed": the setting
  may still have been applied, so the technician checks with a door.
"""

from __future__ import annotations

from drivers.lockboard.codec import ALL_BOARDS, RawStatus, frame_error
from drivers.lockboard.config import BusConfig
from drivers.lockboard.kerong import (
    CMD_SET_PULSE,
    CMD_STATUS_ALL_REPLY,
    ETX,
    MAX_LOCKS,
    STX,
    checksum,
    decode_status,
    next_frame,
    status_all_frame,
)
from drivers.lockboard.link import SerialLink
from drivers.lockboard.types import BoardTimeout, FrameError

CMD_PULSE_REPLY = 0x38
PULSE_UNIT_MS = 10
PULSE_MIN_MS = 10
PULSE_MAX_MS = 60_000

__all__ = [
    "PULSE_MAX_MS",
    "PULSE_MIN_MS",
    "parse_set_pulse_reply",
    "parse_status_all",
    "read_all_boards",
    "set_pulse",
    "set_pulse_frame",
    "set_pulse_reply_frame",
    "status_all_frame",
]


def check_pulse_ms(pulse_ms: int) -> None:
    """Reject a time the board cannot hold, with what to type instead."""
    if not PULSE_MIN_MS <= pulse_ms <= PULSE_MAX_MS or pulse_ms % PULSE_UNIT_MS:
        raise ValueError(
            f"pulse time {pulse_ms} ms: Kerong boards take {PULSE_MIN_MS}..{PULSE_MAX_MS} ms "
            f"in steps of {PULSE_UNIT_MS} ms (e.g. 500)"
        )


def set_pulse_frame(board: int, pulse_ms: int) -> bytes:
    """`02 ADDR 37 HI LO 03 SUM`: set board's unlock pulse to `pulse_ms` (10 ms steps)."""
    if not 0 <= board <= 15:
        raise ValueError(f"Kerong board address {board} out of range 0..15 (DIP switch)")
    check_pulse_ms(pulse_ms)
    body = bytes([STX, board << 4, CMD_SET_PULSE]) + (pulse_ms // PULSE_UNIT_MS).to_bytes(2, "big")
    body += bytes([ETX])
    return body + bytes([checksum(body)])


def set_pulse_reply_frame(board: int, pulse_ms: int) -> bytes:
    """A 7-byte 0x38 answer echoing the time (the simulator's assumption; see the docstring)."""
    body = bytes([STX, board << 4, CMD_PULSE_REPLY]) + (pulse_ms // PULSE_UNIT_MS).to_bytes(2, "big")
    body += bytes([ETX])
    return body + bytes([checksum(body)])


def parse_set_pulse_reply(buf: bytes, board: int, pulse_ms: int, bus: str) -> tuple[int | None, int] | None:
    """A 0x38 frame from `board`: (echoed ms or None for a 5-byte frame, bytes used).

    None while incomplete; FrameError for another board, another command, a bad checksum or a
    different echoed time.
    """
    start = buf.find(STX)
    if start < 0 or len(buf) < start + 5:
        return None
    data = buf[start:]
    if data[2] != CMD_PULSE_REPLY:
        raise frame_error(bus, board, f"expected a 0x38 answer to 0x37, got 0x{data[2]:02X}", data)
    if data[1] >> 4 != board:
        raise frame_error(bus, board, f"answer from board {data[1] >> 4}, expected {board}", data)
    if data[3] == ETX and checksum(data[:4]) == data[4]:
        return None, start + 5
    if len(data) < 7:
        return None
    if data[5] != ETX or checksum(data[:6]) != data[6]:
        raise frame_error(bus, board, "0x38 frame with a bad checksum or no ETX", data[:7])
    echoed = int.from_bytes(data[3:5], "big") * PULSE_UNIT_MS
    if echoed != pulse_ms:
        raise frame_error(bus, board, f"board answered {echoed} ms, {pulse_ms} ms was sent", data[:7])
    return echoed, start + 7


def parse_status_all(buf: bytes, locks: int, bus: str) -> tuple[list[RawStatus], int]:
    """Every complete 0x36 frame in `buf` (one per board), and the bytes used.

    An incomplete tail is left unused. Raises FrameError on a bad checksum or a frame that is
    not a 0x36 status (e.g. two boards answering at once garbled the line).
    """
    found: list[RawStatus] = []
    used = 0
    while True:
        nxt = next_frame(buf[used:], bus, ALL_BOARDS)
        if nxt is None:
            return found, used
        frame, n = nxt
        if frame[2] != CMD_STATUS_ALL_REPLY:
            raise frame_error(bus, frame[1] >> 4, f"expected 0x36 frames, got 0x{frame[2]:02X}", frame)
        found.append(decode_status(frame, min(locks, MAX_LOCKS)))
        used += n


def read_all_boards(link: SerialLink, cfg: BusConfig, listen_ms: int = 0) -> list[RawStatus]:
    """Send 0x32 once and collect every board's 0x36 answer (sorted by board; may be empty).

    How the boards space their answers is not documented, so this listens until the line has
    been quiet for a whole reply timeout (`cfg.reply_timeout_ms`) after the last byte, at most
    `listen_ms` (default: that timeout plus 50 ms for each of the 16 possible boards). Garbage
    raises FrameError, after settling the line.
    """
    listen_ms = listen_ms or cfg.reply_timeout_ms + 16 * 50
    link.write(status_all_frame())
    data = link.collect(cfg.reply_timeout_ms, max(cfg.quiet_ms, cfg.reply_timeout_ms), listen_ms)
    try:
        boards, used = parse_status_all(data, cfg.locks_per_board, cfg.name)
    except FrameError:
        link.settle(cfg.quiet_ms, cfg.quiet_max_ms)
        raise
    if used < len(data) and not boards:
        raise frame_error(cfg.name, ALL_BOARDS, "no whole 0x36 frame in the answer to 0x32", data)
    return sorted(boards, key=lambda raw: raw.board)


def set_pulse(link: SerialLink, cfg: BusConfig, board: int, pulse_ms: int) -> int | None:
    """Send 0x37 once; return the echoed time (None if the board's 0x38 carries none).

    Raises BoardTimeout when the board is silent (not confirmed; it may still have taken the
    setting) and FrameError for an answer that contradicts the request.
    """
    link.write(set_pulse_frame(board, pulse_ms))
    try:
        result: int | None = link.read_reply(
            lambda buf: parse_set_pulse_reply(buf, board, pulse_ms, cfg.name), cfg.reply_timeout_ms, board
        )
    except (BoardTimeout, FrameError):
        link.settle(cfg.quiet_ms, cfg.quiet_max_ms)
        raise
    return result
