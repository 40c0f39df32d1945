"""What the services' source says about their wire: the error codes it raises, the models it serves."""

from __future__ import annotations

import ast
import enum
from typing import Any

from pydantic import BaseModel

from tests.conftest import REPO_ROOT

#: Calls that carry an error code, and the position of that code among their arguments.
CODE_ARG = {
    "LockerError": 0,
    "AuthError": 0,
    "Forbidden": 0,
    "NotFound": 0,
    "Conflict": 0,
    "Gone": 0,
    "Locked": 0,
    "Throttled": 0,
    "Unavailable": 0,
    "BackOfficeTimeout": 0,
    "QueueError": 1,
    "Refusal": 1,  # common.http_guard
    "_current": 2,  # queueing.counters: the 409 when no ticket is at the counter
}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _constant(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def error_codes(package: str) -> dict[str, str]:
    """Every literal error code in `package`'s source: code -> first place it appears.

    Found in error constructors (`CODE_ARG`), `super().__init__(code, ...)` inside an error class,
    `code = "..."` class attributes of error classes and `{"error": "..."}` literals.
    """
    found: dict[str, str] = {}
    for path in sorted((REPO_ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = str(path.relative_to(REPO_ROOT))
        for node in ast.walk(tree):
            code: str | None = None
            if isinstance(node, ast.Call):
                name = _name(node.func)
                pos = CODE_ARG.get(name or "")
                if pos is not None and len(node.args) > pos:
                    code = _constant(node.args[pos])
                elif name == "__init__" and node.args:
                    code = _constant(node.args[0])
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if key is not None and _constant(key) == "error":
                        code = _constant(value)
            elif isinstance(node, ast.ClassDef) and node.name.endswith(("Error", "Failed", "Busy")):
                for stmt in node.body:
                    if isinstance(stmt, ast.Assign) and any(
                        isinstance(t, ast.Name) and t.id == "code" for t in stmt.targets
                    ):
                        code = _constant(stmt.value)
                        if code:
                            found.setdefault(code, f"{where}:{stmt.lineno}")
                continue
            if code:
                found.setdefault(code, f"{where}:{node.lineno}")  # type: ignore[attr-defined]
    return found


def values(*enums: type[enum.StrEnum]) -> set[str]:
    """All values of the given enums."""
    return {m.value for e in enums for m in e}


def success_schemas(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`METHOD path` -> the JSON schema of its 2xx answer, for every documented /api/v1 operation."""
    out: dict[str, dict[str, Any]] = {}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op or not path.startswith("/api/v1"):
                continue
            ok = [r for s, r in op["responses"].items() if s.startswith("2")]
            assert len(ok) == 1, f"{method.upper()} {path}: {len(ok)} success responses"
            content = ok[0].get("content", {}).get("application/json", {})
            out[f"{method.upper()} {path}"] = content.get("schema", {})
    return out


def model_of(schema: dict[str, Any]) -> str | None:
    """The component a success schema names (itself or as the items of an array), else None."""
    if schema.get("type") == "array":
        schema = schema.get("items", {})
    ref = schema.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref.startswith("#/components/schemas/") else None


def contract_models(module: Any) -> dict[str, type[BaseModel]]:
    """The pydantic models a contracts module defines, by name."""
    return {
        name: obj
        for name, obj in vars(module).items()
        if isinstance(obj, type) and issubclass(obj, BaseModel) and obj.__module__ == module.__name__
    }


def strict(model: Any) -> Any:
    """`model` (or `list[model]`) refusing unknown fields: a field the contract lacks is drift too."""
    if getattr(model, "__origin__", None) is list:
        return list[strict(model.__args__[0])]  # type: ignore[misc]
    assert issubclass(model, BaseModel)
    config = {**model.model_config, "extra": "forbid"}
    return type(f"Strict{model.__name__}", (model,), {"model_config": config})
