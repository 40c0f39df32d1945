"""The scanner decodes at most `decode_max_fps` frames per second and previews the rest.

The simulated camera advances an injected clock by one frame period on every read, so the
worker sees a 30 fps camera without any real waiting; the counts are exact.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

from common.clock import ManualClock
from drivers.camera.cccd import IdHasher
from drivers.camera.config import CameraConfig
from drivers.camera.pacing import FramePacer
from drivers.camera.payload import PayloadClassifier
from drivers.camera.pipeline import Decoded, QrDecoder
from drivers.camera.scanner import CameraScanner
from tests.camera.helpers import RECEIPT, qr_frame
from tests.harness import wait_until

KEY = b"decode-rate-test-key-0123456789"


class ClockedCamera:
    """A camera delivering `frames` frames at `fps` on a manual clock, then blocking until stopped."""

    name = "clocked test camera"
    repeats_frames = True

    def __init__(
        self,
        clock: ManualClock,
        stop: threading.Event,
        *,
        fps: float,
        frames: int,
        periods: list[float] | None = None,
    ) -> None:
        self.clock, self.stop = clock, stop
        self.periods = periods or [1.0 / fps] * frames
        self.reads = 0
        self.done = threading.Event()
        self.frame = qr_frame(RECEIPT)

    def open(self) -> None:
        pass

    def read(self) -> np.ndarray:
        if self.reads >= len(self.periods):
            self.done.set()  # every earlier frame has been fully handled by now
            self.stop.wait()
            return self.frame
        self.clock.advance(self.periods[self.reads])
        self.reads += 1
        return self.frame

    def close(self) -> None:
        pass


class CountingDecoder(QrDecoder):
    """The real decoder, counting calls."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.calls = 0
        self.thorough: list[int] = []  # which calls asked for the defocus retries

    def decode(self, frame: np.ndarray, *, thorough: bool | None = None) -> list[Decoded]:
        self.calls += 1
        if thorough:
            self.thorough.append(self.calls)
        return super().decode(frame, thorough=thorough)


def run(
    config: CameraConfig, periods: list[float], decoder: CountingDecoder | None = None
) -> tuple[int, int, int]:
    """Frames previewed, frames decoded, and results, for a camera delivering at `periods`."""
    clock = ManualClock()
    cameras: list[ClockedCamera] = []

    def factory(stop: threading.Event) -> ClockedCamera:
        cameras.append(ClockedCamera(clock, stop, fps=0, frames=0, periods=periods))
        return cameras[-1]

    decoder = decoder or CountingDecoder()
    scanner = CameraScanner(
        config, PayloadClassifier(IdHasher(KEY)), source_factory=factory, decoder=decoder, clock=clock
    )
    previews: list[int] = []
    results: list[str] = []
    scanner.start(lambda r: results.append(r.kind), lambda f: previews.append(1))
    try:
        assert wait_until(lambda: bool(cameras), 10)  # the worker creates the camera after start()
        assert cameras[0].done.wait(30)
        stats = scanner.stats()
    finally:
        scanner.stop()
    assert stats.decoded == decoder.calls
    return len(previews), decoder.calls, len(results)


@pytest.mark.parametrize(
    ("camera_fps", "cap_fps", "decoded"),
    [(30, 15, 30), (30, 10, 20), (30, 30, 60), (10, 15, 20), (60, 15, 30)],
)
def test_decoded_frames_capped_preview_at_full_rate(camera_fps: int, cap_fps: float, decoded: int) -> None:
    frames = 2 * camera_fps  # two seconds of video
    config = CameraConfig(decode_max_fps=cap_fps, preview_max_fps=60.0, repeat_result_after_s=0.0)
    previews, calls, results = run(config, [1.0 / camera_fps] * frames)
    assert previews == frames  # the preview is never throttled by decoding
    assert calls == decoded
    assert results == calls  # every decoded frame read the receipt


def test_jittery_camera_keeps_the_schedule() -> None:
    # A 30 fps camera whose frames arrive 3 ms early or late: still every second frame decoded.
    periods = [1 / 30 + (0.003 if n % 2 else -0.003) for n in range(60)]
    _, calls, _ = run(CameraConfig(decode_max_fps=15.0, preview_max_fps=60.0), periods)
    assert calls == 30


def test_after_a_pause_no_burst() -> None:
    # The camera stalls for 2 s, then runs at 30 fps: decoding resumes at the cap, not faster
    # (15 slots in the first second, then the frame after the stall and 15 more).
    periods = [1 / 30] * 30 + [2.0] + [1 / 30] * 30
    _, calls, _ = run(CameraConfig(decode_max_fps=15.0, preview_max_fps=60.0), periods)
    assert calls == 15 + 1 + 15


@pytest.mark.parametrize(("every", "expected"), [(4, [4, 8, 12]), (1, list(range(1, 13))), (0, [])])
def test_every_nth_decoded_frame_is_thorough(every: int, expected: list[int]) -> None:
    decoder = CountingDecoder()
    config = CameraConfig(decode_max_fps=30.0, thorough_every_frames=every)
    run(config, [1 / 30] * 12, decoder)
    assert decoder.calls == 12 and decoder.thorough == expected


def test_cap_out_of_range_names_the_key() -> None:
    with pytest.raises(ValueError, match="decode_max_fps"):
        CameraConfig(decode_max_fps=0)


def test_pacer_alone() -> None:
    pacer = FramePacer(10.0)
    assert [pacer.due(t / 100) for t in range(0, 31, 5)] == [True, False, True, False, True, False, True]
    assert pacer.due(5.0) and not pacer.due(5.05) and pacer.due(5.099)  # restarted after the pause
    with pytest.raises(ValueError):
        FramePacer(0)
