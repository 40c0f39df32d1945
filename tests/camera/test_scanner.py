"""The capture worker with simulated sources: results, preview, a camera that vanishes, no signal."""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from common.clock import ManualClock
from drivers.camera.config import CameraConfig
from drivers.camera.model import CameraState, ScanResult
from drivers.camera.scanner import open_scanner
from drivers.camera.sources import CameraError, FolderSource, make_source
from tests.camera.helpers import CARD, CARD_2024, RECEIPT, qr_frame
from tests.harness import HandlerThread, wait_until

KEY = b"scanner-test-key-0123456789"


def fast_config(folder: Path, **over: Any) -> CameraConfig:
    values: dict[str, Any] = {
        "source": f"folder:{folder}",
        "fps": 60.0,
        "sim_image_hold_s": 0.05,
        "reopen_min_s": 0.02,
        "reopen_max_s": 0.1,
        "repeat_result_after_s": 0.0,
        "preview_max_fps": 60.0,
    }
    values.update(over)
    return CameraConfig(**values)


class Recorder:
    """Collects callbacks from the worker thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.results: list[ScanResult] = []
        self.states: list[CameraState] = []
        self.frames = 0

    def on_result(self, result: ScanResult) -> None:
        with self.lock:
            self.results.append(result)

    def on_frame(self, frame: np.ndarray) -> None:
        assert frame.ndim == 3
        with self.lock:
            self.frames += 1

    def on_state(self, state: CameraState) -> None:
        with self.lock:
            self.states.append(state)

    def kinds(self) -> set[str]:
        with self.lock:
            return {r.kind for r in self.results}


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    folder = tmp_path / "cam"
    folder.mkdir()
    cv2.imwrite(str(folder / "1.png"), qr_frame(CARD))
    cv2.imwrite(str(folder / "2.png"), qr_frame(RECEIPT))
    cv2.imwrite(str(folder / "3.png"), qr_frame(CARD_2024, at=(300, 100)))
    return folder


def test_reads_cards_and_receipts_from_the_simulated_camera(samples: Path) -> None:
    scanner = open_scanner(fast_config(samples), hash_key=KEY)
    rec = Recorder()
    scanner.start(rec.on_result, rec.on_frame, rec.on_state)
    try:
        assert wait_until(lambda: {"cccd", "dossier"} <= rec.kinds(), 10)
        assert scanner.state == CameraState.RUNNING
        assert rec.frames > 0
        stats = scanner.stats()
        assert stats.frames > 0 and stats.results >= 2 and stats.brightness > 100
        assert stats.sharpness > 0 and stats.decode_ms_max > 0 and "image folder" in stats.source
    finally:
        scanner.stop()
    assert scanner.state == CameraState.STOPPED
    assert rec.states[0] == CameraState.RUNNING and rec.states[-1] == CameraState.STOPPED
    card = next(r.cccd for r in rec.results if r.cccd is not None)
    assert card.id_masked in ("0010******45", "0793******34")


def test_camera_that_vanishes_and_returns(samples: Path) -> None:
    scanner = open_scanner(fast_config(samples), hash_key=KEY)
    rec = Recorder()
    scanner.start(rec.on_result, None, rec.on_state)
    try:
        assert wait_until(lambda: scanner.state == CameraState.RUNNING, 10)
        gone = samples.with_name("unplugged")
        samples.rename(gone)
        assert wait_until(lambda: scanner.state == CameraState.UNAVAILABLE, 10)
        with rec.lock:
            rec.results.clear()
        gone.rename(samples)
        assert wait_until(lambda: scanner.state == CameraState.RUNNING, 10)
        assert wait_until(lambda: "cccd" in rec.kinds(), 10)  # reading again after the reopen
    finally:
        scanner.stop()
    assert CameraState.UNAVAILABLE in rec.states


def test_missing_camera_at_start_is_unavailable_not_a_crash(tmp_path: Path) -> None:
    scanner = open_scanner(fast_config(tmp_path / "nothing-here"), hash_key=KEY)
    rec = Recorder()
    scanner.start(rec.on_result, None, rec.on_state)
    try:
        assert wait_until(lambda: scanner.state == CameraState.UNAVAILABLE, 10)
    finally:
        scanner.stop()
    assert rec.results == []


class StaticSource:
    """A camera that keeps delivering the same frame (frozen driver, or a lens cap)."""

    name = "static test camera"

    def __init__(self, frame: np.ndarray, repeats_frames: bool = False) -> None:
        self.frame = frame
        self.repeats_frames = repeats_frames
        self.reads = 0
        self.opens = 0
        self.closed = threading.Event()
        self.read_event = threading.Event()

    def open(self) -> None:
        self.opens += 1
        self.closed.clear()

    def read(self) -> np.ndarray:
        self.reads += 1
        self.read_event.set()
        threading.Event().wait(0.002)
        return self.frame

    def close(self) -> None:
        self.closed.set()


@pytest.mark.parametrize(
    ("frame", "label"),
    [(np.zeros((480, 640, 3), np.uint8), "black"), (qr_frame(RECEIPT), "frozen")],
)
def test_black_or_frozen_frames_become_no_signal(frame: np.ndarray, label: str) -> None:
    clock = ManualClock()
    source = StaticSource(frame)
    config = CameraConfig(no_signal_after_s=3.0, repeat_result_after_s=60.0)
    scanner = open_scanner(config, hash_key=KEY, clock=clock, source_factory=lambda stop: source)
    rec = Recorder()
    scanner.start(rec.on_result, None, rec.on_state)
    try:
        assert wait_until(lambda: source.reads > 3, 10)
        assert scanner.state == CameraState.RUNNING  # not yet: the clock has not moved
        clock.advance(3.5)
        assert wait_until(lambda: scanner.state == CameraState.NO_SIGNAL, 10), label
    finally:
        scanner.stop()
    assert source.closed.is_set()
    # The frozen frame held a receipt: reported once, not once per frame.
    assert len(rec.results) == (0 if label == "black" else 1)


def test_a_camera_stuck_on_black_is_reopened_without_flapping_to_running() -> None:
    clock = ManualClock()
    source = StaticSource(np.zeros((480, 640, 3), np.uint8))
    config = CameraConfig(no_signal_after_s=3.0, reopen_after_no_signal_s=10.0)
    scanner = open_scanner(config, hash_key=KEY, clock=clock, source_factory=lambda stop: source)
    rec = Recorder()
    scanner.start(rec.on_result, None, rec.on_state)
    try:
        assert wait_until(lambda: source.reads > 1, 10)
        clock.advance(3.5)
        assert wait_until(lambda: scanner.state == CameraState.NO_SIGNAL, 10)
        assert source.opens == 1
        clock.advance(10.0)
        assert wait_until(lambda: source.opens == 2, 10)
        reads = source.reads
        assert wait_until(lambda: source.reads > reads + 3, 10)
        assert source.opens == 2  # not reopened again until another reopen_after_no_signal_s
        assert scanner.state == CameraState.NO_SIGNAL
        source.frame = qr_frame(RECEIPT)  # the picture comes back
        assert wait_until(lambda: scanner.state == CameraState.RUNNING, 10)
    finally:
        scanner.stop()
    assert rec.states == [
        CameraState.RUNNING,
        CameraState.NO_SIGNAL,
        CameraState.RUNNING,
        CameraState.STOPPED,
    ]


def test_callback_errors_do_not_stop_the_worker() -> None:
    source = StaticSource(qr_frame(RECEIPT), repeats_frames=True)
    config = CameraConfig(repeat_result_after_s=0.0)
    scanner = open_scanner(config, hash_key=KEY, source_factory=lambda stop: source)
    calls = []

    def broken(result: ScanResult) -> None:
        calls.append(result)
        raise RuntimeError("kiosk bug")

    scanner.start(broken)
    try:
        assert wait_until(lambda: len(calls) >= 3, 10)
        assert scanner.state == CameraState.RUNNING
    finally:
        scanner.stop()


def test_open_scanner_creates_the_key_file(tmp_path: Path, samples: Path) -> None:
    key_file = tmp_path / "keys" / "id-hash.key"
    open_scanner(fast_config(samples, hash_key_file=str(key_file)))
    assert key_file.exists() and (key_file.stat().st_mode & 0o077) == 0


def test_folder_source_errors_name_the_folder(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CameraError, match="no images"):
        FolderSource(empty, fps=10, hold_s=1).open()
    (empty / "broken.png").write_bytes(b"not a png")
    source = FolderSource(empty, fps=1000, hold_s=1)
    source.open()
    with pytest.raises(CameraError, match="broken.png"):
        source.read()


def test_make_source_kinds(tmp_path: Path) -> None:
    assert "image folder" in make_source(CameraConfig(source="folder:x")).name
    assert "video file" in make_source(CameraConfig(source="video:clip.mp4")).name
    assert make_source(CameraConfig(source="device:0")).name == "camera 0"
    assert make_source(CameraConfig(source="rtsp://127.0.0.1:1/x")).name == "camera rtsp://127.0.0.1:1/x"
    with pytest.raises(CameraError, match="not found"):
        make_source(CameraConfig(source=f"video:{tmp_path}/none.mp4")).open()


def test_video_file_source_loops(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10, (640, 480))
    for _ in range(3):
        writer.write(qr_frame(RECEIPT))
    writer.release()
    source = make_source(CameraConfig(source=f"video:{path}", fps=60))
    source.open()
    try:
        frames = [source.read() for _ in range(7)]  # past the end: rewinds
    finally:
        source.close()
    assert all(f.shape == (480, 640, 3) for f in frames)


class HangingSource(StaticSource):
    """A device whose read blocks until the test releases it (a stuck driver or stream)."""

    def __init__(self) -> None:
        super().__init__(qr_frame(RECEIPT), repeats_frames=True)
        self.release = threading.Event()

    def read(self) -> np.ndarray:
        self.reads += 1
        self.read_event.set()
        self.release.wait(10)
        return self.frame


def test_stop_does_not_block_on_a_hung_read_and_restart_waits_for_the_old_worker() -> None:
    source = HangingSource()
    scanner = open_scanner(
        CameraConfig(repeat_result_after_s=60.0), hash_key=KEY, source_factory=lambda stop: source
    )
    first, second = Recorder(), Recorder()
    scanner.start(first.on_result, None, first.on_state)
    assert source.read_event.wait(10)
    scanner.stop(timeout_s=0.05)  # returns although the read is still blocked
    assert scanner.state == CameraState.STOPPED
    scanner.start(second.on_result, None, second.on_state)
    assert source.opens == 1  # the new worker waits: the old one still holds the device
    source.release.set()
    try:
        assert wait_until(lambda: source.opens == 2 and "dossier" in second.kinds(), 10)
        assert scanner.state == CameraState.RUNNING
    finally:
        scanner.stop()
    assert first.states == [CameraState.RUNNING, CameraState.STOPPED]
    assert first.results == []  # the stopped session got nothing after stop()


class MjpegCamera:
    """A network camera on 127.0.0.1: an HTTP MJPEG stream that can be unplugged and replugged."""

    def __init__(self, port: int, frame: np.ndarray) -> None:
        self.port = port
        self.jpeg = cv2.imencode(".jpg", frame)[1].tobytes()
        self.server: HandlerThread | None = None
        self.unplugged = threading.Event()

    def plug(self) -> None:
        camera = self
        self.unplugged.clear()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
                self.end_headers()
                part = (
                    b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(camera.jpeg)
                    + camera.jpeg
                    + b"\r\n"
                )
                try:
                    while not camera.unplugged.wait(0.03):
                        self.wfile.write(part)
                except OSError:
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HandlerThread(Handler, self.port)

    def unplug(self) -> None:
        self.unplugged.set()
        if self.server is not None:
            self.server.close()
            self.server = None


def test_network_camera_unplugged_and_replugged(port: int) -> None:
    camera = MjpegCamera(port, qr_frame(RECEIPT))
    camera.plug()
    config = CameraConfig(
        source=f"http://127.0.0.1:{port}/stream.mjpg",
        stream_timeout_ms=1000,
        reopen_min_s=0.05,
        reopen_max_s=0.2,
        repeat_result_after_s=0.0,
    )
    scanner = open_scanner(config, hash_key=KEY)
    rec = Recorder()
    scanner.start(rec.on_result, rec.on_frame, rec.on_state)
    try:
        assert wait_until(lambda: "dossier" in rec.kinds(), 10)
        camera.unplug()
        assert wait_until(lambda: scanner.state == CameraState.UNAVAILABLE, 10)
        with rec.lock:
            rec.results.clear()
        camera.plug()
        assert wait_until(lambda: scanner.state == CameraState.RUNNING and "dossier" in rec.kinds(), 10)
    finally:
        scanner.stop()
        camera.unplug()
    assert rec.states[:3] == [CameraState.RUNNING, CameraState.UNAVAILABLE, CameraState.RUNNING]


def test_no_personal_data_in_logs(samples: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    scanner = open_scanner(fast_config(samples), hash_key=KEY)
    rec = Recorder()
    scanner.start(rec.on_result, None, rec.on_state)
    try:
        assert wait_until(lambda: "cccd" in rec.kinds(), 10)
        logging.getLogger("test").info("results: %s", rec.results)  # even a careless caller's log
    finally:
        scanner.stop()
    text = caplog.text
    assert "QR read (cccd" in text
    for secret in ("001099012345", "Nguyễn Văn An", "01021999", "Đường Mẫu", "079305001234", "Trần Thị Bình"):
        assert secret not in text


def test_embedded_default_reads_an_invented_card_from_the_shipped_samples() -> None:
    from drivers.camera.config import load_camera_config

    config = load_camera_config().model_copy(update={"sim_image_hold_s": 0.2, "fps": 30.0})
    scanner = open_scanner(config, hash_key=KEY)
    rec = Recorder()
    scanner.start(rec.on_result, None, rec.on_state)
    try:
        assert wait_until(lambda: {"cccd", "dossier"} <= rec.kinds(), timeout_s=20)
    finally:
        scanner.stop()
    assert all(r.kind != "other" for r in rec.results)


def test_worker_survives_driver_and_decoder_surprises() -> None:
    from drivers.camera.cccd import IdHasher
    from drivers.camera.payload import PayloadClassifier
    from drivers.camera.pipeline import QrDecoder
    from drivers.camera.scanner import CameraScanner

    class FlakySource(StaticSource):
        def read(self) -> np.ndarray:
            if self.reads == 0:
                self.reads += 1
                raise RuntimeError("driver bug")
            return super().read()

    class FlakyDecoder(QrDecoder):
        calls = 0

        def decode(self, frame: np.ndarray, *, thorough: bool | None = None) -> list:  # type: ignore[type-arg]
            FlakyDecoder.calls += 1
            if FlakyDecoder.calls == 1:
                raise ValueError("odd frame")
            return super().decode(frame, thorough=thorough)

    source = FlakySource(qr_frame(RECEIPT), repeats_frames=True)
    config = CameraConfig(reopen_min_s=0.02, reopen_max_s=0.05, repeat_result_after_s=60.0)
    scanner = CameraScanner(
        config, PayloadClassifier(IdHasher(KEY)), source_factory=lambda stop: source, decoder=FlakyDecoder()
    )
    rec = Recorder()
    scanner.start(rec.on_result, None, rec.on_state)
    try:
        assert wait_until(lambda: "dossier" in rec.kinds(), 10)
    finally:
        scanner.stop()
    assert source.opens == 2 and FlakyDecoder.calls >= 2
    assert rec.states[:3] == [CameraState.RUNNING, CameraState.UNAVAILABLE, CameraState.RUNNING]
