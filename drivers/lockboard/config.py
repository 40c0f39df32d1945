"""Typed configuration of one lock-board bus (one serial line with its boards).

The locker daemon validates each `[[locker.buses]]` table (or whatever its section is called)
with `BusConfig`; every key has a default and units are in the key names. Keys left at 0 (or
an empty `boards` list) take the protocol's default, resolved at validation time so the
validated object always holds concrete values:

| protocol      | baud  | boards | locks_per_board | reply_timeout_ms | unlock_reply_timeout_ms |
|---------------|-------|--------|-----------------|------------------|-------------------------|
| kerong-cu16   | 19200 | [0]    | 16              | 200              | 300 (no reply = normal) |
| bu-8a         | 9600  | [1]    | 24              | 300              | 1500 (board answers late)|
| modbus-relay  | 9600  | [1]    | 8               | 200              | 300                     |

Example (TOML; the table name is the locker daemon's choice)::

    name = "bank-A"
    url = "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A1B2C3-if00-port0"
    protocol = "kerong-cu16"
    closed_bit = 1            # sensor bit 1 = door closed on this bank
    boards = [0, 1]           # DIP addresses
    poll_interval_ms = 500

Build it with `common.config.validate(BusConfig, table, "locker.buses.0")` so an invalid key
fails at start with its name; construct in code with keyword arguments.
"""

from __future__ import annotations

import enum
from typing import Literal, cast

from pydantic import BaseModel, ConfigDict, Field, model_validator

from drivers.lockboard.types import Protocol_


class UnlockReply(enum.StrEnum):
    """Whether the boards answer an unlock frame (decides NO_REPLY vs NO_ACK_EXPECTED)."""

    AUTO = "auto"  # protocol default: Kerong optional, 8A/BU and Modbus required
    REQUIRED = "required"  # silence after an unlock is reported as NO_REPLY
    OPTIONAL = "optional"  # an answer is ACKED, silence is NO_ACK_EXPECTED
    NONE = "none"  # do not wait for an answer at all: always NO_ACK_EXPECTED


_DEFAULTS: dict[Protocol_, dict[str, object]] = {
    Protocol_.KERONG_CU16: {
        "baud": 19200,
        "boards": [0],
        "locks_per_board": 16,
        "reply_timeout_ms": 200,
        "unlock_reply_timeout_ms": 300,
        "unlock_reply": UnlockReply.OPTIONAL,
    },
    Protocol_.BU_8A: {
        "baud": 9600,
        "boards": [1],
        "locks_per_board": 24,
        "reply_timeout_ms": 300,
        "unlock_reply_timeout_ms": 1500,
        "unlock_reply": UnlockReply.REQUIRED,
    },
    Protocol_.MODBUS_RELAY: {
        "baud": 9600,
        "boards": [1],
        "locks_per_board": 8,
        "reply_timeout_ms": 200,
        "unlock_reply_timeout_ms": 300,
        "unlock_reply": UnlockReply.REQUIRED,
    },
}


