"""`contracts/` is a leaf: pydantic and the standard library only (never a service, never Kivy),
so the kiosk can import it without pulling in a service and the services without the kiosk. The one
exception is the lock-board driver's door words (`drivers/lockboard/types.py`), themselves standard
library only, which the contract names as they are."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

ALLOWED = {"pydantic", "contracts", "__future__"}
DRIVER_WORDS = "drivers.lockboard.types"


def imported_names(path: Path) -> list[str]:
    """Every module `path` imports (absolute imports only)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: relative import"
            names.append(node.module or "")
    return names


def test_contracts_import_only_pydantic_and_the_standard_library() -> None:
    files = sorted((REPO_ROOT / "contracts").glob("*.py"))
    assert {f.name for f in files} >= {"__init__.py", "common.py", "locker.py", "queueing.py"}
    for path in files:
        for name in imported_names(path):
            top = name.split(".")[0]
            ok = top in ALLOWED or top in sys.stdlib_module_names or name == DRIVER_WORDS
            assert ok, f"{path.name} imports {name}"


def test_the_driver_words_the_contract_names_are_standard_library_only() -> None:
    folder = REPO_ROOT / "drivers"
    for path in (
        folder / "__init__.py",
        folder / "lockboard" / "__init__.py",
        folder / "lockboard" / "types.py",
    ):
        for name in imported_names(path):
            top = name.split(".")[0]
            assert top == "__future__" or top in sys.stdlib_module_names, f"{path} imports {name}"


def test_the_kiosk_clients_load_no_service_and_no_web_framework() -> None:
    """The kiosk shares the contract, not the services: its clients pull in neither a service's
    package nor FastAPI, serial or sqlite3 (checked in a fresh interpreter)."""
    code = (
        "import sys, kiosk.clients.locker, kiosk.clients.queueing; "
        "bad = {'locker', 'queueing', 'fastapi', 'starlette', 'serial', 'sqlite3', 'kivy'}; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & bad))"
    )
    argv = [sys.executable, "-c", code]
    out = subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
