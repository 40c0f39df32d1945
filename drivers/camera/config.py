"""Typed `[camera]` configuration: every key has a default and a unit in its name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from common.config import load_raw, resolve_path, section, validate
from drivers.camera.payload import (
    DEFAULT_DOSSIER_PATTERN,
    DEFAULT_STAFF_CARD_PATTERN,
    compile_dossier_pattern,
    compile_staff_card_pattern,
)


class CameraConfig(BaseModel):
    """Where frames come from, how they are decoded, and when the camera counts as lost."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # "folder:DIR" (images, looped: the simulator), "video:FILE" (looped), "device:0" or "0"
    # (V4L2 index), "/dev/video0", or an "rtsp://", "http://" or "https://" stream URL.
    source: str = "folder:assets/camera-samples"
    width_px: int = Field(default=640, ge=160, le=3840)
    height_px: int = Field(default=480, ge=120, le=2160)
    fps: float = Field(default=15.0, gt=0, le=60)
    # Hints passed to the driver; None leaves the camera's own setting.
    autofocus: bool | None = True
    focus_value: float | None = None
    auto_exposure: bool | None = True
    exposure_value: float | None = None
    # Network streams (rtsp://, http://): give up opening / reading after this long, so a camera
    # that drops off the LAN is reported instead of hanging the worker.
    stream_timeout_ms: int = Field(default=5000, ge=100, le=120_000)
    # Simulated folder source: how long each image stays "in front of the camera".
    sim_image_hold_s: float = Field(default=2.0, gt=0, le=60)
    # Decoding: frames decoded per second at most (the others are only previewed: a 30 fps
    # camera must not keep a core of a 2-core kiosk busy), time budget per frame, small-code
    # windows retried upscaled, how often a frame also gets the costly retries for defocused
    # codes (every Nth decoded frame; 0 = never, 1 = every frame), and the second decoder (zbar).
    decode_max_fps: float = Field(default=15.0, gt=0, le=60)
    decode_budget_ms: float = Field(default=35.0, ge=1, le=500)
    roi_tiles: int = Field(default=1, ge=0, le=6)
    thorough_every_frames: int = Field(default=4, ge=0, le=1000)
    use_zbar: bool = False
    # Preview frames handed to the UI at most this often.
    preview_max_fps: float = Field(default=15.0, gt=0, le=60)
    # The same QR held in front of the camera is reported once per this many seconds.
    repeat_result_after_s: float = Field(default=3.0, ge=0, le=600)
    # NO_SIGNAL after this many seconds of black (mean level below black_level) or frozen frames.
    no_signal_after_s: float = Field(default=3.0, gt=0, le=600)
    black_level: int = Field(default=12, ge=0, le=255)
    # Still no signal after this many seconds: close and reopen the device (a stuck USB camera
    # often recovers). 0 = never.
    reopen_after_no_signal_s: float = Field(default=10.0, ge=0, le=3600)
    # Reopen a lost camera with a growing delay between these bounds.
    reopen_min_s: float = Field(default=1.0, gt=0, le=600)
    reopen_max_s: float = Field(default=30.0, gt=0, le=3600)
    # Key of the ID hash (HMAC-SHA256, hex); created 0600 when missing. Relative to the repo root.
    hash_key_file: str = "var/camera/id-hash.key"
    # Dossier receipt QR: a regex with a named group `code` and optionally `appointment`.
    dossier_pattern: str = DEFAULT_DOSSIER_PATTERN
    # Staff sign-in card QR: a regex the whole payload must match, with a named group `staff_id`.
    staff_card_pattern: str = DEFAULT_STAFF_CARD_PATTERN

    @field_validator("source")
    @classmethod
    def _source_not_empty(cls, value: str) -> str:
        forms = "folder:DIR, video:FILE, device:N, N, /dev/videoN or a stream URL (rtsp://, http://)"
        value = value.strip()
        if not value:
            raise ValueError(f"empty; use {forms}")
        known = ("folder:", "video:", "device:", "/dev/", "rtsp://", "rtsps://", "http://", "https://")
        if not (value.startswith(known) or value.isdigit()):
            raise ValueError(f"{value!r} is none of the forms: use {forms}")
        return value

    @field_validator("dossier_pattern", "staff_card_pattern")
    @classmethod
    def _pattern_compiles(cls, value: str, info: ValidationInfo) -> str:
        compile_pattern = (
            compile_dossier_pattern if info.field_name == "dossier_pattern" else compile_staff_card_pattern
        )
        try:
            compile_pattern(value)
        except Exception as err:  # re.error or our ValueError, both reported with the key
            raise ValueError(f"not a usable regex: {err}") from err
        return value

    @field_validator("reopen_max_s")
    @classmethod
    def _max_over_min(cls, value: float, info: Any) -> float:
        low = info.data.get("reopen_min_s", 0)
        if value < low:
            raise ValueError("must be >= reopen_min_s")
        return value

    def key_path(self) -> Path:
        """The hash key file as an absolute path."""
        return resolve_path(self.hash_key_file)


def load_camera_config(data: dict[str, Any] | None = None) -> CameraConfig:
    """The `[camera]` section of the merged config (or of `data`), validated."""
    raw = load_raw() if data is None else data
    return validate(CameraConfig, section(raw, "camera"), "camera")
