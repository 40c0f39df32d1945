"""`contracts/` is a leaf: pydantic and the standard library only (never a service, never Kivy),
so the kiosk can import it without pulling in a service and the services without the kiosk."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import REPO_ROOT

ALLOWED = {"pydantic", "contracts", "__future__"}


def test_contracts_import_only_pydantic_and_the_standard_library() -> None:
    files = sorted((REPO_ROOT / "contracts").glob("*.py"))
    assert {f.name for f in files} >= {"__init__.py", "common.py", "locker.py", "queueing.py"}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path.name}: relative import"
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in ALLOWED or top in sys.stdlib_module_names, f"{path.name} imports {name}"


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
