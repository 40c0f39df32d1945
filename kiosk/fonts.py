"""Register the bundled Noto Sans (every Vietnamese letter) as Kivy's default font."""

from __future__ import annotations

from pathlib import Path

from common.config import REPO_ROOT

FONT_DIR = REPO_ROOT / "assets" / "fonts"
REGULAR = FONT_DIR / "NotoSans-Regular.ttf"
BOLD = FONT_DIR / "NotoSans-Bold.ttf"


def register_fonts() -> None:
    """Make Noto Sans the default ("Roboto") so every Label renders Vietnamese."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    for path in (REGULAR, BOLD):
        if not Path(path).is_file():
            raise FileNotFoundError(
                f"bundled font missing: {path}; restore assets/fonts/ from the repository"
            )
    LabelBase.register(DEFAULT_FONT, fn_regular=str(REGULAR), fn_bold=str(BOLD))
    LabelBase.register("NotoSans", fn_regular=str(REGULAR), fn_bold=str(BOLD))
