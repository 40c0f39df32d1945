"""Frame sources: an OpenCV camera or stream, and the simulators (image folder, video file, looped).

A source is opened, read frame by frame on the scanner's worker thread, and closed. Failures
become `CameraError` naming the source; the scanner then reports the camera as unavailable and
reopens it with a backoff. The simulators are real, selectable sources (`folder:`/`video:` in
config), never a silent fallback for a missing camera.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from common.config import resolve_path
from drivers.camera.config import CameraConfig

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}


class CameraError(Exception):
    """The camera cannot be opened or stopped delivering frames; the message names it."""


class FrameSource(Protocol):
    """Where frames come from. `read()` may block for about one frame period."""

    name: str
    # True for simulators that legitimately repeat the very same frame (no "frozen" alarm).
    repeats_frames: bool

    def open(self) -> None:
        """Open the device; raise CameraError if it is not there."""
        ...

    def read(self) -> np.ndarray:
        """The next BGR frame; raise CameraError when the device is gone."""
        ...

    def close(self) -> None:
        """Release the device (idempotent)."""
        ...


class OpenCvSource:
    """A camera by index or path, or an RTSP/HTTP stream, through `cv2.VideoCapture`."""

    repeats_frames = False

    def __init__(self, target: int | str, config: CameraConfig) -> None:
        self._target = target
        self._config = config
        self._cap: cv2.VideoCapture | None = None
        self.name = f"camera {target}"

    def open(self) -> None:
        if isinstance(self._target, str) and "://" in self._target:
            timeout = self._config.stream_timeout_ms
            params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, timeout, cv2.CAP_PROP_READ_TIMEOUT_MSEC, timeout]
            cap = cv2.VideoCapture(self._target, cv2.CAP_FFMPEG, params)
        else:
            cap = cv2.VideoCapture(self._target)
        if not cap.isOpened():
            cap.release()
            raise CameraError(f"{self.name}: cannot open (unplugged, in use, or wrong source in [camera])")
        cfg = self._config
        hints = [
            (cv2.CAP_PROP_FRAME_WIDTH, cfg.width_px),
            (cv2.CAP_PROP_FRAME_HEIGHT, cfg.height_px),
            (cv2.CAP_PROP_FPS, cfg.fps),
        ]
        if cfg.autofocus is not None:
            hints.append((cv2.CAP_PROP_AUTOFOCUS, 1 if cfg.autofocus else 0))
        if cfg.focus_value is not None:
            hints.append((cv2.CAP_PROP_FOCUS, cfg.focus_value))
        if cfg.auto_exposure is not None:
            # V4L2 convention: 3 = aperture priority (auto), 1 = manual.
            hints.append((cv2.CAP_PROP_AUTO_EXPOSURE, 3 if cfg.auto_exposure else 1))
        if cfg.exposure_value is not None:
            hints.append((cv2.CAP_PROP_EXPOSURE, cfg.exposure_value))
        for prop, value in hints:
            if not cap.set(prop, value):  # a hint the driver ignores is not an error
                log.debug("%s ignores property %s=%s", self.name, prop, value)
        self._cap = cap
        log.info(
            "%s opened at %.0fx%.0f",
            self.name,
            cap.get(cv2.CAP_PROP_FRAME_WIDTH),
            cap.get(cv2.CAP_PROP_FRAME_HEIGHT),
        )

    def read(self) -> np.ndarray:
        if self._cap is None:
            raise CameraError(f"{self.name}: not open")
        ok, frame = self._cap.read()
        if not ok or frame is None:
            raise CameraError(f"{self.name}: no frame (disconnected?)")
        return frame

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class FolderSource:
    """Simulator: the images of a folder, each held for `hold_s`, looped at the configured fps.

    The folder is listed again at each loop, so images can be added while running; a folder that
    disappears behaves like an unplugged camera, and one that comes back like a replugged one.
    """

    repeats_frames = True

    def __init__(
        self, folder: Path, *, fps: float, hold_s: float, stop: threading.Event | None = None
    ) -> None:
        self._folder = folder
        self._period_s = 1.0 / fps
        self._hold_frames = max(1, round(hold_s * fps))
        self._stop = stop or threading.Event()
        self._files: list[Path] = []
        self._cache: dict[Path, np.ndarray] = {}
        self._count = 0
        self.name = f"image folder {folder}"

    def _list(self) -> list[Path]:
        try:
            files = sorted(p for p in self._folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        except OSError as err:
            raise CameraError(f"{self.name}: {err.strerror or err}") from err
        if not files:
            raise CameraError(f"{self.name}: no images (.png/.jpg) in it")
        return files

    def open(self) -> None:
        self._files = self._list()
        self._count = 0

    def read(self) -> np.ndarray:
        if not self._files:
            raise CameraError(f"{self.name}: not open")
        index = (self._count // self._hold_frames) % len(self._files)
        if index == 0 and self._count % self._hold_frames == 0 and self._count:
            self._files = self._list()  # start of a new loop: pick up changes, notice removal
            index = 0
        path = self._files[index % len(self._files)]
        frame = self._cache.get(path)
        if frame is None:
            frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if frame is None:
                if not path.exists():
                    raise CameraError(f"{self.name}: {path.name} disappeared")
                raise CameraError(f"{self.name}: {path.name} is not a readable image")
            self._cache[path] = frame
        self._count += 1
        self._stop.wait(self._period_s)  # pace like a camera; returns at once when stopping
        return frame.copy()  # callers may draw on it (preview guide frame); the cache stays clean

    def close(self) -> None:
        self._files = []
        self._cache.clear()


class VideoFileSource:
    """Simulator: a video file played in a loop at the configured fps."""

    repeats_frames = False

    def __init__(self, path: Path, *, fps: float, stop: threading.Event | None = None) -> None:
        self._path = path
        self._period_s = 1.0 / fps
        self._stop = stop or threading.Event()
        self._cap: cv2.VideoCapture | None = None
        self.name = f"video file {path}"

    def open(self) -> None:
        if not self._path.is_file():
            raise CameraError(f"{self.name}: file not found")
        cap = cv2.VideoCapture(str(self._path))
        if not cap.isOpened():
            cap.release()
            raise CameraError(f"{self.name}: not a video OpenCV can read")
        self._cap = cap

    def read(self) -> np.ndarray:
        if self._cap is None:
            raise CameraError(f"{self.name}: not open")
        ok, frame = self._cap.read()
        if not ok:  # end of file: loop
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._cap.read()
            if not ok:
                raise CameraError(f"{self.name}: no frame after rewinding")
        self._stop.wait(self._period_s)
        return frame

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


def make_source(config: CameraConfig, stop: threading.Event | None = None) -> FrameSource:
    """The source named by `[camera] source` (not opened yet)."""
    spec = config.source
    if spec.startswith("folder:"):
        return FolderSource(
            resolve_path(spec[len("folder:") :]), fps=config.fps, hold_s=config.sim_image_hold_s, stop=stop
        )
    if spec.startswith("video:"):
        return VideoFileSource(resolve_path(spec[len("video:") :]), fps=config.fps, stop=stop)
    if spec.startswith("device:"):
        spec = spec[len("device:") :]
    if spec.isdigit():
        return OpenCvSource(int(spec), config)
    return OpenCvSource(spec, config)  # /dev/videoN, rtsp://, http(s)://
