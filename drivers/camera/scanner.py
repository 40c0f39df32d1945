"""The kiosk's QR scanner: capture, health watch and decoding on one worker thread.

`open_scanner(config)` builds it; the kiosk calls `start(on_result, on_frame, on_state)` when a
scan screen shows and `stop()` when it leaves. Callbacks run on the worker thread. The camera's
health is a `CameraState`: a missing device is UNAVAILABLE and reopened with a growing delay;
black or frozen frames are NO_SIGNAL. Either way the kiosk offers typing instead.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import cv2
import numpy as np

from common.clock import Clock, SystemClock
from drivers.camera.cccd import IdHasher
from drivers.camera.config import CameraConfig
from drivers.camera.health import SignalWatch
from drivers.camera.keyfile import load_or_create_key
from drivers.camera.model import CameraState, FrameCallback, ResultCallback, ScanResult, StateCallback
from drivers.camera.pacing import FramePacer
from drivers.camera.payload import PayloadClassifier
from drivers.camera.pipeline import QrDecoder, decoder_for
from drivers.camera.sources import CameraError, FrameSource, make_source

log = logging.getLogger(__name__)

SourceFactory = Callable[[threading.Event], FrameSource]
SHARPNESS_EVERY_FRAMES = 10


@dataclass(frozen=True)
class ScannerStats:
    """Diagnostics for a technician (`decode --live`) and the kiosk's health page."""

    frames: int = 0
    decoded: int = 0  # frames that went through the decoder (at most decode_max_fps per second)
    results: int = 0
    decode_ms_last: float = 0.0
    decode_ms_max: float = 0.0
    brightness: float = 0.0  # mean level 0-255 of the last frame
    sharpness: float = 0.0  # variance of the Laplacian at 320 px wide: higher is sharper
    source: str = ""


def sharpness_of(frame: np.ndarray) -> float:
    """Focus measure: variance of the Laplacian on a 320-px-wide gray copy."""
    gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    scale = 320 / gray.shape[1]
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    return float(cv2.Laplacian(small, cv2.CV_64F).var())


@dataclass
class _Session:
    """What one start() .. stop() run of the worker holds."""

    stop: threading.Event
    on_result: ResultCallback
    on_frame: FrameCallback | None
    watch: SignalWatch
    backoff_s: float
    preview: FramePacer  # at most preview_max_fps frames handed to the UI
    decoding: FramePacer  # at most decode_max_fps frames decoded: the rest are only previewed
    source: FrameSource | None = None
    last_reopen: float = float("-inf")
    decoded: int = 0  # frames decoded in this session: every thorough_every_frames-th is thorough
    recent: dict[str, float] = field(default_factory=dict)  # payload digest -> last seen

    def release(self) -> None:
        """Close the source, whatever state it is in."""
        source, self.source = self.source, None
        if source is not None:
            try:
                source.close()
            except Exception:  # closing a broken device must not kill the worker
                log.exception("closing %s failed", source.name)


