"""The handover photo's JPEG (drivers/camera/still.py): within the locker's cap, pixels only."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from drivers.camera.still import StillError, jpeg_within


def _noise(h: int, w: int) -> np.ndarray:
    return np.random.default_rng(7).integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_a_big_noisy_frame_is_shrunk_until_it_fits() -> None:
    out = jpeg_within(_noise(1080, 1920), 20_000)
    assert len(out) <= 20_000 and out.startswith(b"\xff\xd8\xff")
    img = Image.open(io.BytesIO(out))
    assert img.format == "JPEG" and img.width <= 640
    assert not img.getexif() and "exif" not in img.info


def test_a_small_frame_keeps_its_size_and_a_cap_nothing_fits_is_an_error() -> None:
    out = jpeg_within(np.full((120, 160, 3), 90, dtype=np.uint8), 45_000)
    assert Image.open(io.BytesIO(out)).size == (160, 120)
    with pytest.raises(StillError):
        jpeg_within(_noise(480, 640), 200)
    with pytest.raises(StillError):
        jpeg_within(np.zeros((0, 0, 3), dtype=np.uint8), 45_000)
