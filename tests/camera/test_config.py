"""`[camera]` config: the shipped default validates; bad keys are named."""

from __future__ import annotations

import pytest

from common.config import ConfigError, load_raw
from drivers.camera.config import CameraConfig, load_camera_config


def test_default_config_loads() -> None:
    config = load_camera_config(load_raw(None))
    assert config.source.startswith("folder:")
    assert config.key_path().is_absolute()


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({"fps": 0}, "camera.fps"),
        ({"dossier_pattern": "(?P<nocode>x)"}, "camera.dossier_pattern"),
        ({"dossier_pattern": "(unclosed"}, "camera.dossier_pattern"),
        ({"source": "  "}, "camera.source"),
        ({"source": "sample"}, "camera.source"),
        ({"reopen_min_s": 10, "reopen_max_s": 1}, "camera.reopen_max_s"),
        ({"resolution": "640x480"}, "camera.resolution"),
    ],
)
def test_bad_values_named(section: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_camera_config({"camera": section})


def test_defaults_without_section() -> None:
    assert load_camera_config({}) == CameraConfig()
