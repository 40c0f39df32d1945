"""`python -m locker.screenshots`: a real deposit and pickup, then the receipt pages and a dossier's
phone page in Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from locker.screenshots import SHOTS, VIEWPORT, forge, main

REPO_SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"


def test_forge_changes_only_the_last_character() -> None:
    assert forge("p3f2a9c0d1b7e.q83vEjRWeJq8nO7x") == "p3f2a9c0d1b7e.q83vEjRWeJq8nO7A"
    assert forge("p1.xA") == "p1.xB"


def test_screenshots_of_genuine_and_forged_receipt_and_a_dossier(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], chromium: Path
) -> None:
    committed = {p.name: p.stat().st_mtime_ns for p in REPO_SCREENS.glob("locker-*.png")}
    out = tmp_path / "screens"
    assert main(["--out", str(out)]) == 0, capsys.readouterr().err
    pngs = [out / f"{name}.png" for name in SHOTS]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in pngs)
    assert capsys.readouterr().out.split() == [str(p) for p in pngs]
    images = []
    for png in pngs:
        assert png.stat().st_size > 5000, f"{png.name} is suspiciously small"
        img = Image.open(png).convert("RGB")
        assert img.size == (VIEWPORT["width"], VIEWPORT["height"]), (png.name, img.size)
        assert ImageStat.Stat(img.convert("L")).stddev[0] > 5, f"{png.name} looks blank"
        images.append(img)
    genuine, forged, late = images
    assert ImageChops.difference(genuine, forged).getbbox() is not None, "both pages look the same"
    assert _has_colour(late, (254, 226, 226))  # the dossier page: late, in red
    # the banner colour says which page is which: green for genuine, red for not genuine
    assert _has_colour(genuine, (220, 252, 231)) and not _has_colour(genuine, (254, 226, 226))
    assert _has_colour(forged, (254, 226, 226)) and not _has_colour(forged, (220, 252, 231))
    after = {p.name: p.stat().st_mtime_ns for p in REPO_SCREENS.glob("locker-*.png")}
    assert after == committed, "the screenshot command wrote outside --out"


def _has_colour(img: Image.Image, rgb: tuple[int, int, int]) -> bool:
    """At least a banner's worth of pixels (>1000) of exactly this colour."""
    return any(count > 1000 and colour == rgb for count, colour in img.getcolors(1 << 20) or [])
