"""`SerialLink` reads: the port's timeout is not reconfigured for every chunk of a reply."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from drivers.lockboard import link as link_module
from drivers.lockboard.link import TIMEOUT_SLACK_S, SerialLink
from drivers.lockboard.types import BoardTimeout


class _Port:
    """A stand-in port that hands out queued chunks and counts timeout changes (each one an
    flock + tcgetattr + tcsetattr on a real POSIX port)."""

    def __init__(self) -> None:
        self._timeout: float | None = 0.1
        self.timeout_sets: list[float] = []
        self.chunks: list[bytes] = []
        self.written: list[bytes] = []

    @property
    def timeout(self) -> float | None:
        return self._timeout

    @timeout.setter
    def timeout(self, value: float) -> None:
        self._timeout = value
        self.timeout_sets.append(value)

    @property
    def in_waiting(self) -> int:
        return len(self.chunks[0]) if self.chunks else 0

    def read(self, size: int) -> bytes:
        return self.chunks.pop(0) if self.chunks else b""

    def write(self, data: bytes) -> int:
        self.written.append(data)
        return len(data)

    def reset_input_buffer(self) -> None: ...

    def flush(self) -> None: ...

    def open(self) -> None: ...

    def close(self) -> None: ...

    exclusive = False


def _link(port: _Port) -> SerialLink:
    link = SerialLink("bank1", "test://", 19200, factory=lambda *a, **k: port)
    link.open()
    return link


def _whole(buf: bytes) -> tuple[Any, int] | None:
    return (bytes(buf[:4]), 4) if len(buf) >= 4 else None


def test_replies_in_several_chunks_reconfigure_the_port_at_most_once_per_timeout_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a frozen clock: on a loaded machine the deadline really may move by more than the slack
    # between two chunks, which is the case the slack is for, not this one
    monkeypatch.setattr(link_module, "time", SimpleNamespace(monotonic=lambda: 1000.0))
    port = _Port()
    link = _link(port)
    for _ in range(20):
        port.chunks = [b"\x01", b"\x02\x03", b"\x04"]
        assert link.read_reply(_whole, 500, 0) == b"\x01\x02\x03\x04"
    # one change from the open()-time 0.1 s to 0.5 s, then none: the deadline moved by
    # microseconds only between chunks
    assert len(port.timeout_sets) == 1 and port.timeout_sets[0] == pytest.approx(0.5, abs=TIMEOUT_SLACK_S)


def test_a_silent_board_still_times_out_at_the_deadline() -> None:
    port = _Port()
    link = _link(port)
    with pytest.raises(BoardTimeout):
        link.read_reply(_whole, 30, 0)
    # the last wait was cut to what was left of the 30 ms (never a whole 30 ms again)
    assert all(t <= 0.030 + TIMEOUT_SLACK_S for t in port.timeout_sets)
