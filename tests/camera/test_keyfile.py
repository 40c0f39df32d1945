"""The ID hash key file: created 0600 once, then read back; bad files named in the error."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from drivers.camera.keyfile import KeyFileError, load_or_create_key


def test_created_private_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "camera" / "id-hash.key"
    key = load_or_create_key(path)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_or_create_key(path) == key


@pytest.mark.parametrize("content", ["not hex", "abcd"])
def test_bad_key_file_named(tmp_path: Path, content: str) -> None:
    path = tmp_path / "id-hash.key"
    path.write_text(content)
    with pytest.raises(KeyFileError, match="id-hash.key"):
        load_or_create_key(path)