class BusConfig(BaseModel):
    """One RS485 line: where it is, what it speaks, which boards hang on it, how to poll it."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="bank1", description="Name used in logs, events, health and error messages.")
    url: str = Field(
        default="/dev/ttyUSB0",
        description="pyserial URL: /dev/ttyUSB0, /dev/serial/by-id/..., socket://host:port, a pty path.",
    )
    protocol: Protocol_ = Field(default=Protocol_.KERONG_CU16, description="Board family on this line.")
    baud: int = Field(default=0, ge=0, description="Line speed in bit/s (8N1); 0 = protocol default.")
    closed_bit: Literal[0, 1] = Field(
        default=1,
        description="Raw sensor bit value that means 'door closed' on this bank (wiring-dependent).",
    )
    boards: list[int] = Field(
        default_factory=list, description="Board addresses (DIP switch) to poll; empty = protocol default."
    )
    locks_per_board: int = Field(
        default=0, ge=0, description="Locks per board (1-based labels); 0 = protocol default."
    )
    item_sensors: bool = Field(
        default=True, description="Kerong: the boards have IR item-present sensors (false: report none)."
    )
    adapter_echo: bool = Field(
        default=False,
        description="The RS485 adapter echoes what we send (no echo suppression): drop our own frame.",
    )
    pulse_ms: int = Field(
        default=500,
        ge=100,
        le=25500,
        description="Unlock pulse length where the frame carries it (Modbus flash).",
    )
    poll_interval_ms: int = Field(
        default=500, ge=10, description="Time between two batched reads of the same board."
    )
    unreachable_poll_interval_ms: int = Field(
        default=2000, ge=10, description="Poll interval of a board that is unreachable (keeps the line free)."
    )
    reply_timeout_ms: int = Field(
        default=0, ge=0, description="Wait for a status reply; 0 = protocol default."
    )
    unlock_reply_timeout_ms: int = Field(
        default=0, ge=0, description="Wait for an unlock answer; 0 = protocol default."
    )
    unlock_reply: UnlockReply = Field(
        default=UnlockReply.AUTO, description="Whether boards answer an unlock."
    )
    unreachable_after_misses: int = Field(
        default=3, ge=1, description="Consecutive failed reads after which a board is 'unreachable'."
    )
    door_debounce_reads: int = Field(
        default=2,
        ge=1,
        description="Consecutive identical reads needed before a door change becomes an event.",
    )
    commanded_open_grace_ms: int = Field(
        default=15000,
        ge=0,
        description="A door seen opening this long after a pulse counts as commanded, not forced.",
    )
    watch_interval_ms: int = Field(
        default=100, ge=10, description="Sensor read cadence while `open_door` watches a door."
    )
    quiet_ms: int = Field(
        default=30,
        ge=1,
        description="After garbage or a timeout: the line must be silent this long before a flush.",
    )
    quiet_max_ms: int = Field(
        default=500, ge=1, description="Give up waiting for silence after this long, then flush."
    )
    reconnect_initial_delay_ms: int = Field(
        default=250, ge=10, description="First wait before reopening a lost port."
    )
    reconnect_max_delay_ms: int = Field(
        default=5000, ge=10, description="Cap of the doubling reconnect wait."
    )
    reconnect_fast_attempts: int = Field(
        default=20,
        ge=1,
        description="Reopen attempts per outage on the doubling schedule (the bounded budget).",
    )
    reconnect_slow_interval_ms: int = Field(
        default=60000,
        ge=100,
        description="After the budget is spent: one attempt per this interval, never faster.",
    )

    def reconnect_delay_ms(self, attempt: int) -> int:
        """Wait before reopen attempt number `attempt` (0-based) of one outage."""
        if attempt < self.reconnect_fast_attempts:
            return min(self.reconnect_initial_delay_ms << attempt, self.reconnect_max_delay_ms)
        return self.reconnect_slow_interval_ms

    @model_validator(mode="after")
    def _protocol_defaults(self) -> BusConfig:
        defaults = _DEFAULTS[self.protocol]
        for key in ("baud", "locks_per_board", "reply_timeout_ms", "unlock_reply_timeout_ms"):
            if getattr(self, key) == 0:
                setattr(self, key, cast(int, defaults[key]))
        if not self.boards:
            self.boards = list(cast(list[int], defaults["boards"]))
        if self.unlock_reply is UnlockReply.AUTO:
            self.unlock_reply = UnlockReply(str(defaults["unlock_reply"]))
        from drivers.lockboard.codec import codec_for

        codec = codec_for(self.protocol)
        low, high = codec.board_range
        bad = [b for b in self.boards if not low <= b <= high]
        if bad:
            raise ValueError(f"boards {bad} out of range {low}..{high} for {self.protocol.value}")
        if len(set(self.boards)) != len(self.boards):
            raise ValueError(f"boards {self.boards} lists a board twice")
        if not 1 <= self.locks_per_board <= codec.max_locks:
            raise ValueError(f"locks_per_board must be 1..{codec.max_locks} for {self.protocol.value}")
        return self


def protocol_defaults(protocol: Protocol_ | str) -> dict[str, object]:
    """The per-protocol defaults table (for documentation and the CLI's help)."""
    return dict(_DEFAULTS[Protocol_(protocol)])
