"""Run the benchmarks: every bench/bench_*.py module's `main()`, or those matching ARGS."""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
from pathlib import Path


def main(argv: list[str]) -> int:
    os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", tempfile.mkdtemp(prefix="escpos-"))
    here = Path(__file__).resolve().parent
    names = sorted(p.stem for p in here.glob("bench_*.py"))
    wanted = [n for n in names if not argv or any(a in n for a in argv)]
    if not wanted:
        print(f"no benchmark matches {argv}; have: {', '.join(names)}")
        return 2
    failed = 0
    for name in wanted:
        print(f"=== {name}")
        module = importlib.import_module(f"bench.{name}")
        try:
            module.main()
        except Exception as err:  # one broken benchmark must not hide the others
            failed += 1
            print(f"!!! {name} failed: {err!r}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
