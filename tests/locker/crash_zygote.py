"""Forks locker daemons from a pre-imported parent, for the kill -9 crash test.

A cold `python -m locker` spends most of its start importing FastAPI; forking from a parent that
has imported everything (and started no threads) lets the crash test kill a real daemon process
200+ times within its time bound. Protocol on stdin: `spawn ARG...` -> prints `pid N`; `quit`.
"""

from __future__ import annotations

import os
import signal
import sys

import fastapi  # noqa: F401 - pre-import for fast forks
import uvicorn  # noqa: F401

import drivers.lockboard.bus  # noqa: F401
import locker.api
import locker.daemon
import locker.service


def main() -> int:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped automatically
    log_path = sys.argv[1]
    print("ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            return 0
        if words[0] != "spawn":
            continue
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            try:
                rc = locker.daemon.main(words[1:])
            except BaseException:  # report and exit the child, never return to the loop
                import traceback

                traceback.print_exc()
                rc = 70
            os._exit(rc)
        print(f"pid {pid}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
