"""Test doubles for devices that are not on this machine (camera). Only in tests/."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np

from drivers.camera.model import CameraState, CccdInfo, ScanResult


def card(birth: date, name: str = "Nguyễn Văn Bình") -> CccdInfo:
    """An invented ID card."""
    return CccdInfo(
        id_masked="0010******45",
        id_hash="ab" * 16,
        id_number="001099012345",
        full_name=name,
        birth_date=birth,
        gender="Nam",
        issue_date=date(2021, 4, 1),
        old_id_present=False,
    )


class ScriptedScanner:
    """A QrScanner that, when started, sends frames and then the results it was given, from a thread."""

    def __init__(self, results: list[ScanResult], frames: int = 3) -> None:
        self.results = results
        self.frames = frames
        self._state = CameraState.STOPPED
        self.started = 0
        self.stopped = 0
        self._thread: threading.Thread | None = None

    def start(self, on_result, on_frame=None, on_state=None) -> None:  # type: ignore[no-untyped-def]
        self.started += 1
        self._state = CameraState.RUNNING

        def run() -> None:
            if on_state:
                on_state(CameraState.RUNNING)
            for _ in range(self.frames):
                if on_frame:
                    on_frame(np.full((240, 320, 3), 128, dtype=np.uint8))
            for r in self.results:
                on_result(r)

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.stopped += 1
        self._state = CameraState.STOPPED
        if self._thread is not None:
            self._thread.join(5)

    @property
    def state(self) -> CameraState:
        return self._state


class InlineWorker:
    """Runs each job at once on the calling thread (the Kivy worker hops threads; not needed here)."""

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], Any] | None = None,
        on_error: Callable[[BaseException], Any] | None = None,
    ) -> None:
        try:
            result = fn()
        except Exception as err:  # handed to the callback like the real worker
            if on_error is not None:
                on_error(err)
            return
        if on_done is not None:
            on_done(result)
