"""Every string is in the one table in both languages; every big button is a >= 15 mm target."""

from __future__ import annotations

import re

import pytest

from kiosk import theme
from kiosk.i18n import TABLE, Translator
from kiosk.screens.registry import KV_DIR
from kiosk.services import Services

MINE = ("home", "services", "scan_id", "priority", "ticket", "out_of_service")


def test_every_key_has_vietnamese_and_english():
    for key, (vi, en) in TABLE.items():
        assert vi.strip() and en.strip(), key


def test_placeholders_match_between_languages():
    for key, (vi, en) in TABLE.items():
        assert set(re.findall(r"{(\w+)}", vi)) == set(re.findall(r"{(\w+)}", en)), key


def test_every_key_used_in_kv_files_exists():
    used = set()
    for kv in KV_DIR.glob("*.kv"):
        used |= set(re.findall(r'app\.t\("([\w.]+)"', kv.read_text(encoding="utf-8")))
    missing = sorted(k for k in used if k not in TABLE)
    assert not missing, f"kv files use keys missing from kiosk/strings/: {missing}"


def test_missing_key_shows_the_key_not_a_crash():
    assert Translator("en").tr("no.such.key") == "no.such.key"


@pytest.mark.kivy
def test_big_buttons_on_part_a_screens_are_at_least_15_mm(make_harness):
    from kiosk.widgets.common import BigButton

    h = make_harness(Services())
    minimum = theme.touch_min() - 1
    for name in MINE:
        scr = h.screen(name)  # built on first use
        for state in scr.demo_states():
            h.stage(name, state, frames=4)
            for w in scr.walk():
                if isinstance(w, BigButton) and w.opacity > 0 and w.get_root_window() is not None:
                    assert w.width >= minimum and w.height >= minimum, (name, state, w.text, w.size)
            scr.reset()


def test_a_key_defined_in_two_areas_stops_the_import() -> None:
    from kiosk.i18n import merge_tables

    with pytest.raises(ValueError, match="home.title"):
        merge_tables({"home.title": ("a", "b")}, {"home.title": ("c", "d")})
