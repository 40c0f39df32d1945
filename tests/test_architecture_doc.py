"""docs/architecture.md walks the code file by file: every module it names by path exists and
imports (a renamed or removed module fails here, not in a newcomer's hands)."""

from __future__ import annotations

import importlib
import re

from tests.conftest import REPO_ROOT

DOC = REPO_ROOT / "docs" / "architecture.md"
# the "add a screen" recipe names a module the reader is to write
EXAMPLES = {"kiosk/screens/example.py"}


def named_modules() -> list[str]:
    paths = set(re.findall(r"`((?:[a-z_]+/)+[a-z_]+\.py)`", DOC.read_text(encoding="utf-8")))
    return sorted(paths - EXAMPLES)


def test_the_walk_names_modules_that_exist_and_import() -> None:
    paths = named_modules()
    assert len(paths) > 30, "the walk names the modules by path"
    missing = [p for p in paths if not (REPO_ROOT / p).is_file()]
    assert not missing, f"docs/architecture.md names modules that are not there: {missing}"
    for path in paths:
        if path.startswith("bench/") or path.endswith("__main__.py"):
            continue
        importlib.import_module(path.removesuffix(".py").replace("/", "."))


def test_the_layout_names_every_common_module() -> None:
    """`common/` holds the one implementation of each shared mechanism: a newcomer looks there
    first, so the Layout section names every module in it."""
    named = set(named_modules())
    modules = {f"common/{p.name}" for p in (REPO_ROOT / "common").glob("*.py") if p.name != "__init__.py"}
    assert not modules - named, f"docs/architecture.md does not name {sorted(modules - named)}"
