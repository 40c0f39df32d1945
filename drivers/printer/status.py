"""DLE EOT real-time status: the requests and a pure decoder of the replies.

ESC/POS (Epson TM series and compatibles) answers `DLE EOT n` with one status byte at once,
even while the printer is offline. Every valid reply has bit 1 and bit 4 set and bits 0 and 7
clear (0b0xx1xx10); anything else is not an answer. Unlike python-escpos's `paper_status()`,
no answer here is never "plenty of paper": it is OFFLINE.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.printer.model import PrinterState

DLE_EOT = b"\x10\x04"
REQ_PRINTER = DLE_EOT + b"\x01"  # n=1: printer status (bit 3: offline)
REQ_OFFLINE_CAUSE = DLE_EOT + b"\x02"  # n=2: bit 2 cover open, bit 5 stopped by paper end, bit 6 error
REQ_ERROR_CAUSE = DLE_EOT + b"\x03"  # n=3: bit 3 cutter error, bit 5 unrecoverable, bit 6 auto-recoverable
REQ_PAPER = DLE_EOT + b"\x04"  # n=4: bits 2-3 paper near end, bits 5-6 paper end

# GS r 1 is NOT real-time: the printer answers it only after printing everything sent before
# it, so its reply confirms the job came out (a printer that ran out of paper mid-job holds it).
REQ_PRINTED = b"\x1dr\x01"

_FIXED_MASK = 0b1001_0011
_FIXED_VALUE = 0b0001_0010


def is_status_byte(value: int) -> bool:
    """True when `value` has the fixed bits every DLE EOT reply carries."""
    return value & _FIXED_MASK == _FIXED_VALUE


@dataclass(frozen=True)
class StatusReport:
    """What the printer said, decoded; `state` is the one answer the kiosk needs."""

    state: PrinterState
    detail: str

    def __str__(self) -> str:
        return f"{self.state.value} ({self.detail})"

    @property
    def advice(self) -> str:
        """What staff should do, in English (the kiosk translates states with its own table)."""
        return ADVICE[self.state]


ADVICE = {
    PrinterState.READY: "nothing to do",
    PrinterState.PAPER_NEAR_END: "the paper roll is nearly used up: load a new roll soon",
    PrinterState.PAPER_OUT: "the printer is out of paper: load a new roll and close the cover",
    PrinterState.COVER_OPEN: "the printer cover is open: close it firmly",
    PrinterState.OFFLINE: "the printer does not answer: check power, cable and the [printer] url, "
    "then run `python -m drivers.printer status`",
}


def _status_byte(reply: bytes) -> int | None:
    """The last byte of a DLE EOT reply when it is a status byte, else None."""
    return reply[-1] if reply and is_status_byte(reply[-1]) else None


def decode_printer(reply: bytes) -> bool | None:
    """n=1 reply: True when online, False when offline, None when the reply is not a status byte."""
    b = _status_byte(reply)
    return None if b is None else not b & 0x08


def decode_offline_cause(reply: bytes) -> PrinterState | None:
    """n=2 reply: why the printer is offline; None when the reply is not a status byte."""
    b = _status_byte(reply)
    if b is None:
        return None
    if b & 0x04:
        return PrinterState.COVER_OPEN
    if b & 0x20:
        return PrinterState.PAPER_OUT
    return PrinterState.OFFLINE  # error, feed button held, or a cause we do not know


def decode_paper(reply: bytes) -> PrinterState | None:
    """n=4 reply: READY, PAPER_NEAR_END or PAPER_OUT; None when the reply is not a status byte."""
    b = _status_byte(reply)
    if b is None:
        return None
    if b & 0x60:
        return PrinterState.PAPER_OUT
    if b & 0x0C:
        return PrinterState.PAPER_NEAR_END
    return PrinterState.READY


def decode_printed(reply: bytes) -> PrinterState | None:
    """GS r 1 reply (paper sensor, sent after the job printed); None when it is not such a byte."""
    if len(reply) < 1 or reply[-1] & 0x90:  # bits 4 and 7 are always 0
        return None
    b = reply[-1]
    if b & 0x0C:
        return PrinterState.PAPER_OUT
    if b & 0x03:
        return PrinterState.PAPER_NEAR_END
    return PrinterState.READY


def status_reply(state: PrinterState, request: bytes) -> bytes:
    """The byte a real printer in `state` sends for `request` (the simulators and tests use this)."""
    online = 0x12
    offline = 0x12 | 0x08
    if request == REQ_PRINTER:
        return bytes([online if state.can_print else offline])
    if request == REQ_OFFLINE_CAUSE:
        cause = {PrinterState.COVER_OPEN: 0x04, PrinterState.PAPER_OUT: 0x20, PrinterState.OFFLINE: 0x40}
        return bytes([0x12 | cause.get(state, 0)])
    if request == REQ_ERROR_CAUSE:
        return bytes([0x12 | (0x40 if state is PrinterState.OFFLINE else 0)])
    if request == REQ_PRINTED:  # only answered once the job printed, i.e. when it can print
        return bytes([0x03 if state is PrinterState.PAPER_NEAR_END else 0x00]) if state.can_print else b""
    if request == REQ_PAPER:
        paper = {PrinterState.PAPER_NEAR_END: 0x0C, PrinterState.PAPER_OUT: 0x6C}
        return bytes([0x12 | paper.get(state, 0)])
    return b""
