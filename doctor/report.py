"""One check's result and how a run of checks is printed."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Level(enum.StrEnum):
    """How a check came out; only FAIL makes the doctor exit non-zero."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True)
class Result:
    """One line of the doctor's report: what was checked, what was found, what to do."""

    check: str
    level: Level
    found: str
    todo: str = ""

    def line(self) -> str:
        """`[ OK ] check: found` (plus ` -> what to do` when there is something to do)."""
        tag = {Level.OK: " OK ", Level.WARN: "WARN", Level.FAIL: "FAIL", Level.SKIP: "SKIP"}[self.level]
        text = f"[{tag}] {self.check}: {self.found}"
        return f"{text} -> {self.todo}" if self.todo else text


def ok(check: str, found: str) -> Result:
    """A passing check."""
    return Result(check, Level.OK, found)


def warn(check: str, found: str, todo: str) -> Result:
    """Something to look at that does not stop the center opening."""
    return Result(check, Level.WARN, found, todo)


def fail(check: str, found: str, todo: str) -> Result:
    """Something that must be fixed before citizens arrive."""
    return Result(check, Level.FAIL, found, todo)


def skip(check: str, why: str) -> Result:
    """Not checked, and why (not configured, or an earlier failure already covers it)."""
    return Result(check, Level.SKIP, why)


def exit_code(results: list[Result]) -> int:
    """0 when nothing failed, 1 otherwise."""
    return 1 if any(r.level is Level.FAIL for r in results) else 0