class CameraScanner:
    """Implements `QrScanner`: one worker thread owns the source, the decoder and the callbacks."""

    def __init__(
        self,
        config: CameraConfig,
        classifier: PayloadClassifier,
        *,
        source_factory: SourceFactory | None = None,
        decoder: QrDecoder | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._config = config
        self._classifier = classifier
        self._source_factory = source_factory or (lambda stop: make_source(config, stop))
        self._decoder = decoder or decoder_for(config)
        self._clock = clock or SystemClock()
        self._state = CameraState.STOPPED
        self._state_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._on_state: StateCallback | None = None
        self._stats = ScannerStats()
        self._stats_lock = threading.Lock()

    def stats(self) -> ScannerStats:
        """A snapshot of the capture and decode figures of the current session."""
        with self._stats_lock:
            return self._stats

    def _update_stats(self, **changes: object) -> None:
        with self._stats_lock:
            self._stats = dataclasses.replace(self._stats, **changes)  # type: ignore[arg-type]

    @property
    def state(self) -> CameraState:
        """Current health of the capture."""
        with self._state_lock:
            return self._state

    def start(
        self,
        on_result: ResultCallback,
        on_frame: FrameCallback | None = None,
        on_state: StateCallback | None = None,
    ) -> None:
        """Begin capturing on a worker thread (a second call while running is ignored).

        A worker still finishing after `stop()` (a slow device read) is waited for on the new
        worker thread, never on the caller's, so the camera is only ever opened once at a time.
        """
        if self._thread is not None and self._thread.is_alive() and not self._stop.is_set():
            log.warning("camera scanner already running; start() ignored")
            return
        previous = self._thread
        with self._stats_lock:
            self._stats = ScannerStats()
        self._stop = threading.Event()
        self._on_state = on_state
        self._thread = threading.Thread(
            target=self._run,
            args=(on_result, on_frame, self._stop, previous),
            name="camera-scanner",
            daemon=True,
        )
        self._thread.start()

    def stop(self, timeout_s: float = 1.0) -> None:
        """Stop capturing; the device is released as soon as the worker's current read returns.

        Waits at most `timeout_s` (the kiosk calls this from its UI thread); a worker stuck in a
        device read finishes on its own and reports nothing more.
        """
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)
            if thread.is_alive():
                log.warning(
                    "camera worker still in a device read after %.1f s; it will exit on return", timeout_s
                )
        self._set_state(CameraState.STOPPED)

    def _set_state(self, new: CameraState, why: str = "", stop: threading.Event | None = None) -> None:
        if stop is not None and stop.is_set():
            return  # a worker that was told to stop reports nothing more
        with self._state_lock:
            old, self._state = self._state, new
        if old == new:
            return
        log.info("camera %s -> %s%s", old, new, f" ({why})" if why else "")
        callback = self._on_state
        if callback is not None:
            try:
                callback(new)
            except Exception:
                log.exception("camera state callback failed")

    def _run(
        self,
        on_result: ResultCallback,
        on_frame: FrameCallback | None,
        stop: threading.Event,
        previous: threading.Thread | None,
    ) -> None:
        if previous is not None:
            previous.join()  # the last session's worker still holds the device
        cfg = self._config
        # One watch for the whole run: a reopen for lack of signal must not reset the bad streak.
        watch = SignalWatch(
            self._clock,
            no_signal_after_s=cfg.no_signal_after_s,
            black_level=cfg.black_level,
            repeats_ok=False,
        )
        session = _Session(
            stop,
            on_result,
            on_frame,
            watch,
            backoff_s=cfg.reopen_min_s,
            preview=FramePacer(cfg.preview_max_fps),
            decoding=FramePacer(cfg.decode_max_fps),
        )
        try:
            while not stop.is_set():
                try:
                    self._step(session)
                except Exception:  # a bug or driver surprise: report, release, start over
                    log.exception("camera worker error; reopening the camera")
                    session.release()
                    self._set_state(CameraState.UNAVAILABLE, "worker error", stop)
                    self._back_off(session)
        finally:
            session.release()

    def _back_off(self, session: _Session) -> None:
        session.stop.wait(session.backoff_s)
        session.backoff_s = min(self._config.reopen_max_s, session.backoff_s * 2)

    def _step(self, session: _Session) -> None:
        """Open if needed, read one frame, watch its health, preview it, decode it."""
        cfg, stop = self._config, session.stop
        if session.source is None:
            candidate = self._source_factory(stop)
            try:
                candidate.open()
            except CameraError as err:
                self._set_state(CameraState.UNAVAILABLE, str(err), stop)
                self._back_off(session)
                return
            session.source, session.backoff_s = candidate, cfg.reopen_min_s
            session.watch.repeats_ok = candidate.repeats_frames
            if self.state != CameraState.NO_SIGNAL:  # stays so until a good frame arrives
                self._set_state(CameraState.RUNNING, candidate.name, stop)
        source = session.source
        try:
            frame = source.read()
        except (CameraError, cv2.error, OSError) as err:
            session.release()
            self._set_state(CameraState.UNAVAILABLE, str(err), stop)
            return
        if stop.is_set():
            return
        watch = session.watch
        healthy = watch.update(frame)
        self._count_frame(frame, watch.brightness, source.name)
        self._set_state(
            CameraState.RUNNING if healthy else CameraState.NO_SIGNAL, "" if healthy else watch.reason, stop
        )
        now = self._clock.monotonic()
        reopen_s = cfg.reopen_after_no_signal_s
        if (
            reopen_s
            and watch.bad_for_s() >= cfg.no_signal_after_s + reopen_s
            and now - session.last_reopen >= reopen_s
        ):
            log.warning("%s: %s for too long; reopening it", source.name, watch.reason)
            session.last_reopen = now
            session.release()
            return
        if session.on_frame is not None and session.preview.due(now):
            self._call(session.on_frame, frame)
        # A 30 fps camera on a 2-core kiosk: decoding every frame would keep a core busy while
        # the next frame, 33 ms later, usually shows the card as well.
        if not watch.black and session.decoding.due(now):
            every = cfg.thorough_every_frames
            session.decoded += 1
            thorough = every > 0 and session.decoded % every == 0
            try:
                self._decode(frame, now, session.recent, session.on_result, stop, thorough)
            except Exception:  # one odd frame must not end the capture
                log.exception("QR decoding failed on one frame; continuing")

    def _count_frame(self, frame: np.ndarray, brightness: float, source_name: str) -> None:
        stats = self.stats()
        changes: dict[str, object] = {
            "frames": stats.frames + 1,
            "brightness": brightness,
            "source": source_name,
        }
        if stats.frames % SHARPNESS_EVERY_FRAMES == 0:
            changes["sharpness"] = sharpness_of(frame)
        self._update_stats(**changes)

    def _decode(
        self,
        frame: np.ndarray,
        now: float,
        recent: dict[str, float],
        on_result: ResultCallback,
        stop: threading.Event,
        thorough: bool = False,
    ) -> None:
        started = time.perf_counter()  # diagnostics only: no decision depends on it
        # Defocus retries cost ~3 ms on a frame they cannot read: a card held still in front of
        # the camera gets them every few frames, which is soon enough at 15 decoded frames/s.
        decoded = self._decoder.decode(frame, thorough=True) if thorough else self._decoder.decode(frame)
        ms = (time.perf_counter() - started) * 1000
        stats = self.stats()
        self._update_stats(
            decoded=stats.decoded + 1, decode_ms_last=ms, decode_ms_max=max(ms, stats.decode_ms_max)
        )
        for found in decoded:
            # Remember payloads by digest only: the raw text is never kept.
            digest = hashlib.sha256(found.raw).hexdigest()
            for key in [k for k, t in recent.items() if now - t >= self._config.repeat_result_after_s]:
                del recent[key]
            if digest in recent:
                recent[digest] = now
                continue
            recent[digest] = now
            # Dates on the card are local; UTC+14 is the latest "today" anywhere, so a card issued
            # today is never taken for one from the future.
            latest_today = (self._clock.now() + timedelta(hours=14)).date()
            result = self._classifier.classify(found.raw, today=latest_today)
            # Debug only: the home screen watches for staff cards, so reads repeat every few seconds.
            log.debug(
                "QR read (%s, stage %s)%s",
                result.kind,
                found.stage,
                f": {result.reason}" if result.reason else "",
            )
            if not stop.is_set():
                self._update_stats(results=self.stats().results + 1)
                self._call(on_result, result)

    @staticmethod
    def _call(callback: Callable[[ScanResult], None] | Callable[[np.ndarray], None], arg: object) -> None:
        try:
            callback(arg)  # type: ignore[arg-type]
        except Exception:
            log.exception("camera callback failed")


def open_scanner(
    config: CameraConfig,
    *,
    clock: Clock | None = None,
    hash_key: bytes | None = None,
    source_factory: SourceFactory | None = None,
) -> CameraScanner:
    """The scanner for the kiosk. The ID hash key is `hash_key`, or read/created at `hash_key_file`."""
    key = hash_key if hash_key is not None else load_or_create_key(config.key_path())
    classifier = PayloadClassifier(IdHasher(key), config.dossier_pattern, config.staff_card_pattern)
    return CameraScanner(config, classifier, source_factory=source_factory, clock=clock)
