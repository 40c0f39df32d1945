"""`PortKeeper`: port states and the reopen schedule, with a scripted serial factory (no port)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import serial

from drivers.lockboard.config import BusConfig
from drivers.lockboard.port import BusState, PortKeeper, Reopen
from drivers.lockboard.types import BusPermissionError, BusUnavailable


class ScriptedFactory:
    """`serial_for_url` stand-in: each call raises the next scripted error, else a loop:// port."""

    def __init__(self, errors: list[BaseException]) -> None:
        self.errors = list(errors)
        self.opens = 0

    def __call__(self, url: str, **kw: Any) -> serial.SerialBase:
        self.opens += 1
        if self.errors:
            raise self.errors.pop(0)
        return serial.serial_for_url("loop://", **kw)


def keeper(errors: list[BaseException]) -> tuple[PortKeeper, ScriptedFactory]:
    cfg = BusConfig(url="loop://", reconnect_initial_delay_ms=10, reconnect_max_delay_ms=20)
    factory = ScriptedFactory(errors)
    return PortKeeper(cfg, serial_factory=factory), factory


def test_connect_lose_and_reopen_after_a_failed_attempt() -> None:
    pk, factory = keeper([])
    pk.connect()
    assert pk.state is BusState.CONNECTED and pk.link is not None
    assert pk.lost(OSError("gone")) is True
    assert pk.lost(OSError("again")) is False  # one outage, reported once
    assert pk.state is BusState.RECONNECTING and pk.link is None
    factory.errors.append(serial.SerialException("[Errno 2] No such file or directory"))
    stop = threading.Event()
    assert pk.reopen_step(stop) is Reopen.STILL_DOWN and pk.attempt == 1
    with pytest.raises(BusUnavailable, match="reconnecting"):
        pk.usable()
    assert pk.reopen_step(stop) is Reopen.BACK
    assert pk.state is BusState.CONNECTED and pk.attempt == 0
    pk.usable()
    pk.close()


def test_permission_denied_on_reopen_is_fatal_and_keeps_the_fix() -> None:
    pk, factory = keeper([])
    pk.connect()
    pk.lost(OSError("unplugged"))
    factory.errors.append(PermissionError(13, "Permission denied"))
    assert pk.reopen_step(threading.Event()) is Reopen.FATAL
    assert pk.state is BusState.FAILED
    with pytest.raises(BusPermissionError, match="dialout"):
        pk.usable()


def test_reopen_step_returns_at_once_when_stopping() -> None:
    pk, factory = keeper([])
    stop = threading.Event()
    stop.set()
    assert pk.reopen_step(stop) is Reopen.STOPPED and factory.opens == 0
