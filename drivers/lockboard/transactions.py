"""The two transactions a bus performs, over a `SerialLink`: one unlock, one status read.

Run only on the bus thread. Port errors (`link.PORT_ERRORS`) propagate so the bus can treat the
adapter as lost; `on_sent` tells the bus the moment an unlock frame has left, so that it knows
whether a later port error happened before or after the pulse.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from drivers.lockboard.codec import Codec, RawStatus
from drivers.lockboard.config import BusConfig, UnlockReply
from drivers.lockboard.link import SerialLink
from drivers.lockboard.types import (
    BoardStatus,
    BoardTimeout,
    DoorState,
    FrameError,
    LockBoardError,
    UnlockAck,
)

log = logging.getLogger(__name__)


def unlock_once(
    link: SerialLink, codec: Codec, cfg: BusConfig, board: int, lock: int, on_sent: Callable[[], None]
) -> UnlockAck:
    """Write the unlock frame exactly once and classify the answer; never re-sends."""
    link.write(codec.unlock_frame(board, lock, cfg.pulse_ms))
    on_sent()
    if cfg.unlock_reply is UnlockReply.NONE:
        return UnlockAck.NO_ACK_EXPECTED
    silent = UnlockAck.NO_ACK_EXPECTED if cfg.unlock_reply is UnlockReply.OPTIONAL else UnlockAck.NO_REPLY
    try:
        link.read_reply(
            lambda buf: codec.parse_unlock_reply(buf, board, lock, cfg.name),
            cfg.unlock_reply_timeout_ms,
            board,
        )
        return UnlockAck.ACKED
    except BoardTimeout:
        link.settle(cfg.quiet_ms, cfg.quiet_max_ms)
        if silent is UnlockAck.NO_REPLY:
            log.warning("bus %s board %d lock %d: no answer to unlock; not re-sent", cfg.name, board, lock)
        return silent
    except FrameError as err:
        log.warning("%s; unlock not re-sent, the door sensor decides", err)
        link.settle(cfg.quiet_ms, cfg.quiet_max_ms)
        return UnlockAck.NO_REPLY


def read_status(link: SerialLink, codec: Codec, cfg: BusConfig, board: int) -> RawStatus:
    """One batched read; repeated once after garbage (reads are harmless), never after a timeout."""
    last: LockBoardError | None = None
    for _attempt in range(2):
        link.write(codec.status_frame(board, cfg.locks_per_board))
        try:
            return link.read_reply(  # type: ignore[no-any-return]
                lambda buf: codec.parse_status_reply(buf, board, cfg.locks_per_board, cfg.name),
                cfg.reply_timeout_ms,
                board,
            )
        except BoardTimeout:
            link.settle(cfg.quiet_ms, cfg.quiet_max_ms)
            raise
        except FrameError as err:
            log.warning("%s", err)
            link.settle(cfg.quiet_ms, cfg.quiet_max_ms)
            last = err
    assert last is not None
    raise last


def to_status(raw: RawStatus, cfg: BusConfig, now: datetime) -> BoardStatus:
    """Apply the bank's polarity; locks the board did not report are `unknown`."""
    closed = bool(cfg.closed_bit)
    doors = dict.fromkeys(range(1, cfg.locks_per_board + 1), DoorState.UNKNOWN)
    for i, bit in enumerate(raw.lock_bits[: cfg.locks_per_board]):
        doors[i + 1] = DoorState.CLOSED if bit == closed else DoorState.OPEN
    items: dict[int, bool] = {}
    if raw.item_bits is not None and cfg.item_sensors:
        items = {i + 1: bit for i, bit in enumerate(raw.item_bits[: cfg.locks_per_board])}
    return BoardStatus(raw.board, doors, items, now)
