"""`lockerctl` sends port commands to commissioning and the rest to administration."""

from __future__ import annotations

import pytest

from locker.cli import _is_commissioning


@pytest.mark.parametrize(
    "argv",
    [
        ["--port", "socket://127.0.0.1:7001", "--protocol", "bu-8a", "open", "1", "3"],
        ["--port", "/dev/ttyUSB0", "--protocol", "kerong-cu16", "--baud", "9600", "--closed-bit", "0",
         "open", "1", "2"],
        ["--port=loop://", "--protocol", "bu-8a", "status", "1", "--json"],
        ["probe", "--port", "loop://"],
    ],
)
def test_port_commands_go_to_commissioning(argv: list[str]) -> None:
    assert _is_commissioning(argv)


@pytest.mark.parametrize(
    "argv",
    [
        ["staff", "add", "S1", "--role", "loader", "--pin-stdin"],
        ["audit", "verify", "--data-dir", "/tmp/x"],
        ["--data-dir", "/tmp/x", "staff", "add", "S1"],
        [],
    ],
)
def test_admin_commands_go_to_administration(argv: list[str]) -> None:
    assert not _is_commissioning(argv)
