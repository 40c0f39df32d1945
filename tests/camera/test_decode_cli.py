"""`python -m drivers.camera.decode`: one JSON line per image, parsed fields with --cccd."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from bench.make_cccd_frames import make_frame
from drivers.camera.decode import main
from tests.camera.helpers import CARD, RECEIPT, qr_frame

REPO = Path(__file__).resolve().parents[2]


def test_lines_per_image(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    card, empty = tmp_path / "card.png", tmp_path / "empty.png"
    cv2.imwrite(str(card), qr_frame(CARD))
    cv2.imwrite(str(empty), np.full((480, 640, 3), 128, np.uint8))
    status = main([str(card), str(empty), "--cccd"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 1  # one image had no code
    assert lines[0]["image"] == str(card) and lines[0]["text"] == CARD and lines[0]["ms"] >= 0
    assert lines[0]["kind"] == "cccd" and lines[0]["cccd"]["id_masked"] == "0010******45"
    assert "001099012345" not in json.dumps(lines[0]["cccd"])
    assert lines[1]["text"] is None


def test_thorough_reads_a_defocused_still(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A generated frame whose defocused code zxing does not locate: only --thorough reads it.
    frame = make_frame(random.Random(287), with_qr=True)
    path = tmp_path / "defocused.png"
    cv2.imwrite(str(path), frame.image)
    assert main([str(path)]) == 1
    assert json.loads(capsys.readouterr().out)["text"] is None
    assert main([str(path), "--thorough"]) == 0
    assert json.loads(capsys.readouterr().out)["text"] == frame.text


def test_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"nope")
    assert main([str(bad)]) == 1
    assert json.loads(capsys.readouterr().out)["error"] == "not a readable image"


def test_live_on_a_folder_as_a_subprocess(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "r.png"), qr_frame(RECEIPT))
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "drivers.camera.decode",
            "--live",
            "--device",
            f"folder:{tmp_path}",
            "--seconds",
            "2.5",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    lines = [json.loads(line) for line in out.splitlines()]
    assert {"state": "running"} in lines
    assert any("fps" in line and line["results"] >= 1 for line in lines)
    assert any(line.get("decoded_fps", 0) > 0 for line in lines)
    assert any(line.get("dossier", {}).get("dossier_code") == "000.00.12.H26-261120-0042" for line in lines)
