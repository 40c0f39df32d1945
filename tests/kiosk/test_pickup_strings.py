"""Every text of the pickup and staff screens is in the translation table, in both languages, and
renders with the bundled font (no boxes instead of Vietnamese letters)."""

from __future__ import annotations

import re
import string

from fontTools.ttLib import TTFont

from kiosk.fonts import BOLD, REGULAR
from kiosk.i18n import TABLE
from tests.conftest import REPO_ROOT

PART_B_FILES = [
    *sorted((REPO_ROOT / "kiosk" / "screens").glob("pickup*.py")),
    *sorted((REPO_ROOT / "kiosk" / "screens").glob("staff*.py")),
    *sorted((REPO_ROOT / "kiosk" / "kv").glob("pickup*.kv")),
    *sorted((REPO_ROOT / "kiosk" / "kv").glob("staff*.kv")),
]
PREFIXES = ("pickup.", "staff.", "state.", "alarm.", "door.")
KEY_RE = re.compile(r"""(?:tr|t|say|_say|_set_slip)\(\s*["']([a-z_]+\.[a-z0-9_]+)["']""")


def test_every_key_used_by_part_b_exists_in_both_languages():
    used: set[str] = set()
    for path in PART_B_FILES:
        used |= set(KEY_RE.findall(path.read_text(encoding="utf-8")))
    assert len(used) > 60, "the key scanner found too little; is the pattern still right?"
    missing = sorted(k for k in used if k not in TABLE)
    assert not missing, f"keys used but not translated: {missing}"
    for key, (vi, en) in TABLE.items():
        if key.startswith(PREFIXES):
            assert vi.strip() and en.strip(), key
            # the same placeholders in both languages, or one of them would show "{n}"
            fields_vi = {f for _, f, _, _ in string.Formatter().parse(vi) if f}
            fields_en = {f for _, f, _, _ in string.Formatter().parse(en) if f}
            assert fields_vi == fields_en, f"{key}: {fields_vi} != {fields_en}"


def test_the_bundled_font_has_every_letter_of_part_b():
    text = "".join(vi + en for key, (vi, en) in TABLE.items() if key.startswith(PREFIXES))
    text += "\u2022\u2014\u00b7"  # mask dots, dashes and separators drawn by the screens
    for font in (REGULAR, BOLD):
        cmap = TTFont(str(font)).getBestCmap()
        missing = sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap})
        assert not missing, f"{font.name} lacks {missing}"
