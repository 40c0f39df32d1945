"""ScanSession: the one way screens start/stop the shared scanner (no camera, failures, late results)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from kivy.clock import Clock

from drivers.camera.model import CameraState, ScanResult, StaffCardInfo
from kiosk.camera_use import ScanSession


class BrokenScanner:
    def start(self, *_a: Any, **_k: Any) -> None:
        raise OSError("no /dev/video0")

    def stop(self) -> None:
        raise OSError("already gone")


class HeldScanner:
    """Keeps the callbacks so the test calls them like the worker thread would."""

    def __init__(self) -> None:
        self.on_result: Any = None
        self.on_state: Any = None
        self.stops = 0

    def start(self, on_result: Any, on_frame: Any = None, on_state: Any = None) -> None:
        self.on_result, self.on_state = on_result, on_state

    def stop(self) -> None:
        self.stops += 1


def _ctx(scanner: Any) -> Any:
    return SimpleNamespace(services=SimpleNamespace(scanner=scanner, camera_error="none here"))


def test_no_camera_and_broken_camera_say_false_and_never_raise():
    for scanner in (None, BrokenScanner()):
        session = ScanSession(_ctx(scanner), lambda _r: None, where="test")
        assert session.start() is False and not session.running
        session.stop()


def test_results_hop_to_the_ui_thread_and_stop_after_stop():
    scanner = HeldScanner()
    got: list[ScanResult] = []
    states: list[CameraState] = []
    session = ScanSession(_ctx(scanner), got.append, states.append, where="test")
    assert session.start() and session.start()  # a second start is a no-op
    card = ScanResult(kind="staff", staff=StaffCardInfo("nv01"))
    scanner.on_result(card)
    scanner.on_state(CameraState.RUNNING)
    assert got == []  # not on the camera thread
    Clock.tick()
    assert got == [card] and states == [CameraState.RUNNING]
    scanner.on_result(card)
    session.stop()
    session.stop()
    Clock.tick()
    assert got == [card]  # a result that arrives after stop() is dropped
    assert scanner.stops == 1
